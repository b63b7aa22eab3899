"""The reference bank study: the simulator's own posteriors for many observations, against every likelihood.

[`reference_bank`][] is the work of `analysis/15_reference_bank.py`:

1. simulate the bank ([`clusteremu.evaluation.reference`][]: nodes over the whole box,
   common random numbers) through the simulation cache;
2. score the observations at every node with the three synthetic likelihoods
   ([`clusteremu.evaluation.synthetic_likelihood`][]) and with every likelihood of the
   study's family, and turn each into a posterior by the same interpolation onto the same
   fine grid ([`clusteremu.evaluation.bank_posterior`][]);
3. repeat the references for bootstrap resamples of the realizations (their own Monte
   Carlo error, and the noise floor: what a perfect likelihood would score against them);
4. exclude, and count, the observations whose comparison nodes without a synthetic
   likelihood would affect ([`kept`][]): more than [`EXCLUSION_MASS`][] of the recommended
   likelihood's posterior in fine cells that read such a node, or of a reference's in cells
   that read such a node or one of its neighbours;
5. check the interpolation: the recommended likelihood's interpolated posterior against
   its posterior computed on the fine grid directly;
6. check the references themselves ([`clusteremu.evaluation.reference_coverage`][]): the
   truths are known, so their coverage is measured, for the whole bank and for its first
   R/2, R/4, ... realizations (with the recommended likelihood's agreement with each), on
   the compared observations, and for the whole bank on every usable confirmation
   simulation (the bank's size may have been chosen on the compared ones).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from scipy import ndimage

from ..datasets.splits import SplitData
from ..emulators.transforms import SummaryTransform
from ..inference.grid import grid_posterior
from ..inference.model import LikelihoodModel
from ..prior import PARAMETERS
from ..simulation.campaign import CampaignResult, simulate_design
from .bank_posterior import BankNodes, NodeInterpolation
from .reference import MIN_USABLE, BankRealizations, bank_design, bank_realizations
from .reference_bank import (
    REFERENCES,
    BankObservation,
    ExamplePosterior,
    Moments,
    ReferenceBank,
    ReferenceCalibration,
    ReferenceMoments,
    agreement,
    bootstrap_error,
    noise_range,
)
from .reference_coverage import SCORE_CHUNK, by_size, coverage, pit, score_reference
from .synthetic_likelihood import SyntheticLikelihoods, resample_counts

__all__ = [
    "EXCLUSION_MASS",
    "EXAMPLE_TARGETS",
    "compare_on_bank",
    "kept",
    "node_log_likelihoods",
    "reference_bank",
]

#: An observation is excluded when more posterior probability than this lies next to a node
#: without a synthetic likelihood (see `kept`).
EXCLUSION_MASS = 0.01
#: The figure's example observations: those whose truths lie nearest these points (fractions
#: of the box's Q0 and a ranges), one in each quarter of the Q0 range.
EXAMPLE_TARGETS = ((0.125, 0.3), (0.375, 0.7), (0.625, 0.3), (0.875, 0.7))


@eqx.filter_jit
def _log_likelihood(like: LikelihoodModel, obs, theta):
    return like.log_prob(obs, like.prepare(theta))


def node_log_likelihoods(like: LikelihoodModel, obs: np.ndarray, nodes: BankNodes) -> np.ndarray:
    """log p(obs | node) of a likelihood at every node, shape (obs, nodes); a value that
    underflows to -inf (or is undefined) is kept as the most negative float: the node has a
    likelihood, if a negligible one, which only a synthetic likelihood can lack."""
    theta = jnp.asarray(nodes.points)
    parts = [np.asarray(_log_likelihood(like, jnp.asarray(obs[s : s + 64]), theta)) for s in range(0, len(obs), 64)]
    return np.nan_to_num(np.concatenate(parts), nan=-np.finfo(float).max, neginf=-np.finfo(float).max)


def _bootstrap(synthetic: SyntheticLikelihoods, kind: str, z_obs: np.ndarray, interp: NodeInterpolation):
    """Every resample's posterior means and sds, (B, obs, 2) each."""
    chunks = range(0, len(z_obs), SCORE_CHUNK)
    parts = [interp.moments(getattr(synthetic, kind)(z_obs[s : s + SCORE_CHUNK])) for s in chunks]
    if not parts:  # no observation kept
        return np.zeros((len(synthetic.defined), 0, 2)), np.zeros((len(synthetic.defined), 0, 2))
    return np.concatenate([m for m, _ in parts], axis=1), np.concatenate([s for _, s in parts], axis=1)


def _examples(truth: np.ndarray, box) -> list[int]:
    """The observations nearest [`EXAMPLE_TARGETS`][], distinct, in that order."""
    unit = (truth - box.low) / (box.high - box.low)
    chosen: list[int] = []
    for target in EXAMPLE_TARGETS:
        order = np.argsort(np.sum((unit - np.asarray(target)) ** 2, axis=1))
        chosen.append(int(next(i for i in order if i not in chosen)))
    return chosen


