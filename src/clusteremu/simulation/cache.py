"""The simulation cache: every simulation stored once, under a key of what determines it.

A simulation's result is a deterministic function of

- the simulator's own code: the modules `simulate.py` imports, transitively (found by
  [`clusteremu.repro.depscan`][]; an edit elsewhere in the library keeps the cache valid);
- its settings ([`SimulationSettings`][clusteremu.simulation.simulate.SimulationSettings]), seed, Q0 and a;
- the compiled call: its per-device batch shape and how many devices it is sharded over
  ([`DEVICES_PER_CALL`][]), and the JAX backend (platform, device kind) and versions: XLA
  may order a reduction differently for another shape, another partitioning or another
  device, and the chaotic N-body dynamics turn a last-bit difference into a different
  realization.

The worker's device count is deliberately *not* part of it: every call is sharded over
exactly [`DEVICES_PER_CALL`][] devices, whichever of its devices a worker has, and the
per-device shape is fixed by the profile ([`clusteremu.simulation.campaign.device_batch_size`][]).
Measured on CPU: the same call gives the same bits in a process with 2 or 4 devices, on 1
or 2 cores; a call sharded over 2 devices and the same shards run one at a time unsharded
differ in rare last bits (one value in 66 for the smoke profile), which is why the
partitioning is fixed too. So an entry written by a laptop, a Dask worker or a node of the
same backend is the same entry. A worker with a single device (one GPU) cannot shard; its
entries carry `devices_per_call: 1`, their own context. On CPU the platform is "cpu"
whatever the instruction set: XLA compiles for the host, so the workers of one cache should
be of one CPU type (see the README, "Running on a cluster").

Everything but (seed, Q0, a) is the cache's *context*; entries live in
`<root>/<context hash>/<key[:2]>/<key>.json`, next to a `context.json` that says what the
context is. Each entry holds its inputs, its outputs and a SHA-256 of both: an entry whose
hash or inputs do not match (a torn write, a manual edit) is reported as missing and
recomputed, never read. The cache only ever adds or replaces its own entries; emptying it
is `make clean-cache`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..repro.depscan import PACKAGE_DIR, module_closure
from ..repro.provenance import atomic_write_bytes
from .simulate import SimulationSettings

__all__ = [
    "DEVICES_PER_CALL",
    "RESULT_FIELDS",
    "SimulationCache",
    "backend_description",
    "entry_sha256",
    "simulator_code_sha256",
]

#: What one simulation yields, in the cache and in a dataset row.
RESULT_FIELDS = ("f_bound", "sigma_v_kms", "r_h_au", "n_bound", "few_bound", "energy_error", "energy_error_final")
_FORMAT = "clusteremu.simcache/2"
#: Devices every compiled call is sharded over (two: what the 2-core machine that produced
#: the profiles' numbers has always done, so those numbers stay the same).
DEVICES_PER_CALL = 2


@functools.cache
def simulator_code_sha256() -> str:
    """One hash over the source of `simulate.py` and every module it imports.

    Computed once per process (the code a process runs is the code it imported; a Dask
    worker would otherwise rescan the sources for every task)."""
    digest = hashlib.sha256()
    for path in module_closure(PACKAGE_DIR / "simulation" / "simulate.py", with_init=False):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def backend_description() -> dict[str, str]:
    """What of the running JAX decides the bits of a result: platform, device kind, versions,
    and the devices a call is sharded over (fewer than [`DEVICES_PER_CALL`][] only where the
    process has fewer)."""
    import jax
    import jaxlib

    devices = jax.devices()
    return {
        "platform": jax.default_backend(),
        "device_kind": devices[0].device_kind,
        "devices_per_call": min(DEVICES_PER_CALL, len(devices)),
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
    }


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def entry_sha256(inputs: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """The content hash an entry carries: SHA-256 of its canonical inputs and result."""
    return hashlib.sha256(_canonical({"inputs": inputs, "result": result})).hexdigest()


def _jsonable(value: Any) -> Any:
    """NaN (an undefined summary) becomes null: JSON has no NaN."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and math.isnan(value) else value


class SimulationCache:
    """Results of single simulations on disk, keyed by everything that determines them.

    **Arguments:**

    - `root`: the cache folder (shared by every study and profile; created on demand).
    - `settings`: the simulation settings of every entry this object reads and writes.
    - `device_batch_size`: simulations per device in one compiled call (the per-device shape).
    - `backend`: [`backend_description`][] of the JAX that computes the entries (defaults to
      the running one; a Dask driver passes its workers').
    """

    def __init__(
        self, root: str | Path, settings: SimulationSettings, device_batch_size: int, backend: Mapping | None = None
    ):
        self.root = Path(root)
        self.settings = settings
        self.device_batch_size = int(device_batch_size)
        self.context = {
            "format": _FORMAT,
            "simulator_code_sha256": simulator_code_sha256(),
            "settings": settings.as_dict(),
            "device_batch_size": self.device_batch_size,
            "backend": dict(backend) if backend is not None else backend_description(),
        }
        self.context_sha256 = hashlib.sha256(_canonical(self.context)).hexdigest()
        self.folder = self.root / self.context_sha256[:16]

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
            intact = entry["sha256"] == entry_sha256(body["inputs"], body["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if not intact or body["inputs"] != self._inputs(seed, q0, a_au) or set(body["result"]) != set(RESULT_FIELDS):
            return None
        return {k: math.nan if v is None else v for k, v in body["result"].items()}

    def put(self, seed: int, q0: float, a_au: float, result: Mapping[str, Any]) -> None:
        """Store one result atomically (a reader sees the old entry, the new one, or none)."""
        if not (self.folder / "context.json").exists():
            atomic_write_bytes(self.folder / "context.json", json.dumps(self.context, indent=2).encode() + b"\n")
        body = {"inputs": self._inputs(seed, q0, a_au), "result": {k: _jsonable(result[k]) for k in RESULT_FIELDS}}
        entry = {**body, "sha256": entry_sha256(body["inputs"], body["result"])}
        # No fsync: a torn entry fails its hash and is recomputed, so durability is not needed.
        atomic_write_bytes(self.path(seed, q0, a_au), _canonical(entry), durable=False)
