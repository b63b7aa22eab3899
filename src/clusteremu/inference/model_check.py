"""Is this observation one the model could have produced? A per-observation check, run with every posterior.

An emulator's posterior is only as good as the match between the observed cluster and the
simulated ones: a cluster with a mass spectrum, binaries or another age gets a confident
posterior all the same. [`posterior_predictive_check`][] asks whether the observation is
typical of what the fitted model predicts at the parameters its own posterior supports
(Gelman, Meng & Stern 1996): with theta_k drawn from the posterior and a replicate y_k drawn
from the flow at theta_k (measurement errors included), the discrepancy is the flow's log
density T(y, theta) = log p(y | theta), and

    p = (1 + #{k : T(y_k, theta_k) <= T(y_obs, theta_k)}) / (K + 1),

small when the observation is less probable under the model than what the model itself
produces. Such p-values are not uniform for a well-specified model (the data chose the
posterior, which makes them conservative); the study therefore measures the false-alarm rate
of [`FLAG_BELOW`][] on held-out simulations of the model's own physics, and its power on
clusters that differ from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Float, PRNGKeyArray

from .flow_likelihood import FlowLikelihoodModel
from .model import LikelihoodModel, Selected

__all__ = ["DRAWS", "FLAG_BELOW", "ModelCheck", "posterior_predictive_check"]

#: An observation is flagged when its p-value is below this.
FLAG_BELOW = 0.05
#: Posterior draws (and replicates) per check.
DRAWS = 256


@dataclass(frozen=True)
class ModelCheck:
    """The check of one observation: the posterior-predictive `p_value`, whether it is
    `flagged` (p below [`FLAG_BELOW`][]), and the number of posterior `draws` it used."""

    p_value: float
    flagged: bool
    draws: int

    def as_dict(self) -> dict:
        return {"p_value": self.p_value, "flagged": self.flagged, "draws": self.draws, "flag_below": FLAG_BELOW}


def _flow_of(like: LikelihoodModel) -> FlowLikelihoodModel | None:
    inner = like.inner if isinstance(like, Selected) else like
    return inner if isinstance(inner, FlowLikelihoodModel) else None


def posterior_predictive_check(
    like: LikelihoodModel, obs: Float[np.ndarray, " 3"], theta: Float[np.ndarray, "draws 2"], *, key: PRNGKeyArray
) -> ModelCheck | None:
    """The posterior-predictive check of one observation under a flow likelihood.

    **Arguments:**

    - `like`: the likelihood the posterior used; the check needs a flow
      ([`FlowLikelihoodModel`][clusteremu.inference.flow_likelihood.FlowLikelihoodModel],
      possibly with the selection factor), whose measurement sds it applies to the replicates.
    - `obs`: the observed (f_bound, sigma_v [km/s], r_h [AU]).
    - `theta`: draws (Q0, a [AU]) from the observation's posterior.
    - `key`: a JAX PRNG key for the replicates (consumed).

    **Returns:**

    The [`ModelCheck`][], or None for a likelihood without a flow (its replicates would need
    another discrepancy).
    """
    flow_like = _flow_of(like)
    if flow_like is None:
        return None
    p = float(_p_value(flow_like, jnp.asarray(obs, float), jnp.asarray(theta, float), key))
    return ModelCheck(p, p < FLAG_BELOW, int(len(theta)))


@eqx.filter_jit
def _p_value(like: FlowLikelihoodModel, obs, theta, key):
    flow, sd = like.flow, like.obs_sd
    replicates = flow.sample(theta, key=key, n=1, sd=sd)[0]  # one per posterior draw
    t_obs = flow.log_prob(jnp.broadcast_to(obs, theta.shape[:1] + (3,)), theta, sd)
    t_rep = flow.log_prob(replicates, theta, sd)
    return (1.0 + jnp.sum(t_rep <= t_obs)) / (theta.shape[0] + 1.0)
