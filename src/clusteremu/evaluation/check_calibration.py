"""The model check's null: its p-values on held-out simulations of the model's own physics.

The posterior-predictive p-value of [`clusteremu.inference.model_check`][] is not uniform
for a well-specified model: the observation chose the posterior it is checked against, so
small values are rarer than their nominal probability and a fixed threshold flags fewer
clusters than it says (and misses more misspecified ones). Its distribution under the
model, the null, is measured here on simulations no model was fitted to or chosen on (the
development set); the check then compares an observation's p-value with that null, so that
[`LEVEL`][clusteremu.inference.model_check.LEVEL] is the false-alarm rate it is calibrated
to. The confirmation set measures the false-alarm rate that results, on other simulations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..inference.model_check import DRAWS, LEVEL
from .reports import SchemaRecord

if TYPE_CHECKING:  # the command line reads the record on its warm path without JAX
    from ..datasets.splits import SplitData
    from ..inference.model import LikelihoodModel

__all__ = ["CheckCalibration", "calibrate_check"]


@dataclass(frozen=True)
class CheckCalibration(SchemaRecord):
    """The null of the model check for the likelihood `likelihood`: the raw p-values
    `null_p` of `n_used` held-out simulations of the model's own physics, each from `draws`
    posterior draws; `level`, the false-alarm rate the check is calibrated to; `seed`, that
    of the draws. A likelihood without a flow has no check, and an empty null."""

    SCHEMA: ClassVar[str] = "clusteremu.check_calibration/1"

    likelihood: str
    n_used: int
    level: float
    draws: int
    seed: int
    null_p: list[float]

    @property
    def threshold(self) -> float:
        """The raw p-value below which the calibrated check flags (the null's `level`
        quantile; NaN without a null)."""
        return float(np.quantile(self.null_p, self.level)) if self.null_p else float("nan")

    @property
    def raw_false_alarms(self) -> float:
        """The fraction of the null whose raw p-value is below `level` (the uncalibrated check's
        false-alarm rate; NaN without a null)."""
        return float(np.mean(np.asarray(self.null_p) < self.level)) if self.null_p else float("nan")


def calibrate_check(like: LikelihoodModel, name: str, held: SplitData, *, n_grid: int, seed: int) -> CheckCalibration:
    """The null of the model check under the likelihood `like` (named `name`), a flow
    likelihood, from the held-out well-specified simulations `held`: exact grid posteriors
    (`n_grid` cells per axis), then each observation's raw p-value (`seed` draws the posterior
    samples and replicates). A likelihood without a flow gets an empty null."""
    # JAX only here (see TYPE_CHECKING above)
    from ..inference.grid import grid_posterior
    from ..inference.predictive_check import flow_of
    from .robustness import model_checks

    if flow_of(like) is None:
        return CheckCalibration(name, 0, LEVEL, DRAWS, seed, [])
    grid = grid_posterior(like, held.y, n_grid=n_grid)
    checks = model_checks(like, grid, held.y, seed=seed)
    return CheckCalibration(name, len(checks), LEVEL, DRAWS, seed, [c.p_value for c in checks])
