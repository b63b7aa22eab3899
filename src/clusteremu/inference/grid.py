"""Exact posteriors of (Q0, a) on a grid over the prior box.

The posterior is two-dimensional, so it is computed exactly on a grid
([`GridPosterior`][], [`grid_posterior`][]): this checks the sampler and makes the coverage
study cheap (hundreds of observations share one evaluation of the forward model).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .model import LikelihoodModel, Selected

__all__ = [
    "GridPosterior",
    "grid_log_likelihood",
    "grid_posterior",
    "grid_posteriors",
    "posterior_from_log_likelihood",
    "posterior_on_grid",
]


@dataclass(frozen=True)
class GridPosterior:
    """Posteriors on a regular grid of cell centres, normalized by the midpoint rule.

    `density` has shape `(observations, n_q0, n_a)`; `q0` and `a_au` are the cell centres.
    """

    q0: np.ndarray
    a_au: np.ndarray
    density: np.ndarray

    def marginals(self) -> tuple[np.ndarray, np.ndarray]:
        dq, da = self.q0[1] - self.q0[0], self.a_au[1] - self.a_au[0]
        return self.density.sum(axis=2) * da, self.density.sum(axis=1) * dq

    def moments(self) -> dict[str, np.ndarray]:
        """Posterior mean and sd of each parameter, shape `(observations,)` each."""
        out = {}
        for name, grid, marg in zip(("q0", "a_au"), (self.q0, self.a_au), self.marginals(), strict=True):
            w = marg / marg.sum(axis=1, keepdims=True)
            mean = w @ grid
            out[f"{name}_mean"] = mean
            out[f"{name}_sd"] = np.sqrt(np.maximum(w @ grid**2 - mean**2, 0.0))
        return out

    def correlation(self) -> np.ndarray:
        """Posterior correlation of Q0 and a, shape `(observations,)`."""
        q, a = np.meshgrid(self.q0, self.a_au, indexing="ij")
        w = self.density / self.density.sum(axis=(1, 2), keepdims=True)
        mq, ma = (w * q).sum((1, 2)), (w * a).sum((1, 2))
        dq, da = q - mq[:, None, None], a - ma[:, None, None]
        return (w * dq * da).sum((1, 2)) / np.sqrt((w * dq**2).sum((1, 2)) * (w * da**2).sum((1, 2)))

    def _cumulative(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Cell edges and the marginal CDF at them (piecewise linear within cells)."""
        grid, marg = (self.q0, self.marginals()[0]) if name == "q0" else (self.a_au, self.marginals()[1])
        h = grid[1] - grid[0]
        edges = np.concatenate([[grid[0] - h / 2], grid + h / 2])
        cum = np.concatenate([np.zeros((len(marg), 1)), np.cumsum(marg, axis=1) * h], axis=1)
        return edges, cum / cum[:, -1:]

    def cdf(self, name: str, values: np.ndarray) -> np.ndarray:
        """Marginal posterior CDF of parameter `name` at `values` (one per observation)."""
        edges, cum = self._cumulative(name)
        return np.array([np.interp(v, edges, c) for v, c in zip(values, cum, strict=True)])

    def quantile(self, name: str, probs) -> np.ndarray:
        """Marginal quantiles, shape `(observations, len(probs))`."""
        edges, cum = self._cumulative(name)
        return np.array([np.interp(probs, c, edges) for c in cum])

    def draw(self, index: int, n: int, *, seed: int) -> np.ndarray:
        """`n` independent draws (Q0, a) from posterior `index`: a cell by its probability,
        then a uniform point inside it. Shape `(n, 2)`."""
        rng = np.random.default_rng(seed)
        p = self.density[index].ravel()
        cells = rng.choice(p.size, size=n, p=p / p.sum())
        iq, ia = np.unravel_index(cells, self.density.shape[1:])
        h = np.array([self.q0[1] - self.q0[0], self.a_au[1] - self.a_au[0]])
        centres = np.column_stack([self.q0[iq], self.a_au[ia]])
        return centres + (rng.uniform(size=(n, 2)) - 0.5) * h


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


def posterior_from_log_likelihood(
    log_like: Float[np.ndarray, "obs cells"], q0: np.ndarray, a_au: np.ndarray
) -> GridPosterior:
    """The uniform-prior posteriors of log-likelihoods on the grid `q0` x `a_au`, normalized by the midpoint rule."""
    log_post = log_like - log_like.max(axis=1, keepdims=True)
    p = np.exp(log_post)
    cell = (q0[1] - q0[0]) * (a_au[1] - a_au[0])
    dens = p / (p.sum(axis=1, keepdims=True) * cell)
    return GridPosterior(np.asarray(q0), np.asarray(a_au), dens.reshape(len(log_like), len(q0), len(a_au)))


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
