"""The conditional flow's density p(y | theta) as the likelihood (no Gaussian shape, no measurement errors)."""

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
    """The conditional flow's density p(y | theta) in physical units (no measurement errors)."""

    flow: eqx.Module

    @property
    def domain(self) -> ParameterBox:
        return self.flow.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> Float[Array, "rows 2"]:
        return jnp.atleast_2d(jnp.asarray(theta, float))

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared) -> Float[Array, "n rows"]:
        theta = prepared

        def one(y):
            return self.flow.log_prob(jnp.broadcast_to(y, (theta.shape[0], 3)), theta)

        return jax.lax.map(one, jnp.asarray(obs, float))
