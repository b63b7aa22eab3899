"""The learned-noise ensemble's likelihood: a Gaussian in z with its Jacobian to physical units."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpyro.distributions as dist
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..emulators.learned_noise import LearnedEmulator, ZMoments
from ..prior import ParameterBox
from .model import LikelihoodModel, measurement_sd

__all__ = ["LearnedLikelihood"]


class LearnedLikelihood(LikelihoodModel):
    """The learned-noise ensemble's Gaussian in z, with measurement errors `obs_sd` (physical)."""

    emulator: LearnedEmulator
    obs_sd: Float[Array, " 3"]
    measured: bool = eqx.field(static=True)

    def __init__(self, emulator: LearnedEmulator, obs_sd=None):
        self.emulator = emulator
        self.obs_sd = measurement_sd(obs_sd, emulator.scale)
        self.measured = obs_sd is not None

    @property
    def domain(self) -> ParameterBox:
        return self.emulator.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> ZMoments:
        return self.emulator.moments(theta)

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared: ZMoments) -> Float[Array, "n rows"]:
        t = self.emulator.transform
        obs = jnp.asarray(obs, float)
        z = t.forward(obs)
        if self.measured:  # measurement errors, mapped into z at the observation (delta method)
            var_z = (t.jacobian_diagonal(obs) * self.obs_sd) ** 2
            cov = prepared.total[None] + jax.vmap(jnp.diag)(var_z)[:, None]
            log_p = dist.MultivariateNormal(prepared.mean[None], cov).log_prob(z[:, None, :])
        else:  # one Cholesky factor per theta row, shared by every observation
            log_p = dist.MultivariateNormal(prepared.mean, prepared.total).log_prob(z[:, None, :])
        return log_p + t.log_abs_det_jacobian(obs)[:, None]
