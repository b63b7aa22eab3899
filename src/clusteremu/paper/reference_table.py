"""The reference-bank table of the paper (`tables/reference.md`), from the bank's typed result.

A module of its own so that only the reference step, which writes the table, depends on it.
"""

from __future__ import annotations

from ..evaluation.reference_bank import REFERENCES, Agreement, ReferenceBank
from ..evaluation.trust import EFFICIENCY_DMEAN, EFFICIENCY_REFERENCE, EFFICIENCY_SD_RATIO, efficiency_met
from ..prior import PARAMETERS
from .labels import LIKELIHOOD_NAMES, PARAM_SYMBOLS
from .tables import table

__all__ = ["REFERENCE_TEXT", "TABLE_REFERENCES", "reference_table"]

#: How the text and the table name the references.
REFERENCE_TEXT = {"gaussian": "Gaussian", "semiparametric": "semi-parametric", "kernel": "kernel"}
#: The references the table compares with (the page holds two; the text gives the third):
#: the one condition 3 is judged against and the one that assumes nothing.
TABLE_REFERENCES = (EFFICIENCY_REFERENCE, "kernel")


def _cell(a: Agreement) -> str:
    return f"{a.dmean_median:.2f}, {a.dmean_p90:.2f}; {a.sd_ratio_median:.2f}" if a.n else "–"


def reference_table(bank: ReferenceBank) -> str:
    """Per likelihood, against [`TABLE_REFERENCES`][] and for both parameters: the median and
    90th percentile of |dmean| / sd and the median sd ratio; last, the bootstrap noise floor."""
    heads = [f"{PARAM_SYMBOLS[p]}, {REFERENCE_TEXT[r]}" for r in TABLE_REFERENCES for p in PARAMETERS]
    rows = ["| Likelihood | " + " | ".join(heads) + " | efficient ($Q_0$, $a$) |", "|:--|" + "--:|" * 5]
    for name in bank.agreement:
        mark = "**" if name == bank.recommended else ""
        cells = [_cell(bank.against(name, r, p)) for r in TABLE_REFERENCES for p in PARAMETERS]
        verdict = ", ".join("yes" if efficiency_met(bank, name, p) else "no" for p in PARAMETERS)
        rows.append(f"| {mark}{LIKELIHOOD_NAMES[name]}{mark} | " + " | ".join(cells) + f" | {verdict} |")
    floor = [_cell(bank.noise_floor[r][p]) for r in TABLE_REFERENCES for p in PARAMETERS]
    rows.append("| *bootstrap noise floor* | " + " | ".join(floor) + " | |")
    caption = (
        f"Every likelihood against the simulator's own posteriors for {len(bank.observations)} confirmation "
        f"observations, the reference posteriors made from the reference bank ({len(bank.q0_nodes)} × "
        f"{len(bank.a_nodes)} nodes, {bank.realizations} realizations "
        f"each): per parameter and reference ({' and '.join(REFERENCE_TEXT[r] for r in TABLE_REFERENCES)}; the "
        "text gives the recommended likelihood against the "
        f"{' and '.join(REFERENCE_TEXT[r] for r in REFERENCES if r not in TABLE_REFERENCES)} one), the "
        "median and 90th percentile of the "
        "posterior mean's distance from the reference's in units of the reference's posterior standard "
        "deviation, and the median ratio of the posterior standard deviations. The last row compares each "
        "bootstrap replicate of a reference with the reference itself: what a likelihood equal to the "
        "simulator's would score. A parameter is efficient where, "
        f"against the {REFERENCE_TEXT[EFFICIENCY_REFERENCE]} reference, the median is at most "
        f"{EFFICIENCY_DMEAN[0]:g}, the 90th percentile at most {EFFICIENCY_DMEAN[1]:g} and the median ratio within "
        f"[{EFFICIENCY_SD_RATIO[0]:g}, {EFFICIENCY_SD_RATIO[1]:g}]. The recommended likelihood is in bold."
    )
    return table(rows, caption, "tbl-reference")
