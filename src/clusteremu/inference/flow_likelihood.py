"""The flow mixture's density of the observed summaries as the likelihood, with or without measurement errors."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..prior import ParameterBox
from .model import LikelihoodModel

__all__ = ["FlowLikelihoodModel"]


class FlowLikelihoodModel(LikelihoodModel):
    """The conditional flow's density p(y_obs | theta, sd) in physical units.

    **Arguments:**

    - `flow`: a [`ConditionalFlow`][clusteremu.emulators.flow.ConditionalFlow].
    - `obs_sd`: measurement sds (f_bound; sigma_v [km/s]; r_h [AU]) of the observations, or
      None (all zero is the same). A flow trained with measurement errors takes them as a
      condition, within the range it was trained for; any other raises `ValueError` naming
      the summary and the allowed range.
    """

    flow: eqx.Module
    obs_sd: Float[Array, " 3"] | None

    def __init__(self, flow: eqx.Module, obs_sd: Float[ArrayLike, " 3"] | None = None):
        self.flow = flow
        sd = flow.check_sd(obs_sd)
        self.obs_sd = None if sd is None else jnp.asarray(sd, float)

    @property
    def domain(self) -> ParameterBox:
        return self.flow.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> Float[Array, "rows 2"]:
        return jnp.atleast_2d(jnp.asarray(theta, float))

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared) -> Float[Array, "n rows"]:
        theta = prepared

        def one(y):
            return self.flow.log_prob(jnp.broadcast_to(y, (theta.shape[0], 3)), theta, self.obs_sd)

        return jax.lax.map(one, jnp.asarray(obs, float))
