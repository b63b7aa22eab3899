"""The manuscript's qualitative claims, each with the test on the results that makes it true.

Every [`Claim`][] has an identifier and the words of `paper/index.qmd` it guards (verbatim;
a test checks it). [`check_claims`][] runs the tests: under the profile's
`manuscript.claims: fail` a false claim stops the build and quotes the words, under `flag`
the first page lists it. Either way the variables carry every claim with whether it holds,
and the provenance appendix lists them. The thresholds the claims use are named here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..evaluation.reports import CalibrationReport
from .findings import nuts_summary
from .text import upper_first, word

__all__ = [
    "CLAIMS",
    "NOISE_SHARE_MIN",
    "NUTS_GRID_DMEAN_MAX",
    "PRECISION_Z_MAX",
    "Claim",
    "ClaimError",
    "check_claims",
]

#: NUTS and the grid agree when their means differ by less than this many grid posterior sds.
NUTS_GRID_DMEAN_MAX = 0.2
#: "Most of the error is the simulator's scatter": its share of the squared error above this.
NOISE_SHARE_MIN = 0.5
#: Float32 forces "change nothing" when the means differ by less than this many standard errors.
PRECISION_Z_MAX = 3.0


def recommended(results: dict) -> CalibrationReport:
    """The coverage study of the recommended likelihood."""
    return results["inference"].coverage_set[results["inference"].recommended]


class Claim(NamedTuple):
    """A qualitative statement of the manuscript: `text` appears verbatim in paper/index.qmd."""

    id: str
    text: str
    test: Callable[[dict], bool]


#: Qualitative statements of the manuscript, each with the test that makes it true. Each
#: text appears verbatim in paper/index.qmd (tests/test_manuscript.py checks it).
CLAIMS = [
    Claim(
        "bound-fraction-falls",
        "The bound fraction falls as $Q_0$ grows",
        lambda r: r["campaign"]["f_bound_median_low_q0"] > r["campaign"]["f_bound_median_high_q0"],
    ),
    Claim(
        "relative-noise-grows",
        "Relative to each summary's value it grows with $Q_0$",
        lambda r: all(v["high_q0"] > v["low_q0"] for v in r["campaign"]["relative_noise_by_q0"].values()),
    ),
    Claim(
        "a-contracts-less",
        "much less so for $a$",
        lambda r: recommended(r).q0.contraction_median > 2 * recommended(r).a_au.contraction_median,
    ),
    Claim(
        "nuts-agrees-with-grid",
        "NUTS agrees with the grid in the posterior means",
        lambda r: nuts_summary(r["inference"].nuts[r["inference"].recommended])["dmean_value"] < NUTS_GRID_DMEAN_MAX,
    ),
    Claim(
        "error-mostly-scatter",
        "For every method but the training mean and the linear regression most of the error is the simulator's own "
        "scatter",
        lambda r: all(
            share > NOISE_SHARE_MIN
            for m, shares in r["evaluation"]["noise_share"].items()
            if m not in ("mean", "linear")
            for share in shares
        ),
    ),
    Claim(
        "learned-and-flow-physical",
        "Every prediction of the learned-noise ensemble and of the\nflow, "
        "on a dense grid over the domain and beyond it, "
        "lies in the physical range",
        lambda r: (
            r["truth"]["physical_range"]["learned"]["physical"] and r["truth"]["physical_range"]["flow"]["physical"]
        ),
    ),
    Claim(
        "mean-and-gp-unphysical",
        "those of the\nmean ensemble and of the Gaussian process, which emulate the summaries themselves, do not",
        lambda r: not any(r["truth"]["physical_range"][m]["physical"] for m in ("mean", "gp")),
    ),
    Claim(
        "float32-forces-harmless",
        "changes nothing beyond the realization noise",
        lambda r: (
            max(max(row["mean_difference_over_se"]) for row in r["validation"]["precision"]["rows"]) < PRECISION_Z_MAX
        ),
    ),
]


class ClaimError(RuntimeError):
    """A claim of the manuscript is false for these results."""


def check_claims(results: dict, mode: str, claims: list[Claim] = CLAIMS) -> dict:
    """Test every claim: under `mode="fail"` a false one stops the build.

    **Returns:** the variables `build.claims`: `status` (a count), `summary` (a sentence),
    `notice` (empty when every claim holds, else a paragraph for the first page quoting the
    false ones) and `items`, each claim's words and whether it holds, by identifier.
    """
    items = {c.id: {"text": " ".join(c.text.split()), "holds": "yes" if c.test(results) else "no"} for c in claims}
    false = {cid: item["text"] for cid, item in items.items() if item["holds"] == "no"}
    if false and mode == "fail":
        listed = "\n  ".join(f'{cid}: "{text}"' for cid, text in false.items())
        raise ClaimError(f"claims of the manuscript no longer true:\n  {listed}")
    n = word(len(claims))
    if not false:
        return {"status": f"all {n} claims hold", "summary": f"All {n} claims hold.", "notice": "", "items": items}
    k = word(len(false))
    quoted = "; ".join(f"\u201c{text}\u201d" for text in false.values())
    return {
        "status": f"{k} of {n} claims false",
        "summary": f"{upper_first(k)} of the {n} claims do not hold for these results; this profile flags them "
        "on the first page instead of stopping the build.",
        "notice": f"{upper_first(k)} of the {n} claims of this text do not hold for these results (this profile "
        f"flags them instead of stopping the build): {quoted}.",
        "items": items,
    }
