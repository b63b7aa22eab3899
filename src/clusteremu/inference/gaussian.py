"""The Gaussian likelihood in physical units around the mean ensemble, with three widths.

[`Likelihood`][] uses the widths fitted on the validation split and stored in the emulator
file:

- `"constant"`: per-output RMSE of the ensemble mean against single validation
  realizations, as a constant diagonal sigma;
- `"input"`: the calibrated predictive variance c^2 sigma_ens^2(theta) + sigma_sim^2(theta);
- `"fullcov"`: a full covariance of the validation residuals (captures correlations).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..emulators.mean_ensemble import Emulator, Moments
from ..prior import ParameterBox
from .model import LikelihoodModel

__all__ = ["VARIANTS", "Likelihood"]

VARIANTS = ("constant", "input", "fullcov")


class Likelihood(LikelihoodModel):
    """The emulator plus one likelihood-width variant, as JAX-traceable functions.

    The covariance of an observed summary vector about the emulated mean is the sum of
    the emulator's part (the variant) and the observer's measurement covariance,
    Sigma_obs = diag(`obs_sd`^2), zero for a simulated cluster.

    **Arguments:**

    - `emulator`: the trained emulator (forward model and prior box).
    - `variant`: one of [`VARIANTS`][]; anything else raises `ValueError`.
    - `sigma`: constant per-output sigma (variant `"constant"`), physical units.
    - `cov`: 3 x 3 covariance (variant `"fullcov"`), physical units squared.
    - `obs_sd`: measurement standard deviation of each observed summary, physical units.

    [`Likelihood.of`][] takes the widths the emulator stored when it was fitted.
    """

    emulator: Emulator
    variant: str = eqx.field(static=True)
    sigma: Float[Array, " outputs"]
    cov: Float[Array, "outputs outputs"]
    obs_sd: Float[Array, " outputs"]

    def __init__(self, emulator: Emulator, variant: str, sigma, cov, obs_sd=None):
        if obs_sd is not None and not isinstance(obs_sd, jax.core.Tracer) and np.any(np.asarray(obs_sd) < 0):
            raise ValueError(f"measurement standard deviations must be non-negative, got {np.asarray(obs_sd)}")
        self.emulator, self.variant = emulator, variant
        self.sigma, self.cov = jnp.asarray(sigma, float), jnp.asarray(cov, float)
        self.obs_sd = jnp.zeros_like(self.sigma) if obs_sd is None else jnp.asarray(obs_sd, float)

    def __check_init__(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"likelihood variant {self.variant!r} is not one of {', '.join(VARIANTS)}")

    @classmethod
    def of(cls, emulator: Emulator, variant: str, obs_sd=None) -> Likelihood:
        """The likelihood with the widths fitted on validation data and stored in `emulator`."""
        return cls(emulator, variant, emulator.residual_sd, emulator.residual_cov, obs_sd)

    @property
    def domain(self) -> ParameterBox:
        return self.emulator.domain

    def forward(self, theta: Float[ArrayLike, "rows 2"]) -> Moments:
        """Emulated mean summaries and variances at parameters `theta` (Q0, a in AU)."""
        return self.emulator.moments(theta)

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> Moments:
        return self.forward(theta)

    def distribution(self, mean: Float[ArrayLike, "*rows 3"], var: Float[ArrayLike, "*rows 3"]) -> dist.Distribution:
        """p(y | theta) given the forward model's mean and variance, one event of 3 summaries."""
        obs_var = self.obs_sd**2
        if self.variant == "constant":
            return dist.Normal(mean, jnp.sqrt(self.sigma**2 + obs_var)).to_event(1)
        if self.variant == "input":
            return dist.Normal(mean, jnp.sqrt(var + obs_var)).to_event(1)
        return dist.MultivariateNormal(mean, self.cov + jnp.diag(obs_var))

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared: Moments) -> Float[Array, "n rows"]:
        """log p(obs | theta) for every observation (rows of `obs`) and every theta row."""
        obs = jnp.asarray(obs, float)
        return self.distribution(prepared.mean[None], prepared.total_var[None]).log_prob(obs[:, None, :])
