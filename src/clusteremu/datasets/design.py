"""Experimental design: a Latin hypercube over (Q0, a) split by design point.

The emulator is judged on design points it never saw. Every realization of one design
point therefore shares that point's split: were realizations of the same (Q0, a) spread
over training and test, the test error would measure memorised noise, not generalisation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from jaxtyping import Float, Int

from ..config import split_counts

__all__ = [
    "SPLITS",
    "Design",
    "latin_hypercube",
    "assign_splits",
    "make_design",
    "prior_design",
    "truth_design",
    "read_design",
    "simulation_seed",
]

SPLITS = ("train", "validation", "test")
_COLUMNS = ("point", "realization", "q0", "a_au", "split", "seed")


@dataclass(frozen=True)
class Design:
    """A design table: one row per (design point, realization).

    **Arguments:**

    - `point`: design-point index of each row, shape `(rows,)`.
    - `realization`: realization index within its point, shape `(rows,)`.
    - `q0`: initial virial ratio Q0 = K/|W| (dimensionless), shape `(rows,)`.
    - `a_au`: Plummer scale radius a in AU, shape `(rows,)`.
    - `split`: `"train"`, `"validation"` or `"test"` for each row.
    - `seed`: the integer seed of each simulation, shape `(rows,)`.
    """

    point: Int[np.ndarray, " rows"]
    realization: Int[np.ndarray, " rows"]
    q0: Float[np.ndarray, " rows"]
    a_au: Float[np.ndarray, " rows"]
    split: np.ndarray
    seed: Int[np.ndarray, " rows"]

    def to_csv(self) -> str:
        """The table as CSV text with fixed float formatting (byte-stable across runs)."""
        out = io.StringIO()
        out.write(",".join(_COLUMNS) + "\n")
        for row in zip(self.point, self.realization, self.q0, self.a_au, self.split, self.seed, strict=True):
            p, r, q, a, s, seed = row
            out.write(f"{p},{r},{q:.12f},{a:.12f},{s},{seed}\n")
        return out.getvalue()

    def points(self) -> Design:
        """The first realization row of every design point (one row per point)."""
        return self._take(self.realization == 0)

    def in_split(self, split: str) -> Design:
        if split not in SPLITS:
            raise ValueError(f"split {split!r} is not one of {SPLITS}")
        return self._take(self.split == split)

    def _take(self, mask: np.ndarray) -> Design:
        return Design(*(getattr(self, c)[mask] for c in _COLUMNS[:4]), self.split[mask], self.seed[mask])


def latin_hypercube(
    n_points: int, bounds: Float[np.ndarray, "2 2"], *, seed: int, optimization: str = "random-cd"
) -> Float[np.ndarray, "n_points 2"]:
    """Draw a Latin hypercube of `n_points` in the box `bounds`.

    **Arguments:**

    - `n_points`: number of design points.
    - `bounds`: `[[q0_min, q0_max], [a_min_au, a_max_au]]`.
    - `seed`: seed of the draw (and of the space-filling optimization).
    - `optimization`: `"none"`, `"random-cd"` or `"lloyd"` (see `scipy.stats.qmc`).

    **Returns:**

    Points of shape `(n_points, 2)`; each column has exactly one point per stratum of
    width (max - min) / n_points.
    """
    bounds = np.asarray(bounds, dtype=float)
    opt = None if optimization == "none" else optimization
    from scipy.stats import qmc  # here, not at the top: every emulator load imports this module

    sampler = qmc.LatinHypercube(d=2, optimization=opt, rng=np.random.default_rng(seed))
    unit = sampler.random(n_points)
    return qmc.scale(unit, bounds[:, 0], bounds[:, 1])


def assign_splits(n_points: int, fractions: Mapping[str, float], *, seed: int) -> np.ndarray:
    """Assign each design point to train/validation/test at random, in fixed proportions.

    **Returns:**

    An array of split names, shape `(n_points,)`, with [`split_counts`][] of each.
    """
    counts = split_counts(n_points, fractions)
    if counts["train"] < 1:
        raise ValueError(f"{n_points} design points leave no training point for fractions {dict(fractions)}")
    labels = np.repeat(np.array(SPLITS), [counts[s] for s in SPLITS])
    return np.random.default_rng(seed).permutation(labels)


# Independent random streams spawned from `design.seed`, one per purpose.
_LHS, _SPLIT, _SIM, _ADDED_LHS, _ADDED_SPLIT = range(5)


def simulation_seed(design_seed: int, point: int, realization: int) -> int:
    """The seed of one simulation, a function of (design seed, point, realization) only.

    Adding realizations or design points therefore never changes the seed, and so never
    the result, of a simulation that already exists (the simulation cache reuses it).
    """
    ss = np.random.SeedSequence(design_seed, spawn_key=(_SIM, int(point), int(realization)))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def make_design(config: Mapping) -> Design:
    """Build the full design table from a validated profile's `domain` and `design` sections.

    The design is a Latin hypercube of `design.n_points` points, followed by a second,
    independent hypercube of `design.added_points` points (none by default): raising
    `added_points` grows the design without moving any existing point, whereas raising
    `n_points` redraws the first hypercube. Each hypercube's points are split by
    [`assign_splits`][] in the configured proportions. Seeds come from independent streams
    of `design.seed` (hypercubes, splits, and one per simulation; see
    [`simulation_seed`][]), so changing the number of realizations moves nothing either.
    """
    dom, des = config["domain"], config["design"]
    bounds = np.array([[dom["q0_min"], dom["q0_max"]], [dom["a_min_au"], dom["a_max_au"]]])
    blocks = [(des["n_points"], _LHS, _SPLIT), (des["added_points"], _ADDED_LHS, _ADDED_SPLIT)]
    pts, split = [], []
    for n, lhs_stream, split_stream in blocks:
        if n:
            pts.append(
                latin_hypercube(n, bounds, seed=_stream(des["seed"], lhs_stream), optimization=des["lhs_optimization"])
            )
            split.append(assign_splits(n, des["split"], seed=_stream(des["seed"], split_stream)))
    pts, split = np.concatenate(pts), np.concatenate(split)
    n, m = len(pts), des["n_realizations"]
    point, realization = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    seeds = [simulation_seed(des["seed"], p, r) for p, r in zip(point.tolist(), realization.tolist(), strict=True)]
    return Design(
        point=point,
        realization=realization,
        q0=np.repeat(pts[:, 0], m),
        a_au=np.repeat(pts[:, 1], m),
        split=np.repeat(split, m),
        seed=np.array(seeds, dtype=np.int64),
    )


def prior_design(theta: Float[np.ndarray, "n 2"], *, seed: int, split: str) -> Design:
    """One simulation at each row (Q0, a) of `theta`, labelled `split`, with seeds from `seed`.

    For held-out sets whose parameters are drawn elsewhere (e.g. from the prior by
    [`ParameterBox.draw`][clusteremu.prior.ParameterBox.draw]); each row's seed is
    [`simulation_seed`][]`(seed, row, 0)`, so a longer set keeps the rows of a shorter one.
    """
    n = len(theta)
    seeds = [simulation_seed(seed, i, 0) for i in range(n)]
    return Design(
        np.arange(n),
        np.zeros(n, dtype=int),
        theta[:, 0],
        theta[:, 1],
        np.full(n, split),
        np.array(seeds, dtype=np.int64),
    )


def truth_design(config: Mapping) -> Design:
    """The truth set: a few interior points with many realizations, for evaluation only.

    A Latin hypercube of `truth.n_points` points over the central `truth.interior_fraction`
    of each parameter range (edges are where an emulator is least constrained, and the
    truth set is meant to measure its accuracy where it claims authority), each simulated
    `truth.n_realizations` times with seeds [`simulation_seed`][]`(truth.seed, point,
    realization)`. Labelled split "truth"; never used to train, tune or calibrate.
    """
    dom, t = config["domain"], config["truth"]
    lo = np.array([dom["q0_min"], dom["a_min_au"]])
    hi = np.array([dom["q0_max"], dom["a_max_au"]])
    margin = 0.5 * (1.0 - t["interior_fraction"]) * (hi - lo)
    bounds = np.column_stack([lo + margin, hi - margin])
    pts = latin_hypercube(t["n_points"], bounds, seed=_stream(t["seed"], _LHS), optimization="random-cd")
    n, m = t["n_points"], t["n_realizations"]
    point, realization = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    seeds = [simulation_seed(t["seed"], p, r) for p, r in zip(point.tolist(), realization.tolist(), strict=True)]
    return Design(
        point,
        realization,
        np.repeat(pts[:, 0], m),
        np.repeat(pts[:, 1], m),
        np.full(n * m, "truth"),
        np.array(seeds, dtype=np.int64),
    )


def read_design(text: str) -> Design:
    """Parse the CSV written by [`Design.to_csv`][]; raises `ValueError` on a malformed table."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != _COLUMNS:
        raise ValueError(f"design table must have columns {', '.join(_COLUMNS)}")
    col = {c: [r[c] for r in rows] for c in _COLUMNS}
    return Design(
        point=np.array(col["point"], dtype=int),
        realization=np.array(col["realization"], dtype=int),
        q0=np.array(col["q0"], dtype=float),
        a_au=np.array(col["a_au"], dtype=float),
        split=np.array(col["split"]),
        seed=np.array(col["seed"], dtype=np.int64),
    )


def _stream(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=(stream,)).generate_state(1, dtype=np.uint32)[0])
