"""Exact posteriors of (Q0, a) on a grid over the prior box.

The posterior is two-dimensional, so it is computed exactly on a grid
([`GridPosterior`][], [`grid_posterior`][]): this checks the sampler and makes the coverage
study cheap (hundreds of observations share one evaluation of the forward model).
"""

from __future__ import annotations

from collections.abc import Mapping

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .gridded import GridPosterior, posterior_from_log_likelihood
from .model import LikelihoodModel, Selected

__all__ = [
    "GridPosterior",
    "grid_log_likelihood",
    "grid_posterior",
    "grid_posteriors",
    "posterior_from_log_likelihood",
    "posterior_on_grid",
]


def grid_posterior(like: LikelihoodModel, obs: np.ndarray, n_grid: int = 160, chunk: int = 64) -> GridPosterior:
    """Exact (to grid resolution) posteriors of many observations at once, on an `n_grid`
    x `n_grid` grid of cells over the whole prior box (see [`posterior_on_grid`][])."""
    return posterior_on_grid(like, obs, *like.domain.grid(n_grid), chunk=chunk)


def posterior_on_grid(
    like: LikelihoodModel, obs: np.ndarray, q0: np.ndarray, a_au: np.ndarray, *, chunk: int = 64
) -> GridPosterior:
    """Posteriors of many observations on the regular grid of cell centres `q0` x `a_au`
    (uniform prior, normalized on the grid by the midpoint rule).

    The forward model is evaluated once on the grid (`prepare`); each observation then
    costs only the log densities.
    """
    return posterior_from_log_likelihood(grid_log_likelihood(like, obs, q0, a_au, chunk=chunk), q0, a_au)


def grid_log_likelihood(
    like: LikelihoodModel, obs: np.ndarray, q0: np.ndarray, a_au: np.ndarray, *, chunk: int = 64
) -> Float[np.ndarray, "obs cells"]:
    """log p(obs | theta) at every cell centre of `q0` x `a_au` (cells in `q0`-major order)."""
    theta = np.stack(np.meshgrid(q0, a_au, indexing="ij"), axis=-1).reshape(-1, 2)
    prepared = _prepare(like, jnp.asarray(theta))
    obs = np.atleast_2d(obs)
    parts = [np.array(_log_prob(like, jnp.asarray(obs[s : s + chunk]), prepared)) for s in range(0, len(obs), chunk)]
    return np.concatenate(parts)


def grid_posteriors(
    family: Mapping[str, LikelihoodModel], obs: np.ndarray, n_grid: int = 160, chunk: int = 64
) -> dict[str, GridPosterior]:
    """[`grid_posterior`][] of every likelihood of `family`, on the same observations.

    A likelihood conditioned on usability ([`Selected`][clusteremu.inference.model.Selected])
    shares its inner likelihood with the unconditioned one when the family holds the same
    object for both (as [`clusteremu.inference.family.likelihood_family`][] builds it): that
    inner likelihood, the costly part for the flow, is evaluated once and the selection term
    added, which is exactly what evaluating each separately computes.
    """
    names = list(family)
    box = family[names[0]].domain
    q0, a_au = box.grid(n_grid)
    theta = jnp.asarray(np.stack(np.meshgrid(q0, a_au, indexing="ij"), axis=-1).reshape(-1, 2))
    inner = {name: like.inner if isinstance(like, Selected) else like for name, like in family.items()}
    bases = list({id(b): b for b in inner.values()}.values())
    prepared = {id(b): _prepare(b, theta) for b in bases}
    selection = {n: _prepare(like, theta)[1] for n, like in family.items() if isinstance(like, Selected)}
    obs = np.atleast_2d(obs)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for start in range(0, len(obs), chunk):
        rows = jnp.asarray(obs[start : start + chunk])
        lp = {id(b): np.array(_log_prob(b, rows, prepared[id(b)])) for b in bases}
        for name in names:
            log_like = lp[id(inner[name])] + (np.asarray(selection[name])[None, :] if name in selection else 0.0)
            parts[name].append(posterior_from_log_likelihood(log_like, q0, a_au).density)
    return {name: GridPosterior(np.asarray(q0), np.asarray(a_au), np.concatenate(d)) for name, d in parts.items()}


# Compiled once per likelihood structure and shape, not once per call.
@eqx.filter_jit
def _prepare(like: LikelihoodModel, theta):
    return like.prepare(theta)


@eqx.filter_jit
def _log_prob(like: LikelihoodModel, obs, prepared):
    return like.log_prob(obs, prepared)