def _nullable(values: np.ndarray) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in values]


def kept(
    interp: NodeInterpolation,
    undefined: np.ndarray,
    references: list[np.ndarray],
    emulator: np.ndarray,
    mass: float = EXCLUSION_MASS,
) -> np.ndarray:
    """The observations whose comparison the nodes without a synthetic likelihood leave alone.

    `undefined` (nodes,) marks those nodes; the fine cells that read one have no reference
    density. An observation is dropped when the `emulator` posterior puts more than `mass` of
    its probability in those cells (the references cannot follow it there), or a posterior of
    `references` does in the cells that read one of their eight neighbours (it is cut off by
    them), or one of them has no likelihood anywhere. Each array is (obs, nodes); returns
    the indices kept.
    """
    grid = undefined.reshape(interp.nodes.shape)
    near = interp.touching(ndimage.binary_dilation(grid, np.ones((3, 3), bool)).ravel())
    masses = [interp.mass(ll, near) for ll in references] + [interp.mass(emulator, interp.touching(undefined))]
    return np.flatnonzero(np.all(np.stack(masses) <= mass, axis=0))  # NaN compares False: dropped


def reference_bank(
    family: Mapping[str, LikelihoodModel], recommended: str, held: SplitData, config: Any, cache: str | Path
) -> tuple[ReferenceBank, CampaignResult, dict[str, float]]:
    """Every likelihood of `family` against the simulator's own posteriors on the reference bank.

    **Arguments:**

    - `family`: the study's likelihoods, by name; `recommended`: the one chosen on the
      selection set (its domain is the prior box).
    - `held`: the usable confirmation simulations (`.x` truths, `.y` summaries); the first
      `reference.n_observations` (all, if fewer) are compared.
    - `config`: the profile sections `simulation`, `campaign`, `reference` and `inference`
      (its `grid_points`: the fine grid); `cache`: the simulation cache's folder.

    **Returns:**

    The [`ReferenceBank`][clusteremu.evaluation.reference_bank.ReferenceBank] of
    [`compare_on_bank`][], the bank's campaign result (its counts of simulated and cached
    runs) and the wall times (s) of the parts (volatile: for the provenance record only).
    """
    ref, n_stars, start = config["reference"], config["simulation"]["n_stars"], time.perf_counter()
    nodes = BankNodes.over(family[recommended].domain, ref["q0_nodes"], ref["a_nodes"])
    result = simulate_design(bank_design(nodes, seed=ref["seed"], realizations=ref["realizations"]), config, cache)
    bank = bank_realizations(result.columns, nodes, ref["realizations"], n_stars)
    seconds = {"simulation": round(time.perf_counter() - start, 2)}
    record, parts = compare_on_bank(
        family,
        recommended,
        nodes,
        bank,
        held,
        n_compared=ref["n_observations"],
        n_stars=n_stars,
        fine_grid=config["inference"]["grid_points"],
        bootstrap=ref["bootstrap"],
        seed=ref["seed"],
    )
    return record, result, seconds | parts


