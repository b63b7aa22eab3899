"""The manuscript's qualitative claims, each with the test on the results that makes it true.

Every text in [`CLAIMS`][] appears verbatim in `paper/index.qmd` (a test checks it);
[`check_claims`][] runs the tests: under the profile's `manuscript.claims: fail` a false
claim stops the build and quotes the sentence, under `flag` the first page lists it.
The thresholds the claims use are named here, once.
"""

from __future__ import annotations

from ..evaluation.reports import CalibrationReport
from .findings import nuts_summary
from .text import upper_first, word

__all__ = ["CLAIMS", "NOISE_SHARE_MIN", "NUTS_GRID_DMEAN_MAX", "PRECISION_Z_MAX", "ClaimError", "check_claims"]

#: NUTS and the grid agree when their means differ by less than this many grid posterior sds.
NUTS_GRID_DMEAN_MAX = 0.2
#: "Most of the error is the simulator's scatter": its share of the squared error above this.
NOISE_SHARE_MIN = 0.5
#: Float32 forces "change nothing" when the means differ by less than this many standard errors.
PRECISION_Z_MAX = 3.0


def recommended(results: dict) -> CalibrationReport:
    """The coverage study of the recommended likelihood."""
    return results["inference"].coverage_set[results["inference"].recommended]


#: Qualitative statements of the manuscript, each with the test that makes it true. Each
#: text appears verbatim in paper/index.qmd (tests/test_manuscript.py checks it).
CLAIMS = [
    (
        "The bound fraction falls as $Q_0$ grows",
        lambda r: r["campaign"]["f_bound_median_low_q0"] > r["campaign"]["f_bound_median_high_q0"],
    ),
    (
        "Relative to each summary's value it grows with $Q_0$",
        lambda r: all(v["high_q0"] > v["low_q0"] for v in r["campaign"]["relative_noise_by_q0"].values()),
    ),
    (
        "much less so for $a$",
        lambda r: recommended(r).q0.contraction_median > 2 * recommended(r).a_au.contraction_median,
    ),
    (
        "NUTS agrees with the grid in the posterior means",
        lambda r: nuts_summary(r["inference"].nuts[r["inference"].recommended])["dmean_value"] < NUTS_GRID_DMEAN_MAX,
    ),
    (
        "For every method but the training mean and the linear regression most of the error is the simulator's own "
        "scatter",
        lambda r: all(
            share > NOISE_SHARE_MIN
            for m, shares in r["evaluation"]["noise_share"].items()
            if m not in ("mean", "linear")
            for share in shares
        ),
    ),
    (
        "Every prediction of the learned-noise ensemble and of the\nflow, "
        "on a dense grid over the domain and beyond it, "
        "lies in the physical range",
        lambda r: (
            r["truth"]["physical_range"]["learned"]["physical"] and r["truth"]["physical_range"]["flow"]["physical"]
        ),
    ),
    (
        "those of the\nmean ensemble and of the Gaussian process, which emulate the summaries themselves, do not",
        lambda r: not any(r["truth"]["physical_range"][m]["physical"] for m in ("mean", "gp")),
    ),
    (
        "changes nothing beyond the realization noise",
        lambda r: (
            max(max(row["mean_difference_over_se"]) for row in r["validation"]["precision"]["rows"]) < PRECISION_Z_MAX
        ),
    ),
]


class ClaimError(RuntimeError):
    """A claim of the manuscript is false for these results."""


def check_claims(results: dict, mode: str, claims: list = CLAIMS) -> dict:
    """Test every claim: under `mode="fail"` a false one stops the build; under `"flag"` the
    returned variables say which are false, for the first page and the reproducibility section."""
    false = [text.replace("\n", " ") for text, test in claims if not test(results)]
    if false and mode == "fail":
        raise ClaimError("claims of the manuscript no longer true:\n  " + "\n  ".join(f'"{t}"' for t in false))
    if not false:
        return {"status": f"all {word(len(claims))} claims hold", "list": f"All {word(len(claims))} claims hold."}
    quoted = "; ".join(f"\u201c{t}\u201d" for t in false)
    return {
        "status": f"{word(len(false))} of {word(len(claims))} claims false",
        "list": f"{upper_first(word(len(false)))} of the {word(len(claims))} claims do not hold for these results "
        f"(this profile flags them instead of stopping the build): {quoted}.",
    }
