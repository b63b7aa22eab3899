"""Why single flows gave over-confident posteriors of a, and what the mixture changes: the evidence.

Three measurements on a held-out set of prior draws (the development set), each isolating
one candidate cause of the under-coverage of a:

- **Fitting noise of one flow** ([`member_study`][]): every member of the mixture alone and
  the mixtures of its first k members (k = 1 ... M), each with the P(usable) factor, judged
  by the coverage, the standardized error's sd and the mean log posterior density at the
  truth (a proper score, higher is better). The members saw the same simulations and differ
  only in initialization and minibatch order, so what the mixture removes is the part of a
  single flow's error that is noise of its own fit; with it, the spread of the members'
  posterior means per observation, in units of the mixture's posterior sd, per parameter
  ([`member_spread`][]): how large that noise is next to what the data say.
- **The discrete bound fraction** ([`lattice_contrast`][]): a flow fitted to the raw k / N
  (not dequantized) piles its density onto those values; the contrast is the mean log
  density at f = k / N minus that at the two half-way points (k +- 1/2) / N, the other
  summaries fixed, at each observation's true parameters. A smooth density scores about
  zero.

[`clusteremu.evaluation.coverage`][] supplies the calibration statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import logsumexp

from ..datasets.splits import SplitData
from ..emulators.flow import ConditionalFlow
from ..inference.flow_likelihood import FlowLikelihoodModel
from ..inference.grid import grid_log_likelihood
from ..inference.gridded import GridPosterior, posterior_from_log_likelihood
from ..prior import PARAMETERS, ParameterBox
from .coverage import calibration_study
from .reports import SchemaRecord

__all__ = [
    "DiagnosisRow",
    "FlowDiagnosis",
    "diagnose",
    "flow_slices",
    "lattice_contrast",
    "log_density_at_truth",
    "member_spread",
    "member_study",
]


@dataclass(frozen=True)
class DiagnosisRow:
    """One density's posteriors on the development set: per parameter (`q0`, `a_au`) the
    68% and 95% coverage, the standardized error's sd and the median contraction, and the
    mean log posterior density at the truth per unit box area (`log_score`)."""

    label: str
    members: int
    coverage68: dict[str, float]
    coverage95: dict[str, float]
    z_sd: dict[str, float]
    contraction: dict[str, float]
    log_score: float


@dataclass(frozen=True)
class FlowDiagnosis(SchemaRecord):
    """The diagnosis: `n_used` usable development simulations, the grid's `grid_points`,
    `rows` (each member alone, the mixtures of the first k members, and a single flow fitted
    to the raw bound fraction), `spread` (median over observations of the members' sd of
    posterior means over the mixture's posterior sd, per parameter) and `lattice` (the
    contrast of [`lattice_contrast`][] for the raw flow and for the mixture)."""

    SCHEMA: ClassVar[str] = "clusteremu.flow-diagnosis/1"

    n_used: int
    grid_points: int
    rows: list[DiagnosisRow]
    spread: dict[str, float]
    lattice: dict[str, float]
    slices: list[dict[str, Any]]


def log_density_at_truth(grid: GridPosterior, truth: np.ndarray, box: ParameterBox) -> np.ndarray:
    """log posterior density at each true (Q0, a), per unit area of the box normalized to [0, 1]^2
    (the uniform prior scores zero), from the cell holding the truth."""
    cells = []
    for values, centres in ((truth[:, 0], grid.q0), (truth[:, 1], grid.a_au)):
        h = centres[1] - centres[0]
        cells.append(np.clip(np.floor((values - (centres[0] - h / 2)) / h).astype(int), 0, len(centres) - 1))
    density = grid.density[np.arange(len(truth)), cells[0], cells[1]]
    return np.log(np.maximum(density, 1e-300)) + np.log(np.prod(box.high - box.low))


def _row(label: str, members: int, grid: GridPosterior, held: SplitData, box: ParameterBox) -> DiagnosisRow:
    study = calibration_study(grid, held.x, box)
    per = {p: study.q0 if p == "q0" else study.a_au for p in PARAMETERS}
    return DiagnosisRow(
        label,
        members,
        {p: r.coverage68 for p, r in per.items()},
        {p: r.coverage95 for p, r in per.items()},
        {p: r.z_bias_sd for p, r in per.items()},
        {p: r.contraction_median for p, r in per.items()},
        float(np.mean(log_density_at_truth(grid, held.x, box))),
    )


def _log_likelihood(flow: ConditionalFlow, selection: Any, obs: np.ndarray, q0, a_au) -> np.ndarray:
    """log p(obs | theta, usable) + log P(usable | theta) of a flow on the grid `q0` x `a_au`."""
    theta = np.stack(np.meshgrid(q0, a_au, indexing="ij"), axis=-1).reshape(-1, 2)
    log_usable = np.asarray(selection.log_prob_usable(jnp.asarray(theta)))[None, :]
    return grid_log_likelihood(FlowLikelihoodModel(flow), obs, q0, a_au) + log_usable


def member_study(
    flow: ConditionalFlow, selection: Any, held: SplitData, box: ParameterBox, grid_points: int
) -> tuple[list[DiagnosisRow], dict[str, float]]:
    """Each member alone and the mixtures of the first k members on `held`, with the selection
    factor `selection`, on a `grid_points` grid; and [`member_spread`][]."""
    q0, a_au = box.grid(grid_points)
    members = flow.architecture.members
    per_member = [_log_likelihood(flow.member(m), selection, held.y, q0, a_au) for m in range(members)]
    rows, means = [], []
    for m, log_like in enumerate(per_member):
        grid = posterior_from_log_likelihood(log_like, q0, a_au)
        rows.append(_row(f"member {m + 1} alone", 1, grid, held, box))
        means.append(grid.moments())
    for k in range(2, members + 1):
        # the selection term is common to every member: it passes through the mixture unchanged
        mixture = posterior_from_log_likelihood(logsumexp(np.stack(per_member[:k]), axis=0) - np.log(k), q0, a_au)
        rows.append(_row(f"mixture of {k}", k, mixture, held, box))
    return rows, member_spread(means, mixture.moments())


def member_spread(member_moments: list[dict[str, np.ndarray]], mixture: dict[str, np.ndarray]) -> dict[str, float]:
    """Median over observations of the sd of the members' posterior means over the mixture's
    posterior sd, per parameter: a single flow's own fitting noise next to the posterior width."""
    return {
        p: float(np.median(np.std([m[f"{p}_mean"] for m in member_moments], axis=0, ddof=1) / mixture[f"{p}_sd"]))
        for p in PARAMETERS
    }


