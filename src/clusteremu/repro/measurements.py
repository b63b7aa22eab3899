"""Measured wall times, kept like simulations: one stored measurement per code, inputs and machine.

A wall time is the one result that a rerun cannot reproduce: measured again, the paper's
costs section, and so its PDF, would change with the machine's load. The costs step
(`analysis/80_costs.py`) therefore keeps what it measured in the simulation cache's folder,
under a key of everything that decides it:

- the step's deterministic provenance (its script and the library modules it imports, the
  config sections it reads, the SHA-256 of every input file, its seeds; not the commit);
- the machine: CPU model, cores, JAX backend, device kind and count, JAX's versions.

A rerun with the same key (after `make clean`, or in a fresh clone that imported the cache
with `make cache-import`) reuses the measurement, so it prints the same paper; an edit to
the code or to a model it times, or another machine, measures again. With
`CLUSTEREMU_REMEASURE=1` in the environment the step measures again regardless and the new
measurement replaces the stored one. The result keeps the time it was measured
(`measured_utc`), so a reused measurement says when it was taken.

Entries live in `<cache>/measurements/<key[:2]>/<key>.json` as canonical JSON
`{"inputs", "result", "sha256"}`, the key being the hash of the inputs and `sha256` that of
inputs and result: an entry that fails either check is treated as absent and measured
again, and [`clusteremu.simulation.cache_archive`][] exports, verifies and imports them with
the simulations.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .provenance import atomic_write_bytes

__all__ = [
    "FOLDER",
    "MeasurementError",
    "MeasurementStore",
    "machine_description",
    "measurement_problem",
    "reuse_or_measure",
]

#: The subfolder of the simulation cache that holds measurements.
FOLDER = "measurements"
_FORMAT = "clusteremu.measurement/1"
REMEASURE_VARIABLE = "CLUSTEREMU_REMEASURE"


class MeasurementError(ValueError):
    """A request the store cannot take (a bad `CLUSTEREMU_REMEASURE`); the message names it."""


def machine_description() -> dict[str, Any]:
    """What of this machine decides a wall time: CPU model, cores this process may use,
    architecture, and the JAX that runs the timed code (backend, device kind and count,
    versions)."""
    import jax
    import jaxlib

    cpu = "unknown CPU"
    if Path("/proc/cpuinfo").exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "platform": platform.machine(),
        "jax_backend": jax.default_backend(),
        "jax_device_kind": jax.devices()[0].device_kind,
        "jax_devices": len(jax.devices()),
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
    }


def canonical_json(obj: Any) -> bytes:
    """The bytes a content hash is taken of: JSON with sorted keys and no spaces (the
    simulation cache's form)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _sha256(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def measurement_problem(key: str, data: bytes) -> str | None:
    """Why `data` is not an intact measurement stored under `key`, or `None`."""
    try:
        obj = json.loads(data)
        inputs, result = obj["inputs"], obj["result"]
        if obj["sha256"] != _sha256({"inputs": inputs, "result": result}):
            return "its content does not match its hash"
        if inputs.get("format") != _FORMAT or not isinstance(result, dict):
            return f"not a {_FORMAT} measurement"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "not a measurement"
    if _sha256(inputs) != key:
        return "its name is not the hash of its inputs"
    return None if data == canonical_json(obj) else "not in the cache's canonical form"


class MeasurementStore:
    """Measurements on disk under `<root>/measurements`, keyed by what decides them.

    **Arguments:**

    - `root`: the simulation cache folder (measurements travel with its archive).
    """

    def __init__(self, root: str | Path):
        self.folder = Path(root) / FOLDER

    @staticmethod
    def inputs(record: Mapping[str, Any], machine: Mapping[str, Any]) -> dict[str, Any]:
        """The key's inputs: a step's deterministic record without the commit (a commit that
        changes nothing the step runs or reads changes no wall time), and the machine."""
        return {"format": _FORMAT, "record": {k: v for k, v in record.items() if k != "git"}, "machine": dict(machine)}

    def path(self, inputs: Mapping[str, Any]) -> Path:
        key = _sha256(inputs)
        return self.folder / key[:2] / f"{key}.json"

    def get(self, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """The stored result for `inputs`, or `None` if absent or not intact."""
        path = self.path(inputs)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return None if measurement_problem(path.stem, data) else json.loads(data)["result"]

    def put(self, inputs: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        """Store `result` for `inputs` atomically (replacing any earlier measurement)."""
        body = {"inputs": dict(inputs), "result": dict(result)}
        atomic_write_bytes(self.path(inputs), canonical_json({**body, "sha256": _sha256(body)}), durable=False)


def reuse_or_measure(
    store: MeasurementStore,
    record: Mapping[str, Any],
    measure: Callable[[], Mapping[str, Any]],
    *,
    environ: Mapping[str, str] = os.environ,
) -> tuple[dict[str, Any], bool]:
    """The stored measurement for this step's `record` on this machine, or a new one.

    `measure()` runs only when none is stored (or `CLUSTEREMU_REMEASURE=1`); its result,
    with `measured_utc` added, is stored before it is returned.

    **Returns:**

    The measurement and whether it was reused.
    """
    inputs = store.inputs(record, machine_description())
    remeasure = environ.get(REMEASURE_VARIABLE, "").strip()
    if remeasure not in ("", "0", "1"):
        raise MeasurementError(f"{REMEASURE_VARIABLE}={remeasure!r} is not allowed; allowed: 1 (measure again) or 0")
    if remeasure != "1" and (stored := store.get(inputs)) is not None:
        return stored, True
    result = {**measure(), "measured_utc": datetime.now(UTC).isoformat(timespec="seconds")}
    store.put(inputs, result)
    return result, False
