"""Emulator data: the campaign split by design point, and training-only normalization.

The normalization statistics (mean and standard deviation of every input and output)
are computed from the training split alone and then used everywhere else (validation,
test, inference). Computing them on all data would leak the held-out points' location and
scale into training.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .design import SPLITS
from .table import OUTPUT_NAMES, read_dataset, usable

__all__ = [
    "INPUTS",
    "OUTPUT_NAMES",
    "EmulatorData",
    "Normalizer",
    "PointStatistics",
    "SplitData",
    "load_emulator_data",
    "usable_points",
    "usable_rows",
]

#: Emulator inputs, in order: initial virial ratio and Plummer scale radius (AU).
INPUTS = ("q0", "a_au")


@dataclass(frozen=True)
class PointStatistics:
    """Per design point with at least two realizations: its index `point`, its inputs `x`
    (points, 2), the mean `mean` and realization standard deviation `sd` (ddof = 1, the
    simulator's noise) of each output (points, 3), and the number of realizations `count`."""

    point: Int[np.ndarray, " points"]
    x: Float[np.ndarray, "points 2"]
    mean: Float[np.ndarray, "points 3"]
    sd: Float[np.ndarray, "points 3"]
    count: Int[np.ndarray, " points"]


@dataclass(frozen=True)
class SplitData:
    """One split: inputs `x` (rows, 2), outputs `y` (rows, 3) in physical units, and the
    design point of each row (realizations of one point share it)."""

    x: Float[np.ndarray, "rows 2"]
    y: Float[np.ndarray, "rows 3"]
    point: Int[np.ndarray, " rows"]

    def point_statistics(self) -> PointStatistics:
        """Mean and realization scatter of every design point with two or more realizations."""
        ids, xs, means, sds, counts = [], [], [], [], []
        for p in np.unique(self.point):
            sel = self.point == p
            if sel.sum() >= 2:
                ids.append(p)
                xs.append(self.x[sel][0])
                means.append(self.y[sel].mean(axis=0))
                sds.append(self.y[sel].std(axis=0, ddof=1))
                counts.append(sel.sum())
        width = self.y.shape[1]
        return PointStatistics(
            np.array(ids, dtype=np.int64),
            np.array(xs).reshape(-1, 2),
            np.array(means).reshape(-1, width),
            np.array(sds).reshape(-1, width),
            np.array(counts, dtype=np.int64),
        )


@dataclass(frozen=True)
class EmulatorData:
    """The usable simulations by split, and how many were excluded and why.

    `selection_x`, `selection_usable` and `selection_point` are the inputs of every training
    simulation with a conserved energy, usable or not, whether it was usable, and its design
    point: what the selection model ([`clusteremu.emulators.selection`][]) learns P(usable | theta) from.
    """

    splits: dict[str, SplitData]
    n_excluded_energy: int
    n_excluded_few_bound: int
    selection_x: Float[np.ndarray, "rows 2"] | None = None
    selection_usable: np.ndarray | None = None
    selection_point: np.ndarray | None = None

    @property
    def train(self) -> SplitData:
        return self.splits["train"]

    def fewer_training_points(self, fraction: float, *, seed: int) -> EmulatorData:
        """The same data with only a `fraction` of the training design points (all their
        realizations), chosen so that smaller fractions are subsets of larger ones (one
        seeded permutation); validation and test are unchanged. For learning curves."""
        points = np.unique(self.selection_point)
        chosen = np.random.default_rng(seed).permutation(points)[: max(2, round(fraction * len(points)))]
        t, sel = self.train, np.isin(self.selection_point, chosen)
        kept = np.isin(t.point, chosen)
        return EmulatorData(
            {**self.splits, "train": SplitData(t.x[kept], t.y[kept], t.point[kept])},
            self.n_excluded_energy,
            self.n_excluded_few_bound,
            self.selection_x[sel],
            self.selection_usable[sel],
            self.selection_point[sel],
        )

    @property
    def validation(self) -> SplitData:
        return self.splits["validation"]

    @property
    def test(self) -> SplitData:
        return self.splits["test"]


def load_emulator_data(path: str | Path) -> EmulatorData:
    """Read the campaign dataset and split it by the design's split, dropping flagged rows.

    Rows flagged for energy error or with fewer than the minimum bound stars (undefined
    sigma_v, r_h) are excluded and counted, never silently dropped.
    """
    cols = read_dataset(path)
    ok = usable(cols)
    splits = {}
    for s in SPLITS:
        sel = ok & (cols["split"] == s)
        splits[s] = SplitData(
            x=np.stack([cols[c][sel] for c in INPUTS], axis=1),
            y=np.stack([cols[c][sel] for c in OUTPUT_NAMES], axis=1),
            point=cols["point"][sel],
        )
    trained = (cols["split"] == "train") & ~cols["flag_energy"]
    return EmulatorData(
        splits=splits,
        n_excluded_energy=int(cols["flag_energy"].sum()),
        n_excluded_few_bound=int((cols["few_bound"] & ~cols["flag_energy"]).sum()),
        selection_x=np.stack([cols[c][trained] for c in INPUTS], axis=1),
        selection_usable=ok[trained],
        selection_point=cols["point"][trained],
    )


def usable_rows(columns: Mapping[str, np.ndarray]) -> SplitData:
    """The usable rows of any dataset (campaign, coverage or truth set), as a [`SplitData`][]."""
    ok = usable(columns)
    x = np.stack([columns[c][ok] for c in INPUTS], axis=1)
    y = np.stack([columns[c][ok] for c in OUTPUT_NAMES], axis=1)
    return SplitData(x, y, columns["point"][ok])


def usable_points(columns: Mapping[str, np.ndarray]) -> PointStatistics:
    """Mean and realization scatter per design point, over its usable rows (any split)."""
    return usable_rows(columns).point_statistics()


class Normalizer(eqx.Module):
    """Per-column affine maps to zero mean and unit variance, fitted on training data only.

    **Arguments:**

    - `x_mean`, `x_std`: input means and standard deviations, shape `(2,)` (Q0; a in AU).
    - `y_mean`, `y_std`: output means and standard deviations, shape `(3,)`, physical units.

    The maps accept NumPy or JAX arrays and are traceable.
    """

    x_mean: Float[Array, " 2"]
    x_std: Float[Array, " 2"]
    y_mean: Float[Array, " outputs"]
    y_std: Float[Array, " outputs"]

    def __init__(self, x_mean, x_std, y_mean, y_std):
        self.x_mean, self.x_std = jnp.asarray(x_mean, float), jnp.asarray(x_std, float)
        self.y_mean, self.y_std = jnp.asarray(y_mean, float), jnp.asarray(y_std, float)

    @classmethod
    def fit(cls, train: SplitData) -> Normalizer:
        return cls(train.x.mean(0), train.x.std(0, ddof=1), train.y.mean(0), train.y.std(0, ddof=1))

    def x_to_unit(self, x):
        return (x - self.x_mean) / self.x_std

    def y_to_unit(self, y):
        return (y - self.y_mean) / self.y_std

    def y_from_unit(self, z):
        return z * self.y_std + self.y_mean
