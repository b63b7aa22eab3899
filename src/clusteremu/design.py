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
from scipy.stats import qmc

__all__ = [
    "SPLITS",
    "Design",
    "latin_hypercube",
    "split_counts",
    "assign_splits",
    "make_design",
    "read_design",
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
    sampler = qmc.LatinHypercube(d=2, optimization=opt, rng=np.random.default_rng(seed))
    unit = sampler.random(n_points)
    return qmc.scale(unit, bounds[:, 0], bounds[:, 1])


def split_counts(n_points: int, fractions: Mapping[str, float]) -> dict[str, int]:
    """Number of design points in each split.

    Validation and test get their rounded share (at least one point each); training
    takes the remainder, which may be zero or negative for tiny designs: callers check.
    """
    n_val = max(1, round(fractions["validation"] * n_points))
    n_test = max(1, round(fractions["test"] * n_points))
    return {"train": n_points - n_val - n_test, "validation": n_val, "test": n_test}


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


def make_design(config: Mapping) -> Design:
    """Build the full design table from a validated profile's `domain` and `design` sections.

    Seeds: the Latin hypercube, the split and the per-simulation seeds are three
    independent streams spawned from `design.seed`, so changing the number of
    realizations never moves the design points.
    """
    dom, des = config["domain"], config["design"]
    lhs_ss, split_ss, sim_ss = np.random.SeedSequence(des["seed"]).spawn(3)
    bounds = np.array([[dom["q0_min"], dom["q0_max"]], [dom["a_min_au"], dom["a_max_au"]]])
    n, m = des["n_points"], des["n_realizations"]
    pts = latin_hypercube(n, bounds, seed=_int(lhs_ss), optimization=des["lhs_optimization"])
    split = assign_splits(n, des["split"], seed=_int(split_ss))
    seeds = sim_ss.generate_state(n * m, dtype=np.uint32).astype(np.int64)
    return Design(
        point=np.repeat(np.arange(n), m),
        realization=np.tile(np.arange(m), n),
        q0=np.repeat(pts[:, 0], m),
        a_au=np.repeat(pts[:, 1], m),
        split=np.repeat(split, m),
        seed=seeds,
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


def _int(ss: np.random.SeedSequence) -> int:
    return int(ss.generate_state(1, dtype=np.uint32)[0])
