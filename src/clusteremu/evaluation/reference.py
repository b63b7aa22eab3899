"""Simulator-based reference posteriors: Bayesian synthetic likelihood on a local grid.

To check an emulator's posterior against one that uses the simulator itself, the
synthetic likelihood (Wood 2010; Bayesian synthetic likelihood, Price et al. 2018)
replaces p(y | theta) by a Gaussian whose mean and covariance are estimated from `R`
fresh simulations at theta. Here it is evaluated in the transformed space of
[`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform] (logit f_bound, log sigma_v,
log r_h), where the realizations are closer to Gaussian, on a local grid of parameters
around the emulator's posterior, and multiplied by the fraction of the `R` simulations
that are usable (the selection probability, estimated directly). With a uniform prior
the reference posterior is this product normalized on the grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from jaxtyping import Float
from scipy import stats

from ..datasets.design import Design, simulation_seed
from ..datasets.table import OUTPUT_NAMES, usable
from ..emulators.transforms import SummaryTransform
from ..inference.gridded import GridPosterior
from ..prior import ParameterBox

__all__ = ["LocalGrid", "local_grid", "reference_design", "synthetic_posterior"]


@dataclass(frozen=True)
class LocalGrid:
    """Cell centres `q0` (n,) and `a_au` (n,) of a regular grid around one posterior."""

    q0: np.ndarray
    a_au: np.ndarray

    @property
    def points(self) -> Float[np.ndarray, "cells 2"]:
        return np.stack(np.meshgrid(self.q0, self.a_au, indexing="ij"), axis=-1).reshape(-1, 2)


def local_grid(posterior: GridPosterior, index: int, box: ParameterBox, *, n: int, span_sd: float) -> LocalGrid:
    """`n` x `n` cells spanning posterior mean +- `span_sd` sds of each parameter, inside the box."""
    mom = posterior.moments()
    axes = []
    for name, lo, hi in (("q0", box.q0_min, box.q0_max), ("a_au", box.a_min_au, box.a_max_au)):
        m, s = mom[f"{name}_mean"][index], mom[f"{name}_sd"][index]
        a, b = max(lo, m - span_sd * s), min(hi, m + span_sd * s)
        axes.append(a + (np.arange(n) + 0.5) * (b - a) / n)
    return LocalGrid(*axes)


def reference_design(grids: list[LocalGrid], *, seed: int, realizations: int) -> Design:
    """`realizations` simulations at every cell of every grid, labelled split "reference".

    Point `k` of grid `g` is design point `g * cells + k`; seeds come from
    [`simulation_seed`][clusteremu.datasets.design.simulation_seed]`(seed, point, realization)`.
    """
    pts = np.concatenate([g.points for g in grids])
    n, m = len(pts), realizations
    point, realization = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    seeds = [simulation_seed(seed, p, r) for p, r in zip(point.tolist(), realization.tolist(), strict=True)]
    return Design(
        point,
        realization,
        np.repeat(pts[:, 0], m),
        np.repeat(pts[:, 1], m),
        np.full(n * m, "reference"),
        np.array(seeds, dtype=np.int64),
    )


def synthetic_posterior(
    columns: Mapping[str, np.ndarray], grid: LocalGrid, first_point: int, obs: Float[np.ndarray, " 3"], n_stars: int
) -> dict:
    """The synthetic-likelihood posterior of `obs` on `grid` from its simulations in `columns`.

    **Arguments:**

    - `columns`: a dataset holding the grid's simulations (design points `first_point`
      onwards, one per cell in `grid.points` order).
    - `grid`, `obs`: the local grid and the observed summaries (physical units).
    - `n_stars`: N, for the transform of the bound fraction.

    **Returns:**

    `density` (n, n) normalized on the grid (midpoint rule), the posterior `mean` and `sd`
    of (Q0, a), `usable_fraction` per cell, and `min_usable` (the fewest usable simulations
    behind any cell's Gaussian).
    """
    transform = SummaryTransform(n_stars)
    z_obs = np.asarray(transform.forward(obs))
    ok = usable(columns)
    cells = grid.points
    log_sl, frac, counts = np.full(len(cells), -np.inf), np.zeros(len(cells)), np.zeros(len(cells), int)
    for k in range(len(cells)):
        rows = columns["point"] == first_point + k
        good = rows & ok
        frac[k], counts[k] = good.sum() / rows.sum(), good.sum()
        if counts[k] > len(OUTPUT_NAMES) + 1:  # a covariance needs more draws than dimensions
            z = np.asarray(transform.forward(np.column_stack([columns[c][good] for c in OUTPUT_NAMES])))
            mvn = stats.multivariate_normal(z.mean(axis=0), np.cov(z, rowvar=False), allow_singular=False)
            log_sl[k] = mvn.logpdf(z_obs) + np.log(frac[k])
    n = len(grid.q0)
    logp = log_sl.reshape(n, n)
    dens = np.exp(logp - logp.max())
    dq, da = grid.q0[1] - grid.q0[0], grid.a_au[1] - grid.a_au[0]
    dens /= dens.sum() * dq * da
    post = GridPosterior(grid.q0, grid.a_au, dens[None])
    mom = post.moments()
    return {
        "density": dens.tolist(),
        "mean": [float(mom["q0_mean"][0]), float(mom["a_au_mean"][0])],
        "sd": [float(mom["q0_sd"][0]), float(mom["a_au_sd"][0])],
        "usable_fraction": frac.tolist(),
        "min_usable": int(counts.min()),
    }
