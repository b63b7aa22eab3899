"""The Gaussian process as forward model: a Gaussian in physical units with its predictive variance."""

from __future__ import annotations

import jax.numpy as jnp
import numpyro.distributions as dist
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..emulators.gp import GPEmulator
from ..prior import ParameterBox
from .model import LikelihoodModel, measurement_sd

__all__ = ["GPLikelihood"]


class GPLikelihood(LikelihoodModel):
    """Gaussian in physical units with the GP's predictive mean and variance per output."""

    gp: GPEmulator
    obs_sd: Float[Array, " 3"]

    def __init__(self, gp: GPEmulator, obs_sd=None):
        self.gp = gp
        self.obs_sd = measurement_sd(obs_sd, gp.y_std)

    @property
    def domain(self) -> ParameterBox:
        return self.gp.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> tuple[Float[Array, "rows 3"], Float[Array, "rows 3"]]:
        return self.gp.predict(theta)

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared) -> Float[Array, "n rows"]:
        mean, var = prepared
        sd = jnp.sqrt(var + self.obs_sd**2)
        return dist.Normal(mean[None], sd[None]).to_event(1).log_prob(jnp.asarray(obs, float)[:, None, :])
