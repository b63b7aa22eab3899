"""The likelihood-comparison table of the paper (`tables/likelihoods.md`), from the study's typed result.

A module of its own so that only the inference step, which writes the table, depends on
the study's result type.
"""

from __future__ import annotations

from ..evaluation.reports import LikelihoodComparison
from .labels import LIKELIHOOD_NAMES
from .tables import table
from .text import listing

__all__ = ["likelihood_table"]


def likelihood_table(results: LikelihoodComparison) -> str:
    """Per likelihood: coverage (global and worst Q0 quarter), SBC, TARP, contraction, the
    calibration checks failed; the NUTS runs, made for few likelihoods, in the caption.

    Pairs of numbers share a column (68% and 95%; Q0 and a) and the headers are short, so
    that every row fits on one line and the table on one page."""
    rows = [
        "| Likelihood | 68%, 95% $Q_0$ | 68%, 95% $a$ | worst quarter | SBC $p$ | TARP | contraction | checks failed |",
        "|:--|" + "--:|" * 6 + ":--|",
    ]
    for name in results.likelihoods:
        r = results.coverage_set[name]
        q, a = r.q0, r.a_au
        worst = min((b.coverage95 for b in q.by_q0 if b.n), default=float("nan"))
        failed = ", ".join(check for check, ok in r.checks.items() if not ok) or "none"
        mark = "**" if name == results.recommended else ""
        rows.append(
            f"| {mark}{LIKELIHOOD_NAMES[name]}{mark} | {q.coverage68:.2f}, {q.coverage95:.2f} | {a.coverage68:.2f}, "
            f"{a.coverage95:.2f} | {worst:.2f} | {q.sbc_chi2_p:.2f}, {a.sbc_chi2_p:.2f} | {r.tarp.max_deviation:.3f} | "
            f"{q.contraction_median:.1f}, {a.contraction_median:.1f} | {failed} |"
        )
    n = results.n_coverage_used
    se68, se95 = ((p * (1 - p) / n) ** 0.5 for p in (0.68, 0.95))
    caption = (
        f"Every likelihood on the {n} held-out simulations drawn from the prior: coverage of the central 68% and "
        f"95% credible intervals (binomial standard errors {se68:.3f} and {se95:.3f} at nominal coverage), the "
        "lowest 95% coverage of $Q_0$ among the quarters of its range, the SBC uniformity test ($Q_0$, $a$), the "
        "largest deviation of the TARP curve from the diagonal (simultaneous 95% band "
        f"{results.coverage_set[results.recommended].tarp.band:.3f}), the median contraction (prior sd / posterior "
        "sd; $Q_0$, $a$) and the calibration checks failed (of "
        f"{listing(list(results.coverage_set[results.recommended].checks))}). The recommended likelihood is in "
        f"bold. {_nuts_sentence(results)}"
    )
    return table(rows, caption, "tbl-likelihoods")


def _nuts_sentence(results: LikelihoodComparison) -> str:
    """Which likelihoods were sampled with NUTS, and how many of their runs pass every diagnostic."""
    runs = {name: checks for name, checks in results.nuts.items() if checks}
    if not runs:
        return "No likelihood was sampled with NUTS."
    counts = [
        f"{LIKELIHOOD_NAMES[name]}, {sum(c.healthy for c in checks)} of {len(checks)}" for name, checks in runs.items()
    ]
    return f"Runs of NUTS passing every diagnostic: {'; '.join(counts)}."
