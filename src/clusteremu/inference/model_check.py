"""Is this observation one the model could have produced? A per-observation check, run with every posterior.

An emulator's posterior is only as good as the match between the observed cluster and the
simulated ones: a cluster with a mass spectrum, binaries or another age gets a confident
posterior all the same. The check asks whether the observation is typical of what the
fitted model predicts at the parameters its own posterior supports (Gelman, Meng & Stern
1996): with theta_k drawn from the posterior and a replicate y_k drawn from the flow at
theta_k (measurement errors included;
[`clusteremu.inference.predictive_check.posterior_predictive_check`][]), the discrepancy is
the flow's log density T(y, theta) = log p(y | theta), and

    p = (1 + #{k : T(y_k, theta_k) <= T(y_obs, theta_k)}) / (K + 1),

small when the observation is less probable under the model than what the model itself
produces. Such p-values are not uniform for a well-specified model (the data chose the
posterior, which makes them conservative). They are therefore calibrated: against the
p-values of held-out simulations of the model's own physics (the null, computed by
[`clusteremu.evaluation.check_calibration`][]), the calibrated p-value is the fraction of the
null at or below the observation's, and the check flags an observation whose calibrated
p-value is below [`LEVEL`][], the false-alarm rate it is calibrated to. Without a null the
raw p-value is compared with [`LEVEL`][] (fewer false alarms than `LEVEL`, less power).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["DRAWS", "LEVEL", "ModelCheck", "calibrated_p", "judged"]

#: The false-alarm rate the check is calibrated to: an observation is flagged when its
#: calibrated p-value is below it.
LEVEL = 0.05
#: Posterior draws (and replicates) per check.
DRAWS = 256


@dataclass(frozen=True)
class ModelCheck:
    """The check of one observation: the raw posterior-predictive `p_value`, its `calibrated`
    p-value against a null of `n_null` well-specified simulations (None without one), whether
    it is `flagged`, and the number of posterior `draws` it used."""

    p_value: float
    calibrated: float | None
    n_null: int
    flagged: bool
    draws: int

    def as_dict(self) -> dict:
        return {
            "p_value": self.p_value,
            "calibrated_p_value": self.calibrated,
            "n_null": self.n_null,
            "flagged": self.flagged,
            "level": LEVEL,
            "draws": self.draws,
        }


def calibrated_p(p: float, null: ArrayLike | None) -> float | None:
    """The fraction of the null p-values at or below `p`, (1 + #{null <= p}) / (n + 1); None
    without a null."""
    if null is None or len(null) == 0:
        return None
    null = np.asarray(null, float)
    return float((1 + np.sum(null <= p)) / (len(null) + 1))


def judged(p: float, null: ArrayLike | None, draws: int) -> ModelCheck:
    """The [`ModelCheck`][] of a raw p-value `p` from `draws` posterior draws, calibrated
    against the null p-values `null` (or, without them, compared with [`LEVEL`][] as it is)."""
    calibrated = calibrated_p(p, null)
    flagged = (p if calibrated is None else calibrated) < LEVEL
    return ModelCheck(float(p), calibrated, 0 if null is None else len(null), bool(flagged), int(draws))
