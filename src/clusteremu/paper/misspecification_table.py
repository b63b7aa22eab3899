"""The misspecification table (`tables/misspecification.md`), from the study's typed result.

A module of its own so that only the misspecification step, which writes the table, depends on it.
"""

from __future__ import annotations

from ..evaluation.misspecification import MisspecificationStudy
from ..evaluation.robustness import TEMPERING, at_beta
from .labels import LIKELIHOOD_NAMES
from .tables import table
from .text import listing

__all__ = ["misspecification_table"]


def misspecification_table(study: MisspecificationStudy) -> str:
    """Per set: 68% and 95% coverage and bias of both parameters, the check's flag rate, the
    coverage of the clusters it lets through, and the 68% and 95% coverage of the tempered
    posteriors (the robust option's exponent, or the smallest tried where none reaches the target)."""
    beta = TEMPERING[-1] if study.robust_beta is None else study.robust_beta
    labels = [f"\u201c{study.row(c.name).label}\u201d" for c in study.choices]
    rows = [
        "| Clusters | usable | 68% $Q_0$, $a$ | 95% $Q_0$, $a$ | bias $Q_0$, $a$ | flagged | unflagged 95% $Q_0$, $a$ "
        f"| tempered ($\\beta$ = {beta:g}) 68% | tempered 95% |",
        "|:--|" + "--:|" * 8,
    ]
    for r in study.rows:
        t, last = r.tempered[0], at_beta(r.tempered, beta)
        flagged = "—" if r.flagged is None else f"{r.flagged:.2f} [{r.flagged_lo:.2f}, {r.flagged_hi:.2f}]"
        u = r.unflagged
        kept = "—" if u is None else f"{_pair(u.coverage95)} ({r.n_unflagged})"
        rows.append(
            f"| {r.label} | {r.n_used} | {_pair(t.coverage68)} | {_pair(t.coverage95)} | "
            f"{_signed(t.z_mean['q0'])}, {_signed(t.z_mean['a_au'])} | {flagged} | {kept} | "
            f"{_pair(last.coverage68)} | {_pair(last.coverage95)} |"
        )
    caption = (
        f"The recommended likelihood ({LIKELIHOOD_NAMES[study.likelihood]}) on clusters of the model's own physics "
        f"(the confirmation set) and on {study.n_total} clusters per variant that differ from it in one way, all "
        "observed without measurement errors: "
        "coverage of the 68% and 95% credible intervals (of $Q_0$, then $a$), the bias as the mean standardized "
        "error (posterior mean minus truth over posterior sd), the fraction the model check flags with its Wilson "
        "95% interval, the coverage of the clusters it does not flag (how many in brackets), and the 68% and 95% "
        f"coverage of the posteriors tempered to the power {beta:g}"
        + (
            f", an exponent chosen on the even-numbered half of the rows {listing(labels)} (the text gives the "
            "odd-numbered half's coverage, which the choice never saw)."
            if study.robust_beta is not None
            else " (no exponent tried reaches the target)."
        )
    )
    return table(rows, caption, "tbl-misspecification")


def _pair(coverage: dict) -> str:
    """A coverage of both parameters, "0.69, 0.79"."""
    return f"{coverage['q0']:.2f}, {coverage['a_au']:.2f}"


def _signed(x: float) -> str:
    """A bias with its sign, the minus a true minus sign as in the text: "+0.03", "−1.31"."""
    return f"{x:+.2f}".replace("-", "\u2212")
