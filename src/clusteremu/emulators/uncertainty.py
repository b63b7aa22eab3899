"""Predictive uncertainty: the simulator's noise model, calibration and their composition.

The predictive distribution for a *new single realization* at x is Gaussian with mean
the ensemble mean and variance c^2 (sigma_ens^2(x) + sigma_sim^2(x)) ([`predictive_variance`][],
the one place this sum is formed): the spread of the ensemble, which measures disagreement
between members (an epistemic proxy), plus the simulator's own realization scatter, which no
emulator of the mean can remove. One factor c per output scales the *total*, fitted on the
validation split so that the mean squared z-score there is one: a factor on the ensemble
part alone could not shrink a noise model that already over-covers (it would stop at zero
and change nothing).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float
from scipy.spatial import cKDTree

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)

__all__ = ["NoiseModel", "fit_scale", "predictive_variance"]


class NoiseModel(eqx.Module):
    """sigma_sim^2(x): a Gaussian-kernel average of the training points' realization variances.

    A smooth (differentiable) average is used rather than nearest neighbours so that the
    same model can sit inside a gradient-based sampler's likelihood.

    **Arguments:**

    - `x_unit`: normalized inputs of the training design points, shape `(points, 2)`.
    - `var`: realization variance (ddof = 1) of each output there, physical units squared.
    - `bandwidth`: kernel width in normalized input units.
    """

    x_unit: Float[Array, "points 2"]
    var: Float[Array, "points outputs"]
    bandwidth: Float[Array, ""]

    def __init__(self, x_unit, var, bandwidth):
        self.x_unit, self.var = jnp.asarray(x_unit, float), jnp.asarray(var, float)
        self.bandwidth = jnp.asarray(bandwidth, float)

    @classmethod
    def fit(cls, x_unit: np.ndarray, var: np.ndarray, neighbours: int) -> NoiseModel:
        """Bandwidth = median distance from a training point to its `neighbours`-th neighbour."""
        k = min(neighbours, len(x_unit) - 1)
        dist, _ = cKDTree(x_unit).query(x_unit, k=k + 1)
        return cls(x_unit, var, float(np.median(dist[:, -1])))

    def variance(self, x_unit: Float[ArrayLike, "rows 2"]) -> Float[Array, "rows outputs"]:
        """sigma_sim^2 at each row of normalized inputs `x_unit` (JAX-traceable)."""
        d2 = jnp.sum((jnp.atleast_2d(x_unit)[:, None, :] - self.x_unit[None, :, :]) ** 2, axis=-1)
        w = jax.nn.softmax(-0.5 * d2 / self.bandwidth**2, axis=1)
        return w @ self.var


def predictive_variance(ensemble_var, sim_var, scale):
    """Variance of one new realization: c^2 (sigma_ens^2 + sigma_sim^2), elementwise per output."""
    return scale**2 * (ensemble_var + sim_var)


def fit_scale(err: np.ndarray, var_ens: np.ndarray, var_sim: np.ndarray) -> float:
    """Scale c > 0 with mean(err^2 / (c^2 (var_ens + var_sim))) = 1 (one output's columns).

    Below one when the uncalibrated variance over-covers the errors, above one when it
    under-covers.
    """
    return float(np.sqrt(np.mean(err**2 / (var_ens + var_sim))))