def compare_on_bank(
    family: Mapping[str, LikelihoodModel],
    recommended: str,
    nodes: BankNodes,
    bank: BankRealizations,
    held: SplitData,
    *,
    n_compared: int | None = None,
    n_stars: int,
    fine_grid: int,
    bootstrap: int,
    seed: int,
) -> tuple[ReferenceBank, dict[str, float]]:
    """Steps 2 to 6 of the study for the observations `held` (`.y` summaries, `.x` truths) on a
    simulated `bank` at `nodes`: the first `n_compared` (all when None) compared, and the
    references' coverage also judged on all of them; `fine_grid` cells per parameter,
    `bootstrap` resamples drawn with `seed`. Returns the record and the wall times (s) of the parts."""
    clock, seconds = time.perf_counter(), {}
    n = len(held.y) if n_compared is None else min(n_compared, len(held.y))
    obs, truth, box = held.y[:n], held.x[:n], family[recommended].domain
    z_all = np.asarray(SummaryTransform(n_stars).forward(held.y))
    interp = NodeInterpolation.onto(nodes, box, fine_grid)
    full = SyntheticLikelihoods.of(bank, np.ones((1, bank.realizations), int))
    undefined = ~full.defined[0]
    # the references and the recommended likelihood on every observation: the references'
    # own calibration is judged on all of them, the comparison on the first n (the same rule
    # excludes an observation in both: `kept` judges each observation alone)
    scored = {kind: score_reference(full, kind, z_all) for kind in REFERENCES}
    scored[recommended] = node_log_likelihoods(family[recommended], held.y, nodes)
    judged = kept(interp, undefined, [scored[kind] for kind in REFERENCES], scored[recommended])
    # each judged observation's PIT once, aggregated over all of them and over the compared
    pits = {k: np.full((len(held.y), 2), np.nan) for k in scored}
    for k, ll in scored.items():
        pits[k][judged] = pit(interp, ll[judged], held.x[judged])
    calibration = ReferenceCalibration(len(held.y), len(judged), {k: coverage(p[judged]) for k, p in pits.items()})
    z_obs, keep = z_all[:n], judged[judged < n]
    node_ll = {kind: scored[kind][:n] for kind in REFERENCES}
    node_ll |= {
        k: scored[k][:n] if k == recommended else node_log_likelihoods(f, obs, nodes) for k, f in family.items()
    }
    moments = {name: interp.moments(ll) for name, ll in node_ll.items()}
    seconds["likelihoods"] = time.perf_counter() - clock

    boots = SyntheticLikelihoods.of(bank, resample_counts(bank.realizations, bootstrap, seed=seed))
    boot = {kind: _bootstrap(boots, kind, z_obs[keep], interp) for kind in REFERENCES}
    seconds["bootstrap"] = time.perf_counter() - clock - sum(seconds.values())
    exact_mean, exact_sd = np.zeros((0, 2)), np.zeros((0, 2))
    if len(keep):
        exact = grid_posterior(family[recommended], obs[keep], n_grid=fine_grid).moments()
        exact_mean = np.column_stack([exact[f"{p}_mean"] for p in PARAMETERS])
        exact_sd = np.column_stack([exact[f"{p}_sd"] for p in PARAMETERS])
    seconds["exact"] = time.perf_counter() - clock - sum(seconds.values())
    covered = {
        name: coverage(pits[name][keep] if name in pits else pit(interp, ll[keep], truth[keep]))
        for name, ll in node_ll.items()
    }
    kept_moments = {name: (m[keep], s[keep]) for name, (m, s) in moments.items()}

    def against(m, s, rm, rs) -> dict:
        return {p: agreement(m[..., j], s[..., j], rm[..., j], rs[..., j]) for j, p in enumerate(PARAMETERS)}

    agreed = {name: {kind: against(*kept_moments[name], *kept_moments[kind]) for kind in REFERENCES} for name in family}
    whole = ({kind: covered[kind] for kind in REFERENCES}, agreed[recommended])
    sized = by_size(bank, z_obs[keep], interp, truth[keep], kept_moments[recommended], whole)
    seconds["by_size"] = time.perf_counter() - clock - sum(seconds.values())
    rel = {}  # reference -> (bootstrap sd of the mean / sd, bootstrap sd of the sd / sd), (kept, 2) each
    for kind in REFERENCES:
        sd = kept_moments[kind][1]
        rel[kind] = (boot[kind][0].std(axis=0, ddof=1) / sd, boot[kind][1].std(axis=0, ddof=1) / sd)

    observations = [
        BankObservation(
            index=int(i),
            truth=truth[i].tolist(),
            obs=obs[i].tolist(),
            references={
                kind: ReferenceMoments(*(v[k].tolist() for v in (*kept_moments[kind], *rel[kind])))
                for kind in REFERENCES
            },
            likelihoods={name: Moments(*(v[k].tolist() for v in kept_moments[name])) for name in family},
            exact=Moments(exact_mean[k].tolist(), exact_sd[k].tolist()),
        )
        for k, i in enumerate(keep)
    ]
    record = ReferenceBank(
        recommended=recommended,
        q0_nodes=nodes.q0.tolist(),
        a_nodes=nodes.a_au.tolist(),
        realizations=bank.realizations,
        n_simulations=int(bank.usable.size),
        n_usable=int(bank.usable.sum()),
        n_undefined_nodes=int(undefined.sum()),
        min_usable=MIN_USABLE,
        bootstrap=bootstrap,
        fine_grid=fine_grid,
        n_available=int(len(held.y)),
        n_compared=n,
        exclusion_mass=EXCLUSION_MASS,
        excluded=sorted(set(range(len(obs))) - set(keep.tolist())),
        observations=observations,
        agreement=agreed,
        noise_floor={kind: against(*boot[kind], *kept_moments[kind]) for kind in REFERENCES},
        noise_range={
            kind: {
                p: noise_range(boot[kind][0][..., j], boot[kind][1][..., j], *(v[:, j] for v in kept_moments[kind]))
                for j, p in enumerate(PARAMETERS)
            }
            for kind in REFERENCES
        },
        bootstrap_error={
            kind: {p: bootstrap_error(rel[kind][0][:, j], rel[kind][1][:, j]) for j, p in enumerate(PARAMETERS)}
            for kind in REFERENCES
        },
        coverage=covered,
        coverage_by_realizations=sized[0],
        agreement_by_realizations=sized[1],
        calibration=calibration,
        between_references=against(*kept_moments["semiparametric"], *kept_moments["gaussian"]),
        interpolation=against(*kept_moments[recommended], exact_mean, exact_sd),
        examples=[
            ExamplePosterior(
                int(keep[k]),
                truth[keep[k]].tolist(),
                {name: _nullable(node_ll[name][keep[k]]) for name in (*REFERENCES, recommended)},
            )
            for k in (_examples(truth[keep], box) if len(keep) >= len(EXAMPLE_TARGETS) else [])
        ],
    )
    return record, {k: round(v, 2) for k, v in seconds.items()}
