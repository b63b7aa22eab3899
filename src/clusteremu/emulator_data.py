"""Emulator data: the campaign split by design point, and training-only normalization.

The normalization statistics (mean and standard deviation of every input and output)
are computed from the training split alone and then used everywhere else (validation,
test, inference). Computing them on all data would leak the held-out points' location and
scale into training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from jaxtyping import Float

from .campaign import OUTPUTS, read_dataset, usable
from .design import SPLITS

__all__ = ["INPUTS", "OUTPUT_NAMES", "SplitData", "EmulatorData", "Normalizer", "load_emulator_data"]

#: Emulator inputs, in order: initial virial ratio and Plummer scale radius (AU).
INPUTS = ("q0", "a_au")
OUTPUT_NAMES = tuple(name for name, _ in OUTPUTS)


@dataclass(frozen=True)
class SplitData:
    """One split: inputs `x` (rows, 2), outputs `y` (rows, 3) in physical units, and the
    design point of each row (realizations of one point share it)."""

    x: Float[np.ndarray, "rows 2"]
    y: Float[np.ndarray, "rows 3"]
    point: np.ndarray

    def point_means(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per design point with at least two realizations: inputs, mean outputs, the
        realization standard deviation (ddof = 1, the simulator's noise) and the count."""
        xs, means, sds, counts = [], [], [], []
        for p in np.unique(self.point):
            sel = self.point == p
            if sel.sum() >= 2:
                xs.append(self.x[sel][0])
                means.append(self.y[sel].mean(axis=0))
                sds.append(self.y[sel].std(axis=0, ddof=1))
                counts.append(sel.sum())
        return np.array(xs), np.array(means), np.array(sds), np.array(counts)


@dataclass(frozen=True)
class EmulatorData:
    """The usable simulations by split, and how many were excluded and why."""

    splits: dict[str, SplitData]
    n_excluded_energy: int
    n_excluded_few_bound: int

    @property
    def train(self) -> SplitData:
        return self.splits["train"]

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
    return EmulatorData(
        splits=splits,
        n_excluded_energy=int(cols["flag_energy"].sum()),
        n_excluded_few_bound=int((cols["few_bound"] & ~cols["flag_energy"]).sum()),
    )


@dataclass(frozen=True)
class Normalizer:
    """Per-column affine maps to zero mean and unit variance, fitted on training data only.

    **Arguments:**

    - `x_mean`, `x_std`: input means and standard deviations, shape `(2,)` (Q0; a in AU).
    - `y_mean`, `y_std`: output means and standard deviations, shape `(3,)`, physical units.
    """

    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray

    @classmethod
    def fit(cls, train: SplitData) -> Normalizer:
        return cls(train.x.mean(0), train.x.std(0, ddof=1), train.y.mean(0), train.y.std(0, ddof=1))

    def x_to_unit(self, x):
        return (x - self.x_mean) / self.x_std

    def y_to_unit(self, y):
        return (y - self.y_mean) / self.y_std

    def y_from_unit(self, z):
        return z * self.y_std + self.y_mean

    def to_dict(self) -> dict[str, list[float]]:
        return {k: np.asarray(getattr(self, k)).tolist() for k in ("x_mean", "x_std", "y_mean", "y_std")}

    @classmethod
    def from_dict(cls, d: dict) -> Normalizer:
        return cls(*(np.asarray(d[k], dtype=float) for k in ("x_mean", "x_std", "y_mean", "y_std")))
