"""Predictive uncertainty: the simulator's noise model, calibration and proper scores.

The predictive distribution for a *new single realization* at x is Gaussian with mean
the ensemble mean and variance c^2 sigma_ens^2(x) + sigma_sim^2(x): the (rescaled) spread
of the ensemble, which measures disagreement between members (an epistemic proxy), plus
the simulator's own realization scatter, which no emulator of the mean can remove. One
scale factor c per output is fitted on the validation split so that the mean squared
z-score there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from scipy import optimize, special, stats
from scipy.spatial import cKDTree

__all__ = [
    "NoiseModel",
    "fit_scale",
    "gaussian_nlpd",
    "gaussian_crps",
    "central_coverage",
    "coverage_curve",
]


@dataclass(frozen=True)
class NoiseModel:
    """sigma_sim^2(x): a Gaussian-kernel average of the training points' realization variances.

    A smooth (differentiable) average is used rather than nearest neighbours so that the
    same model can sit inside a gradient-based sampler's likelihood.

    **Arguments:**

    - `x_unit`: normalized inputs of the training design points, shape `(points, 2)`.
    - `var`: realization variance (ddof = 1) of each output there, physical units squared.
    - `bandwidth`: kernel width in normalized input units.
    """

    x_unit: np.ndarray
    var: np.ndarray
    bandwidth: float

    @classmethod
    def fit(cls, x_unit: np.ndarray, var: np.ndarray, neighbours: int) -> NoiseModel:
        """Bandwidth = median distance from a training point to its `neighbours`-th neighbour."""
        k = min(neighbours, len(x_unit) - 1)
        dist, _ = cKDTree(x_unit).query(x_unit, k=k + 1)
        return cls(np.asarray(x_unit, float), np.asarray(var, float), float(np.median(dist[:, -1])))

    def variance(self, x_unit):
        """sigma_sim^2 at each row of normalized inputs `x_unit`, shape `(rows, 3)` (JAX-traceable)."""
        d2 = jnp.sum((jnp.atleast_2d(x_unit)[:, None, :] - self.x_unit[None, :, :]) ** 2, axis=-1)
        w = jax.nn.softmax(-0.5 * d2 / self.bandwidth**2, axis=1)
        return w @ self.var

    def to_dict(self) -> dict:
        return {"x_unit": self.x_unit.tolist(), "var": self.var.tolist(), "bandwidth": self.bandwidth}

    @classmethod
    def from_dict(cls, d: dict) -> NoiseModel:
        return cls(np.asarray(d["x_unit"], float), np.asarray(d["var"], float), float(d["bandwidth"]))


def fit_scale(err: np.ndarray, var_ens: np.ndarray, var_sim: np.ndarray) -> float:
    """Scale c >= 0 with mean(err^2 / (c^2 var_ens + var_sim)) = 1 (one output's columns).

    Returns 0 when the simulator scatter alone already over-covers the errors.
    """

    def excess(c):
        return np.mean(err**2 / (c**2 * var_ens + var_sim)) - 1.0

    if excess(0.0) <= 0.0:
        return 0.0
    hi = 1.0
    while excess(hi) > 0.0 and hi < 1e6:
        hi *= 2.0
    return float(optimize.brentq(excess, 0.0, hi, xtol=1e-10))


def gaussian_nlpd(y, mu, sd):
    """Negative log predictive density of y under N(mu, sd^2), elementwise."""
    return 0.5 * np.log(2 * np.pi * sd**2) + 0.5 * ((y - mu) / sd) ** 2


def gaussian_crps(y, mu, sd):
    """Continuous ranked probability score of N(mu, sd^2) at y (same units as y)."""
    z = (y - mu) / sd
    return sd * (z * special.erf(z / np.sqrt(2)) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


def central_coverage(y, mu, sd, level: float):
    """Whether y falls inside the central `level` interval of N(mu, sd^2), elementwise."""
    return np.abs((y - mu) / sd) <= stats.norm.ppf(0.5 + level / 2)


def coverage_curve(y, mu, sd, levels) -> np.ndarray:
    """Empirical coverage at each nominal level, per output: shape `(levels, outputs)`."""
    return np.array([central_coverage(y, mu, sd, lv).mean(axis=0) for lv in levels])
