"""The paper's criterion of trust, evaluated on the pipeline's results.

Fixed before the results (the manuscript's introduction states it): an emulator-based
inference of a parameter is *trusted* when

1. **accuracy**: the emulator behind the likelihood errs, at the truth-set points, by less
   than the simulator's own realization noise for every summary (the 68th percentile of
   |emulated mean - true mean| / sigma_sim below one), and
2. **calibration**: for that parameter, the 68% and 95% credible intervals cover the truth
   at their nominal rates within two binomial standard errors on the held-out prior draws
   as a whole and in every quarter of the Q0 range, the SBC test does not reject uniformity
   at the 5% level, and the joint TARP curve stays inside its simultaneous 95% band.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..inference.registry import LIKELIHOODS
from ..prior import PARAMETERS
from .coverage import parameter_checks
from .reports import LikelihoodComparison

__all__ = ["ACCURACY_MAX", "ACCURACY_TARGETS", "EMULATOR_OF", "assess"]

#: Condition 1: the emulated mean's error at the truth points, in realization sds (68th
#: percentile, worst summary), stays below this.
ACCURACY_MAX = 1.0
#: The stricter accuracy the text reports against: at most this many realization sds at
#: the 68th and at the 95th percentile.
ACCURACY_TARGETS = (0.3, 0.5)

#: Which emulator of the truth-set evaluation each likelihood stands on.
EMULATOR_OF = {s.name: s.model for s in LIKELIHOODS}


def assess(likelihood: str, truth: Mapping[str, Any], inference: LikelihoodComparison) -> dict[str, Any]:
    """Every condition of the criterion for one likelihood, per parameter.

    **Arguments:**

    - `likelihood`: its name (a key of `inference.coverage_set`).
    - `truth`: the truth-set evaluation (`clusteremu.evaluation.accuracy.truth_evaluation`).
    - `inference`: the likelihood comparison of `analysis/08_inference.py`.

    **Returns:**

    `accuracy` (bool, and `accuracy_ratio68`, the worst output's ratio) and, per parameter,
    `global`, `quarters`, `sbc` (bools), `tarp` (bool, joint), and `trusted` (all of them
    and the accuracy), with `failed`, the names of the failed conditions.
    """
    report = inference.coverage_set[likelihood]
    ratio = max(truth["models"][EMULATOR_OF[likelihood]]["ratio68"])
    out: dict[str, Any] = {"accuracy": ratio < ACCURACY_MAX, "accuracy_ratio68": ratio}
    for p in PARAMETERS:
        checks = {
            "accuracy": ratio < ACCURACY_MAX,
            **parameter_checks(report, p),
            "tarp": bool(report.tarp.inside_band),
        }
        out[p] = {**checks, "trusted": all(checks.values()), "failed": [k for k, v in checks.items() if not v]}
    return out
