"""Bayesian inference of (Q0, a) with an emulator as forward model: the likelihood interface.

The NumPyro model ([`cluster_model`][]) puts the uniform prior of
[`ParameterBox`][clusteremu.prior.ParameterBox] on (Q0, a) over the emulator's training
domain (it has no authority outside it) and adds the log-likelihood of the observed
summaries. Every likelihood is a [`LikelihoodModel`][]: `prepare(theta)` evaluates the
forward model at parameter rows once, `log_prob(obs, prepared)` scores any number of
observations against them, so the same object serves the grid posterior
([`clusteremu.inference.grid`][]), NUTS ([`clusteremu.inference.sampling`][]) and the coverage
study. [`Selected`][] conditions any likelihood on the observation being usable.

The likelihoods themselves, one module per forward model: the Gaussian around the mean
ensemble ([`clusteremu.inference.gaussian`][]), the learned-noise Gaussian, the Gaussian
process and the flow ([`clusteremu.inference.learned_likelihood`][],
[`clusteremu.inference.gp_likelihood`][], [`clusteremu.inference.flow_likelihood`][]); the
study's family of them in [`clusteremu.inference.family`][].
"""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpyro
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..prior import ParameterBox

__all__ = ["LikelihoodModel", "Selected", "cluster_model", "measurement_sd"]


class LikelihoodModel(eqx.Module):
    """p(y | theta) for observed summaries y = (f_bound, sigma_v [km/s], r_h [AU]).

    Subclasses implement `domain` (the prior box), `prepare(theta)` (the forward model at
    parameter rows, any pytree) and `log_prob(obs, prepared)` (log densities in physical
    units, shape (observations, rows)); all JAX-traceable.
    """

    @property
    @abc.abstractmethod
    def domain(self) -> ParameterBox: ...

    @abc.abstractmethod
    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> Any: ...

    @abc.abstractmethod
    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared: Any) -> Float[Array, "n rows"]: ...


class Selected(LikelihoodModel):
    """A likelihood conditioned on the observation being usable (enough stars bound).

    Clusters with fewer bound stars than the minimum are discarded, so the data model of a
    usable observation is p(y | theta, usable) P(usable | theta): the emulators learn the
    first factor from usable simulations, `selection` (a
    [`SelectionModel`][clusteremu.emulators.selection.SelectionModel]) supplies the second.
    """

    inner: LikelihoodModel
    selection: Any

    @property
    def domain(self) -> ParameterBox:
        return self.inner.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> tuple[Any, Float[Array, " rows"]]:
        return self.inner.prepare(theta), self.selection.log_prob_usable(theta)

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared) -> Float[Array, "n rows"]:
        inner, log_usable = prepared
        return self.inner.log_prob(obs, inner) + log_usable[None, :]


def cluster_model(like: LikelihoodModel, obs: Float[ArrayLike, " 3"] | None = None) -> None:
    """NumPyro model: uniform priors over the training domain, emulator forward model.

    With `obs=None` and the Gaussian [`Likelihood`][] it draws summaries `y` from the prior
    predictive, so the same model simulates observations; with `obs` given it adds
    log p(obs | theta) as a factor, for any [`LikelihoodModel`][].
    """

    q0, a = like.domain.sample_numpyro()
    theta = jnp.stack([q0, a])[None]
    if obs is None:
        if not hasattr(like, "distribution"):  # only the Gaussian likelihood can draw summaries
            raise NotImplementedError(f"prior predictive draws need a Gaussian Likelihood, not {type(like).__name__}")
        m = like.forward(theta)
        numpyro.sample("y", like.distribution(m.mean[0], m.total_var[0]))
        return
    numpyro.factor("log_likelihood", like.log_prob(jnp.asarray(obs, float)[None], like.prepare(theta))[0, 0])


def measurement_sd(obs_sd, like_sd) -> Array:
    """The measurement sds as an array (zeros shaped like `like_sd` when there are none)."""
    return jnp.zeros_like(like_sd) if obs_sd is None else jnp.asarray(obs_sd, float)
