"""Posteriors on a grid of (Q0, a) cells: the densities and what is read off them, in NumPy alone.

[`GridPosterior`][] holds posteriors normalized on a regular grid of cell centres and gives
their marginals, moments, correlation, CDF, quantiles and draws;
[`posterior_from_log_likelihood`][] makes them from log-likelihoods at the cells (uniform
prior). No JAX: the command line reads its grid posterior without importing the models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jaxtyping import Float

__all__ = ["GridPosterior", "posterior_from_log_likelihood"]


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


def posterior_from_log_likelihood(
    log_like: Float[np.ndarray, "obs cells"], q0: np.ndarray, a_au: np.ndarray
) -> GridPosterior:
    """The uniform-prior posteriors of log-likelihoods on the grid `q0` x `a_au`, normalized by the midpoint rule."""
    log_post = log_like - log_like.max(axis=1, keepdims=True)
    p = np.exp(log_post)
    cell = (q0[1] - q0[0]) * (a_au[1] - a_au[0])
    dens = p / (p.sum(axis=1, keepdims=True) * cell)
    return GridPosterior(np.asarray(q0), np.asarray(a_au), dens.reshape(len(log_like), len(q0), len(a_au)))
