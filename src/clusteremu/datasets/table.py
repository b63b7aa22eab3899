"""Datasets of simulations: one row per simulation, written and read as CSV.

A dataset holds the design columns (`point`, `realization`, `q0`, `a_au`, `split`,
`seed`), the summaries the emulator learns ([`OUTPUTS`][]; NaN where undefined), `n_bound`,
the energy errors and two flags. Floats are written with the shortest representation that
round-trips, so equal datasets are equal bytes; reading checks the header, so a file of
another kind fails with a message instead of a wrong column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["COLUMNS", "OUTPUTS", "OUTPUT_NAMES", "DatasetError", "dataset_to_csv", "read_dataset", "usable"]

#: The summaries the emulator learns, in order: (column, description with unit).
OUTPUTS = (
    ("f_bound", "bound fraction"),
    ("sigma_v_kms", "1-D velocity dispersion of bound stars (km/s)"),
    ("r_h_au", "half-mass radius of bound stars (AU)"),
)
OUTPUT_NAMES = tuple(name for name, _ in OUTPUTS)

#: Every column of a dataset, in file order, with its type.
COLUMNS: dict[str, type] = {
    "point": int,
    "realization": int,
    "q0": float,
    "a_au": float,
    "split": str,
    "seed": int,
    "f_bound": float,
    "sigma_v_kms": float,
    "r_h_au": float,
    "n_bound": int,
    "few_bound": bool,
    "energy_error": float,
    "energy_error_final": float,
    "flag_energy": bool,
}


class DatasetError(ValueError):
    """A dataset file is not in the expected format."""


def usable(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Rows an emulator may learn from: energy conserved and every summary defined."""
    return ~np.asarray(columns["flag_energy"], bool) & ~np.asarray(columns["few_bound"], bool)


def _cell(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, float | np.floating):
        return repr(float(value))  # shortest string that round-trips: byte-stable
    return str(value)


def dataset_to_csv(columns: Mapping[str, np.ndarray]) -> str:
    """The dataset as CSV text in [`COLUMNS`][] order; every column must be present."""
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise DatasetError(f"dataset lacks columns {', '.join(missing)}")
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for i in range(len(columns["point"])):
        out.write(",".join(_cell(columns[c][i]) for c in COLUMNS) + "\n")
    return out.getvalue()


def read_dataset(path: str | Path) -> dict[str, np.ndarray]:
    """Read a dataset written by [`dataset_to_csv`][] back into typed columns."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or tuple(rows[0]) != tuple(COLUMNS):
        raise DatasetError(f"{path}: not a simulation dataset; expected the columns {', '.join(COLUMNS)}")
    body = rows[1:]
    cols = {}
    for j, (name, kind) in enumerate(COLUMNS.items()):
        raw = [r[j] for r in body]
        if kind is bool:
            cols[name] = np.array(raw) == "1"
        elif kind is int:
            cols[name] = np.array(raw, dtype=np.int64)
        elif kind is float:
            cols[name] = np.array(raw, dtype=float)
        else:
            cols[name] = np.array(raw, dtype=str)
    return cols
