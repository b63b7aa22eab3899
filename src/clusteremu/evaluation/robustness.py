"""The recommended likelihood on a set of clusters: calibration, the model check, and a tempered fallback.

For one set of observed clusters with known parameters (the model's own physics, or a
variant that differs from it), [`robustness_row`][] reports what a user would get:

- the coverage of the 68% and 95% credible intervals and the standardized error's mean and
  sd (its bias and spread, in posterior sds) of each parameter;
- how often the per-observation model check
  ([`clusteremu.inference.model_check`][], calibrated on the development set) flags an
  observation, with a Wilson interval, and the coverage of the observations it lets through;
- the same posteriors tempered, p(theta | y) proportional to p(y | theta)^beta p(theta) for each
  beta of [`TEMPERING`][] (a likelihood that counts the data as 1/beta times fewer, the
  simplest hedge against a model that is wrong by an unknown amount), with their coverage
  and the contraction they keep.

On a uniform prior the tempered posterior is the grid posterior raised to beta and
normalized again: no new evaluation of the likelihood.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np
from numpy.typing import ArrayLike

from ..datasets.splits import SplitData
from ..inference.gridded import GridPosterior
from ..inference.model import LikelihoodModel
from ..inference.model_check import DRAWS, ModelCheck
from ..inference.predictive_check import posterior_predictive_check
from ..prior import PARAMETERS, ParameterBox
from .binomial import wilson_interval
from .coverage import calibration_study

__all__ = [
    "TEMPERING",
    "RobustnessRow",
    "TemperedRow",
    "at_beta",
    "model_checks",
    "robustness_row",
    "tempered",
    "tempered_rows",
]

#: The tempering exponents reported (1: the likelihood as it is).
TEMPERING = (1.0, 0.5, 0.25)


@dataclass(frozen=True)
class TemperedRow:
    """Posteriors tempered with exponent `beta`: per parameter the 68% and 95% coverage, the
    standardized error's mean and sd, and the median contraction."""

    beta: float
    coverage68: dict[str, float]
    coverage95: dict[str, float]
    z_mean: dict[str, float]
    z_sd: dict[str, float]
    contraction: dict[str, float]


@dataclass(frozen=True)
class RobustnessRow:
    """One set of clusters under the recommended likelihood.

    - `name`, `label`: the set; `n_used`: its usable clusters.
    - `tempered`: one [`TemperedRow`][] per beta of [`TEMPERING`][] (the first, beta = 1,
      is the likelihood itself).
    - `p_values`: the model check's raw p-value of every cluster (None without a flow).
    - `flagged`, `flagged_lo`, `flagged_hi`: the fraction flagged and its Wilson 95% interval.
    - `unflagged`: [`TemperedRow`][] (beta = 1) of the clusters the check lets through, and
      `n_unflagged` of them.
    """

    name: str
    label: str
    n_used: int
    tempered: list[TemperedRow]
    p_values: list[float] | None
    flagged: float | None
    flagged_lo: float | None
    flagged_hi: float | None
    n_unflagged: int | None
    unflagged: TemperedRow | None


def at_beta(rows: list[TemperedRow], beta: float) -> TemperedRow:
    """The row of `rows` (one per exponent, as [`tempered_rows`][] gives them) tempered with `beta`."""
    return next(t for t in rows if t.beta == beta)


def tempered(grid: GridPosterior, beta: float) -> GridPosterior:
    """The grid posteriors raised to `beta` and normalized again (uniform prior)."""
    if beta == 1.0:
        return grid
    density = grid.density**beta
    cell = (grid.q0[1] - grid.q0[0]) * (grid.a_au[1] - grid.a_au[0])
    return GridPosterior(grid.q0, grid.a_au, density / (density.sum(axis=(1, 2), keepdims=True) * cell))


def tempered_rows(grid: GridPosterior, truth: np.ndarray, box: ParameterBox) -> list[TemperedRow]:
    """One [`TemperedRow`][] per beta of [`TEMPERING`][] for the posteriors `grid` of
    clusters whose true parameters are `truth` (rows), in the prior box `box`."""
    return [_summary(beta, tempered(grid, beta), truth, box) for beta in TEMPERING]


def _summary(beta: float, grid: GridPosterior, truth: np.ndarray, box: ParameterBox) -> TemperedRow:
    study = calibration_study(grid, truth, box)
    per = {p: study.q0 if p == "q0" else study.a_au for p in PARAMETERS}
    return TemperedRow(
        beta,
        {p: r.coverage68 for p, r in per.items()},
        {p: r.coverage95 for p, r in per.items()},
        {p: r.z_bias_mean for p, r in per.items()},
        {p: r.z_bias_sd for p, r in per.items()},
        {p: r.contraction_median for p, r in per.items()},
    )


def model_checks(
    like: LikelihoodModel, grid: GridPosterior, obs: np.ndarray, *, seed: int, null: ArrayLike | None = None
) -> list[ModelCheck | None]:
    """The model check of every observation `obs` (rows) whose posteriors under `like` are
    `grid`, against the null p-values `null`; `seed` draws the posterior samples and replicates."""
    keys = jax.random.split(jax.random.key(seed), len(obs))
    return [
        posterior_predictive_check(like, obs[i], grid.draw(i, DRAWS, seed=seed + i), key=keys[i], null=null)
        for i in range(len(obs))
    ]


def robustness_row(
    name: str,
    label: str,
    like: LikelihoodModel,
    grid: GridPosterior,
    held: SplitData,
    box: ParameterBox,
    *,
    seed: int,
    null: ArrayLike | None,
) -> RobustnessRow:
    """Everything [`RobustnessRow`][] holds for the clusters `held` (observations and true
    parameters) whose posteriors under `like` are `grid`; the model check is calibrated
    against the null p-values `null` and `seed` draws its posterior samples and replicates."""
    rows = tempered_rows(grid, held.x, box)
    checks = model_checks(like, grid, held.y, seed=seed, null=null)
    if any(c is None for c in checks) or not checks:
        return RobustnessRow(name, label, len(held.y), rows, None, None, None, None, None, None)
    p = np.array([c.p_value for c in checks])
    flags = np.array([c.flagged for c in checks])
    lo, hi = wilson_interval(int(flags.sum()), len(flags))
    kept = ~flags
    unflagged = None
    if kept.sum() > 1:
        sub = GridPosterior(grid.q0, grid.a_au, grid.density[kept])
        unflagged = _summary(1.0, sub, held.x[kept], box)
    return RobustnessRow(
        name, label, len(held.y), rows, p.tolist(), float(flags.mean()), lo, hi, int(kept.sum()), unflagged
    )
