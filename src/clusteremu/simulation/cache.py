"""The simulation cache: every simulation stored once, under a key of what determines it.

A simulation's result is a deterministic function of

- the simulator's own code: the modules `simulate.py` imports, transitively (found by
  [`clusteremu.repro.depscan`][]; an edit elsewhere in the library keeps the cache valid);
- its settings ([`SimulationSettings`][clusteremu.simulation.simulate.SimulationSettings]), seed, Q0 and a;
- the compiled batch shape and the JAX backend and version: XLA may order a reduction
  differently for another batch size or device, and the chaotic N-body dynamics turn a
  last-bit difference into a different realization, so results are bit-reproducible only
  for the same compiled shape.

The first group except (seed, Q0, a) is the cache's *context*; entries live in
`<root>/<context hash>/<key[:2]>/<key>.json`, next to a `context.json` that says what the
context is. Each entry holds its inputs, its outputs and a SHA-256 of both: an entry whose
hash or inputs do not match (a torn write, a manual edit) is reported as missing and
recomputed, never read. The cache only ever adds or replaces its own entries; emptying it
is `make clean-cache`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..repro.depscan import PACKAGE_DIR, module_closure
from ..repro.provenance import atomic_write_bytes
from .simulate import SimulationSettings

__all__ = ["RESULT_FIELDS", "SimulationCache", "simulator_code_sha256"]

#: What one simulation yields, in the cache and in a dataset row.
RESULT_FIELDS = ("f_bound", "sigma_v_kms", "r_h_au", "n_bound", "few_bound", "energy_error", "energy_error_final")
_FORMAT = "clusteremu.simcache/1"


def simulator_code_sha256() -> str:
    """One hash over the source of `simulate.py` and every module it imports."""
    digest = hashlib.sha256()
    for path in module_closure(PACKAGE_DIR / "simulation" / "simulate.py", with_init=False):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _jsonable(value: Any) -> Any:
    """NaN (an undefined summary) becomes null: JSON has no NaN."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and math.isnan(value) else value


class SimulationCache:
    """Results of single simulations on disk, keyed by everything that determines them.

    **Arguments:**

    - `root`: the cache folder (shared by every study and profile; created on demand).
    - `settings`: the simulation settings of every entry this object reads and writes.
    - `batch_size`: simulations per compiled call (already rounded to the device count).
    - `backend`: JAX platform and versions (defaults to the running ones).
    """

    def __init__(self, root: str | Path, settings: SimulationSettings, batch_size: int, backend: Mapping | None = None):
        import jax
        import jaxlib

        self.settings = settings
        self.batch_size = int(batch_size)
        self.context = {
            "format": _FORMAT,
            "simulator_code_sha256": simulator_code_sha256(),
            "settings": settings.as_dict(),
            "batch_size": self.batch_size,
            "backend": dict(backend)
            if backend is not None
            else {
                "platform": jax.default_backend(),
                "jax": jax.__version__,
                "jaxlib": jaxlib.__version__,
                "devices": len(jax.devices()),
            },
        }
        self.context_sha256 = hashlib.sha256(_canonical(self.context)).hexdigest()
        self.folder = Path(root) / self.context_sha256[:16]

    def _inputs(self, seed: int, q0: float, a_au: float) -> dict[str, Any]:
        return {"context": self.context_sha256, "seed": int(seed), "q0": float(q0), "a_au": float(a_au)}

    def key(self, seed: int, q0: float, a_au: float) -> str:
        """The entry key of one simulation: a hash of the context, seed, Q0 and a (AU)."""
        return hashlib.sha256(_canonical(self._inputs(seed, q0, a_au))).hexdigest()

    def path(self, seed: int, q0: float, a_au: float) -> Path:
        key = self.key(seed, q0, a_au)
        return self.folder / key[:2] / f"{key}.json"

    def get(self, seed: int, q0: float, a_au: float) -> dict[str, Any] | None:
        """The stored result, or `None` if absent or not intact (then it must be recomputed)."""
        path = self.path(seed, q0, a_au)
        try:
            entry = json.loads(path.read_bytes())
            body = {"inputs": entry["inputs"], "result": entry["result"]}
            intact = entry["sha256"] == hashlib.sha256(_canonical(body)).hexdigest()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not intact or body["inputs"] != self._inputs(seed, q0, a_au) or set(body["result"]) != set(RESULT_FIELDS):
            return None
        return {k: math.nan if v is None else v for k, v in body["result"].items()}

    def put(self, seed: int, q0: float, a_au: float, result: Mapping[str, Any]) -> None:
        """Store one result atomically (a reader sees the old entry, the new one, or none)."""
        if not (self.folder / "context.json").exists():
            atomic_write_bytes(self.folder / "context.json", json.dumps(self.context, indent=2).encode() + b"\n")
        body = {"inputs": self._inputs(seed, q0, a_au), "result": {k: _jsonable(result[k]) for k in RESULT_FIELDS}}
        entry = {**body, "sha256": hashlib.sha256(_canonical(body)).hexdigest()}
        # No fsync: a torn entry fails its hash and is recomputed, so durability is not needed.
        atomic_write_bytes(self.path(seed, q0, a_au), _canonical(entry), durable=False)
