"""The model check's p-value under a flow likelihood (JAX): replicates drawn from the flow.

The check itself, its calibration and what it reports are in
[`clusteremu.inference.model_check`][] (NumPy only, for the command line's warm path).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray
from numpy.typing import ArrayLike

from .flow_likelihood import FlowLikelihoodModel
from .model import LikelihoodModel, Selected
from .model_check import ModelCheck, judged

__all__ = ["flow_of", "posterior_predictive_check", "predictive_p"]


def flow_of(like: LikelihoodModel) -> FlowLikelihoodModel | None:
    """The flow likelihood inside `like` (with or without the P(usable) factor), or None."""
    inner = like.inner if isinstance(like, Selected) else like
    return inner if isinstance(inner, FlowLikelihoodModel) else None


def posterior_predictive_check(
    like: LikelihoodModel,
    obs: Float[np.ndarray, " 3"],
    theta: Float[np.ndarray, "draws 2"],
    *,
    key: PRNGKeyArray,
    null: ArrayLike | None = None,
) -> ModelCheck | None:
    """The posterior-predictive check of one observation under a flow likelihood.

    **Arguments:**

    - `like`: the likelihood the posterior used; the check needs a flow
      ([`FlowLikelihoodModel`][clusteremu.inference.flow_likelihood.FlowLikelihoodModel],
      possibly with the P(usable) factor), whose measurement sds it applies to the replicates.
    - `obs`: the observed (f_bound, sigma_v [km/s], r_h [AU]).
    - `theta`: draws (Q0, a [AU]) from the observation's posterior.
    - `key`: a JAX PRNG key for the replicates (consumed).
    - `null`: raw p-values of held-out well-specified simulations, or None.

    **Returns:**

    The [`ModelCheck`][clusteremu.inference.model_check.ModelCheck], or None for a
    likelihood without a flow (its replicates would need another discrepancy).
    """
    if flow_of(like) is None:
        return None
    p = float(_predictive_p(like, jnp.asarray(obs, float), jnp.asarray(theta, float), key))
    return judged(p, null, len(theta))


def predictive_p(
    like: LikelihoodModel, obs: Float[Array, " 3"], theta: Float[Array, "draws 2"], key: PRNGKeyArray
) -> Float[Array, ""]:
    """The raw p-value of [`posterior_predictive_check`][], traceable (`like` holds a flow):
    one replicate per posterior draw, compared by the flow's log density at that draw."""
    flow_like = flow_of(like)
    flow, sd = flow_like.flow, flow_like.obs_sd
    replicates = flow.sample(theta, key=key, n=1, sd=sd)[0]
    t_obs = flow.log_prob(jnp.broadcast_to(obs, theta.shape[:1] + (3,)), theta, sd)
    t_rep = flow.log_prob(replicates, theta, sd)
    return (1.0 + jnp.sum(t_rep <= t_obs)) / (theta.shape[0] + 1.0)


_predictive_p = eqx.filter_jit(predictive_p)
