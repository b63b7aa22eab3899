"""The paper's criterion of trust, defined once: the study, the text and the command line read it here.

Fixed before the results (the manuscript's introduction states it): an emulator-based
inference of a parameter is *trusted* when

1. **accuracy**: the emulator behind the likelihood errs, at the truth-set points, by at
   most [`ACCURACY_TARGETS`][] realization standard deviations of the simulator for every
   summary: 0.3 at the 68th percentile of |emulated mean - true mean| / sigma_sim and 0.5 at
   the 95th (an error of one sigma_sim in the summary that dominates can cut 95% coverage
   to about 0.83, so "below one" would let through emulators whose likelihoods fail), and
2. **calibration**: on the *confirmation set* (fresh prior draws simulated once, after the
   likelihood was chosen on the selection set), none of that parameter's calibration tests
   is rejected by Holm's procedure at the family-wise rate of the profile: exact binomial
   tests of the 68% and 95% coverage, globally and in each quarter of the Q0 range, and
   the SBC uniformity test ([`clusteremu.evaluation.confirmation`][]). TARP is shown, not
   counted: it has not been shown to discriminate on this study's sets.

The choice of likelihood is made on the selection set by
[`clusteremu.evaluation.coverage.recommend`][] (most calibration checks passed there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..inference.registry import LIKELIHOODS
from ..prior import PARAMETERS
from .confirmation import ConfirmationStudy

__all__ = ["ACCURACY_TARGETS", "EMULATOR_OF", "accuracy_met", "assess"]

#: Condition 1: the emulated mean's error at the truth points, in realization sds of the
#: worst summary, at most this at the 68th and at the 95th percentile.
ACCURACY_TARGETS = (0.3, 0.5)

#: Which emulator of the truth-set evaluation each likelihood stands on.
EMULATOR_OF = {s.name: s.model for s in LIKELIHOODS}


def accuracy_met(truth: Mapping[str, Any], model: str) -> bool:
    """Condition 1 for the emulator `model` (a key of the truth evaluation's `models`)."""
    r = truth["models"][model]
    return max(r["ratio68"]) <= ACCURACY_TARGETS[0] and max(r["ratio95"]) <= ACCURACY_TARGETS[1]


def assess(likelihood: str, truth: Mapping[str, Any], confirmation: ConfirmationStudy) -> dict[str, Any]:
    """Every condition of the criterion for one likelihood, per parameter.

    **Arguments:**

    - `likelihood`: its name (a key of `confirmation.likelihoods`).
    - `truth`: the truth-set evaluation (`clusteremu.evaluation.truth.truth_evaluation`).
    - `confirmation`: the confirmation of `analysis/18_confirmation.py`.

    **Returns:**

    `accuracy` (bool), `accuracy_ratio68` and `accuracy_ratio95` (the worst summary's
    ratios) and, per parameter, `accuracy`, `calibration` (bools) and `trusted` (both),
    with `failed`, the names of the failed conditions, and `rejected`, the calibration
    tests Holm's procedure rejected for it.
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
        checks = {"accuracy": accuracy, "calibration": judged.calibrated(p)}
        out[p] = {
            **checks,
            "trusted": all(checks.values()),
            "failed": [k for k, v in checks.items() if not v],
            "rejected": [r.removeprefix(f"{p}: ") for r in judged.rejected if r.startswith(f"{p}:")],
        }
    return out
