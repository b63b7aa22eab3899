"""The paper's criterion of trust, defined once: the study, the text and the command line read it here.

Fixed before the results (the manuscript's introduction states it): an emulator-based
inference of a parameter is *trusted* when

1. **accuracy**: the emulator behind the likelihood errs, at the truth-set points, by at
   most [`ACCURACY_TARGETS`][] realization standard deviations of the simulator for every
   summary: 0.3 at the 68th percentile of |emulated mean - true mean| / sigma_sim and 0.5 at
   the 95th (an error of one sigma_sim in the summary that dominates can cut 95% coverage
   to about 0.83, so "below one" would let through emulators whose likelihoods fail),
2. **calibration**: on the *confirmation set* (fresh prior draws simulated once, after the
   likelihood was chosen on the selection set), none of that parameter's calibration tests
   is rejected by Holm's procedure at the family-wise rate of the profile: exact binomial
   tests of the 68% and 95% coverage, globally and in each quarter of the Q0 range, and
   the SBC uniformity test ([`clusteremu.evaluation.confirmation`][]). TARP is shown, not
   counted: it has not been shown to discriminate on this study's sets, and
3. **efficiency**: against the simulator's own posteriors on the reference bank
   ([`clusteremu.evaluation.simulator_reference`][]: the [`EFFICIENCY_REFERENCE`][]
   synthetic likelihood, over observations spread across the whole prior box), for that
   parameter, the posterior mean differs from the reference's by at most
   [`EFFICIENCY_DMEAN`][] reference posterior sds at the median and at the 90th percentile
   (0.2 and 0.4), and the median ratio of posterior sds lies within
   [`EFFICIENCY_SD_RATIO`][] (0.85 to 1.15): calibration on average does not make single
   posteriors right, and a posterior close to the prior is calibrated too.

The choice of likelihood is made on the selection set by
[`clusteremu.evaluation.coverage.recommend`][] (most calibration checks passed there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..inference.registry import LIKELIHOODS
from ..prior import PARAMETERS
from .confirmation import ConfirmationStudy
from .reference_bank import Agreement, ReferenceBank

__all__ = [
    "ACCURACY_TARGETS",
    "EFFICIENCY_DMEAN",
    "EFFICIENCY_REFERENCE",
    "EFFICIENCY_SD_RATIO",
    "EFFICIENCY_STATISTICS",
    "EMULATOR_OF",
    "accuracy_met",
    "assess",
    "closer_with_bank_size",
    "efficiency_met",
    "efficiency_shortfall",
]

#: Condition 1: the emulated mean's error at the truth points, in realization sds of the
#: worst summary, at most this at the 68th and at the 95th percentile.
ACCURACY_TARGETS = (0.3, 0.5)

#: Condition 3: |posterior mean - reference mean| / reference sd at most this at the median
#: and at the 90th percentile over the reference bank's observations ...
EFFICIENCY_DMEAN = (0.2, 0.4)
#: ... and the median of posterior sd / reference sd within this range.
EFFICIENCY_SD_RATIO = (0.85, 1.15)
#: The reference condition 3 is judged against: the Gaussian synthetic likelihood, fixed
#: before the results (the semi-parametric and the kernel ones are reported beside it).
EFFICIENCY_REFERENCE = "gaussian"
#: The statistics condition 3 judges, as fields of an
#: [`Agreement`][clusteremu.evaluation.reference_bank.Agreement].
EFFICIENCY_STATISTICS = ("dmean_median", "dmean_p90", "sd_ratio_median")

#: Which emulator of the truth-set evaluation each likelihood stands on.
EMULATOR_OF = {s.name: s.model for s in LIKELIHOODS}


def accuracy_met(truth: Mapping[str, Any], model: str) -> bool:
    """Condition 1 for the emulator `model` (a key of the truth evaluation's `models`)."""
    r = truth["models"][model]
    return max(r["ratio68"]) <= ACCURACY_TARGETS[0] and max(r["ratio95"]) <= ACCURACY_TARGETS[1]


def efficiency_shortfall(agreement: Agreement, statistic: str) -> float:
    """How far `agreement` falls short of condition 3's target for `statistic` (one of
    [`EFFICIENCY_STATISTICS`][]): the excess of |dmean| / sd over its bound, or the distance of
    the median sd ratio from its range; zero where the target is met."""
    if statistic == "sd_ratio_median":
        low, high = EFFICIENCY_SD_RATIO
        return max(0.0, agreement.sd_ratio_median - high, low - agreement.sd_ratio_median)
    return max(0.0, getattr(agreement, statistic) - EFFICIENCY_DMEAN[statistic == "dmean_p90"])


def efficiency_met(
    reference: ReferenceBank, likelihood: str, parameter: str, *, judge: str = EFFICIENCY_REFERENCE
) -> bool:
    """Condition 3 for `likelihood` and `parameter` (`"q0"` or `"a_au"`) on the reference bank,
    against the `judge` reference (the criterion's own unless asked what another would say)."""
    a = reference.against(likelihood, judge, parameter)
    return all(efficiency_shortfall(a, t) == 0 for t in EFFICIENCY_STATISTICS)


def closer_with_bank_size(reference: ReferenceBank, parameter: str) -> bool:
    """Whether, for `parameter`, the judging reference built from the whole bank is closer to the
    recommended likelihood than every one built from fewer of its realizations, in each statistic
    of condition 3 that the recommended likelihood misses: then part of the miss is the
    reference's own Monte Carlo error (a bootstrap over the realizations cannot show a tail
    they all lack). False where nothing is missed or the bank has a single size.

    Closer than every smaller bank, not closer at every doubling: the nested banks share their
    first realizations, and a median that stalls by a hundredth between two of them is noise.
    """
    by = reference.against_by_size(EFFICIENCY_REFERENCE, parameter)
    missed = [t for t in EFFICIENCY_STATISTICS if by and efficiency_shortfall(by[-1], t) > 0]
    if len(by) < 2 or not missed:
        return False
    return all(efficiency_shortfall(by[-1], t) < min(efficiency_shortfall(a, t) for a in by[:-1]) for t in missed)


def assess(
    likelihood: str, truth: Mapping[str, Any], confirmation: ConfirmationStudy, reference: ReferenceBank
) -> dict[str, Any]:
    """Every condition of the criterion for one likelihood, per parameter.

    **Arguments:**

    - `likelihood`: its name (a key of `confirmation.likelihoods` and of `reference.agreement`).
    - `truth`: the truth-set evaluation (`clusteremu.evaluation.truth.truth_evaluation`).
    - `confirmation`: the confirmation of `analysis/18_confirmation.py`.
    - `reference`: the reference bank of `analysis/15_reference_bank.py`.

    **Returns:**

    `accuracy` (bool), `accuracy_ratio68` and `accuracy_ratio95` (the worst summary's
    ratios) and, per parameter, `accuracy`, `calibration`, `efficiency` (bools) and
    `trusted` (all three), with `failed`, the names of the failed conditions, `rejected`,
    the calibration tests Holm's procedure rejected for it, and `efficiency_agreement`, the
    [`Agreement`][clusteremu.evaluation.reference_bank.Agreement] condition 3 judged.
    """
    model = EMULATOR_OF[likelihood]
    accuracy = accuracy_met(truth, model)
    judged = confirmation.likelihoods[likelihood]
    out: dict[str, Any] = {
        "accuracy": accuracy,
        "accuracy_ratio68": max(truth["models"][model]["ratio68"]),
        "accuracy_ratio95": max(truth["models"][model]["ratio95"]),
    }
    for p in PARAMETERS:
        checks = {
            "accuracy": accuracy,
            "calibration": judged.calibrated(p),
            "efficiency": efficiency_met(reference, likelihood, p),
        }
        out[p] = {
            **checks,
            "trusted": all(checks.values()),
            "failed": [k for k, v in checks.items() if not v],
            "rejected": [r.removeprefix(f"{p}: ") for r in judged.rejected if r.startswith(f"{p}:")],
            "efficiency_agreement": reference.against(likelihood, EFFICIENCY_REFERENCE, p),
        }
    return out