def lattice_contrast(flow: ConditionalFlow, held: SplitData) -> float:
    """Mean of log p(f = k/N) - [log p((k - 1/2)/N) + log p((k + 1/2)/N)] / 2 at the observed
    (sigma_v, r_h) and true parameters, over the observations with 0 < k < N (nats)."""
    n = flow.transform.n_stars
    k = np.round(held.y[:, 0] * n)
    inner = (k > 0) & (k < n)
    y, theta = held.y[inner], held.x[inner]

    def log_p(shift: float) -> np.ndarray:
        return np.asarray(flow.log_prob(y.copy() + np.array([shift / n, 0.0, 0.0]), theta))

    return float(np.mean(log_p(0.0) - 0.5 * (log_p(-0.5) + log_p(0.5))))


def flow_slices(
    flow: ConditionalFlow, train: SplitData, *, seed: int, n: int = 60, samples: int = 2000
) -> list[dict[str, Any]]:
    """Slices through the flow mixture: in Q0 at the middle of the a range and in a at the
    middle of the Q0 range, `n` points each, the 2.5, 16, 50, 84 and 97.5th percentiles of
    each summary from `samples` draws per point (from `seed`), with the training rows near
    each cut (within a tenth of the other parameter's range)."""
    box, quantiles = flow.domain, (2.5, 16.0, 50.0, 84.0, 97.5)
    mid, span = (box.low + box.high) / 2, box.high - box.low
    out = []
    for k in range(2):
        grid = np.linspace(box.low[k], box.high[k], n)
        theta = np.tile(mid, (n, 1))
        theta[:, k] = grid
        y = np.asarray(flow.sample(theta, key=jax.random.key(seed + k), n=samples))  # samples, n, 3
        near = np.abs(train.x[:, 1 - k] - mid[1 - k]) < 0.1 * span[1 - k]
        out.append(
            {
                "axis": k,
                "grid": grid.tolist(),
                "quantiles": list(quantiles),
                "values": np.percentile(y, quantiles, axis=0).tolist(),  # quantile, n, 3
                "train_x": train.x[near, k].tolist(),
                "train_y": train.y[near].tolist(),
            }
        )
    return out


def diagnose(
    flow: ConditionalFlow,
    raw: ConditionalFlow,
    selection: Any,
    held: SplitData,
    train: SplitData,
    *,
    grid_points: int,
    seed: int,
) -> FlowDiagnosis:
    """The whole diagnosis of the mixture `flow` (at least two members) and of `raw`, one flow
    fitted to the bound fraction without dequantization, on the usable development
    simulations `held`, each with the P(usable) factor `selection`, on a `grid_points` grid;
    and the mixture's slices with the training rows `train` near them (draws from `seed`)."""
    if flow.architecture.members < 2:
        raise ValueError("the diagnosis compares a flow's members: the profile's flow.members must be at least 2")
    box = flow.domain
    rows, spread = member_study(flow, selection, held, box, grid_points)
    q0, a_au = box.grid(grid_points)
    raw_grid = posterior_from_log_likelihood(_log_likelihood(raw, selection, held.y, q0, a_au), q0, a_au)
    rows.append(_row("one flow, bound fraction not dequantized", 1, raw_grid, held, box))
    lattice = {"raw": lattice_contrast(raw, held), "mixture": lattice_contrast(flow, held)}
    slices = flow_slices(flow, train, seed=seed)
    return FlowDiagnosis(int(len(held.y)), grid_points, rows, spread, lattice, slices)
