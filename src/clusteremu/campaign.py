"""The simulation campaign: every (design point, realization), resumable, as one table.

Batches of a fixed size (padded at the end, rounded up to a multiple of the device
count) go through [`simulate_batch`][], so the simulator compiles once. Each finished
batch is saved atomically to a checkpoint folder keyed by a fingerprint of the settings,
the design and the library code; an interrupted campaign resumes from the batches on disk without
redoing or duplicating work, and checkpoints of a different configuration are never
reused.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import jax
import numpy as np

from .design import Design
from .provenance import atomic_write_bytes, library_sha256
from .simulate import SimulationSettings, simulate_batch

__all__ = ["OUTPUTS", "run_campaign", "dataset_to_csv", "read_dataset", "usable"]

#: The summaries the emulator learns, in order: (column, description with unit).
OUTPUTS = (
    ("f_bound", "bound fraction"),
    ("sigma_v_kms", "1-D velocity dispersion of bound stars (km/s)"),
    ("r_h_au", "half-mass radius of bound stars (AU)"),
)


def _fingerprint(design: Design, settings: SimulationSettings) -> str:
    # The library's hash too: checkpoints made by other simulator code must not be reused.
    blob = json.dumps(settings.as_dict(), sort_keys=True) + design.to_csv() + library_sha256()
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _run_batch(design: Design, idx: np.ndarray, size: int, settings: SimulationSettings) -> dict:
    padded = np.concatenate([idx, np.full(size - idx.size, idx[-1])])
    out = simulate_batch(design.seed[padded], design.q0[padded], design.a_au[padded], settings)
    s = out.summary
    cols = {
        "f_bound": s.f_bound,
        "sigma_v_kms": s.sigma_v_kms,
        "r_h_au": s.r_h_au,
        "n_bound": s.n_bound,
        "few_bound": s.few_bound,
        "energy_error": out.energy_error,
        "energy_error_final": out.energy_error_final,
    }
    return {"row": idx, **{k: np.asarray(v)[: idx.size] for k, v in cols.items()}}


def run_campaign(
    design: Design,
    settings: SimulationSettings,
    *,
    batch_size: int,
    energy_error_max: float,
    checkpoints: Path,
    progress: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Simulate every row of `design` and return the dataset's columns.

    **Arguments:**

    - `design`: the design table (one row per simulation, with its seed).
    - `settings`: the simulation settings shared by every row.
    - `batch_size`: simulations per compiled call (rounded up to the device count).
    - `energy_error_max`: rows whose max |E - E0| / |W0| exceeds this are flagged.
    - `checkpoints`: folder for finished batches; reused on resume, safe to delete.
    - `progress`: called with the number of rows finished after each batch.

    **Returns:**

    Columns: the design's (`point`, `realization`, `q0`, `a_au`, `split`, `seed`), the
    summaries (`f_bound`, `sigma_v_kms`, `r_h_au`, NaN where undefined), `n_bound`,
    `energy_error`, `energy_error_final` and the flags `few_bound` and `flag_energy`.
    """
    n_dev = len(jax.devices())
    size = math.ceil(batch_size / n_dev) * n_dev
    folder = Path(checkpoints) / _fingerprint(design, settings)
    if Path(checkpoints).exists():  # checkpoints of another configuration are stale
        for stale in Path(checkpoints).iterdir():
            if stale != folder:
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    rows = design.seed.size
    parts = []
    for b, start in enumerate(range(0, rows, size)):
        path = folder / f"batch_{b:06d}.npz"
        idx = np.arange(start, min(start + size, rows))
        if path.exists():
            with np.load(path) as saved:
                part = dict(saved)
            if not np.array_equal(part["row"], idx):
                raise RuntimeError(f"checkpoint {path} does not match its batch; delete {folder}")
        else:
            part = _run_batch(design, idx, size, settings)
            buffer = io.BytesIO()
            np.savez(buffer, **part)
            atomic_write_bytes(path, buffer.getvalue())
        parts.append(part)
        if progress:
            progress(idx.size)
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    del merged["row"]
    columns = {
        "point": design.point,
        "realization": design.realization,
        "q0": design.q0,
        "a_au": design.a_au,
        "split": design.split,
        "seed": design.seed,
        **merged,
    }
    columns["flag_energy"] = columns["energy_error"] > energy_error_max
    return columns


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
    """The dataset as CSV, one row per simulation, floats written to round-trip exactly."""
    names = list(columns)
    out = io.StringIO()
    out.write(",".join(names) + "\n")
    for i in range(len(columns[names[0]])):
        out.write(",".join(_cell(columns[n][i]) for n in names) + "\n")
    return out.getvalue()


_INT = {"point", "realization", "seed", "n_bound"}
_BOOL = {"few_bound", "flag_energy"}
_STR = {"split"}


def read_dataset(path: str | Path) -> dict[str, np.ndarray]:
    """Read a dataset written by [`dataset_to_csv`][] back into typed columns."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    cols = {}
    for j, name in enumerate(header):
        raw = [r[j] for r in body]
        if name in _INT:
            cols[name] = np.array(raw, dtype=np.int64)
        elif name in _BOOL:
            cols[name] = np.array(raw) == "1"
        elif name in _STR:
            cols[name] = np.array(raw)
        else:
            cols[name] = np.array(raw, dtype=float)
    return cols
