"""The confirmation table of the paper (`tables/confirmation.md`), from the confirmation's typed result.

A module of its own so that only the confirmation step, which writes the table, depends on it.
"""

from __future__ import annotations

from ..evaluation.confirmation import ConfirmationStudy, IntervalCoverage
from .labels import LIKELIHOOD_NAMES
from .tables import table

__all__ = ["confirmation_table"]


def _ci(c: IntervalCoverage) -> str:
    """The coverage with its interval's ends as distances from it, in two decimals (the
    distances of the rounded ends, so the ends read back exactly): nine columns of
    "0.70 [0.67, 0.73]" do not fit a page's width and broke inside the brackets."""
    est, lo, hi = (round(v, 2) for v in (c.coverage, c.lo, c.hi))
    return f"${est:.2f}^{{+{hi - est:.2f}}}_{{-{est - lo:.2f}}}$"


def confirmation_table(study: ConfirmationStudy) -> str:
    """Per likelihood on the confirmation set: coverage with Wilson intervals, the worst Q0
    quarter, SBC, and the Holm decision per parameter (TARP shown in the text, not counted)."""
    rows = [
        "| Likelihood | 68% $Q_0$ | 95% $Q_0$ | 68% $a$ | 95% $a$ | worst quarter, 95% $Q_0$ | SBC $p$ ($Q_0$, $a$) "
        "| tests rejected | calibrated ($Q_0$, $a$) |",
        "|:--|" + "--:|" * 8,
    ]
    for name, c in study.likelihoods.items():
        q, a = c.q0, c.a_au
        worst = min((qs[1] for qs in q.quarters if qs[1].n), key=lambda x: x.coverage)
        mark = "**" if name == study.recommended else ""
        verdict = ", ".join("yes" if c.calibrated(p) else "no" for p in ("q0", "a_au"))
        rows.append(
            f"| {mark}{LIKELIHOOD_NAMES[name]}{mark} | {_ci(q.coverage[0])} | {_ci(q.coverage[1])} | "
            f"{_ci(a.coverage[0])} | {_ci(a.coverage[1])} | {_ci(worst)} | {q.sbc_p:.2f}, {a.sbc_p:.2f} | "
            f"{len(c.rejected)} | {verdict} |"
        )
    rec = study.likelihoods[study.recommended].q0
    caption = (
        f"Every likelihood on the {study.n_used} usable simulations of the confirmation set, fresh prior draws "
        "simulated once after the choice of likelihood: coverage of the central 68% and 95% credible intervals "
        "with Wilson 95% intervals (their ends as distances from the estimate), the lowest 95% coverage of $Q_0$ "
        "among the quarters of the $Q_0$ range, the SBC "
        f"uniformity test, how many of the calibration tests Holm's procedure rejects at a family-wise "
        f"{100 * study.alpha:g}%, and whether none of a parameter's tests is rejected. With {study.n_used} cases "
        f"the set detects an under-coverage of {rec.shortfall[0]:.3f} at 68% and {rec.shortfall[1]:.3f} at 95% "
        f"with probability {study.power:g}. The recommended likelihood, chosen on the selection set, is in bold."
    )
    return table(rows, caption, "tbl-confirmation")
