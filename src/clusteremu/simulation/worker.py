"""One task of a campaign, as any worker runs it: a batch of simulations, stored in the cache.

A task is one compiled batch: up to `campaign.batch_size` simulations, split into shards of
the fixed per-device shape (`device_batch_size`), padded by repeating the last row to fill
whole calls of `devices_per_call` shards (2, see
[`DEVICES_PER_CALL`][clusteremu.simulation.cache.DEVICES_PER_CALL]), each call sharded over that
many of the worker's devices. Every call therefore has one shape and one partitioning, so
the numbers never depend on how many devices a worker has. [`run_task`][] checks that the
worker's cache context (simulator code, settings, shape, backend) is the one the driver
planned with, simulates, and writes each result into the
[`SimulationCache`][clusteremu.simulation.cache.SimulationCache] (atomic, content-hashed: a
worker killed at any moment leaves whole entries or none). A rerun of a task, after a
worker died or by a second campaign at the same time, writes the same bytes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .cache import RESULT_FIELDS, SimulationCache
from .simulate import SimulationSettings, _compiled

__all__ = ["ContextMismatch", "SimulationTask", "run_task", "simulate_shards"]


class ContextMismatch(RuntimeError):
    """A worker would compute entries of another cache context than the driver planned."""


@dataclass(frozen=True)
class SimulationTask:
    """What a worker needs for one compiled batch (plain data: it travels to Dask workers).

    **Arguments:**

    - `settings`, `device_batch_size`: as in [`SimulationCache`][clusteremu.simulation.cache.SimulationCache].
    - `cache_root`: the cache folder, which the driver and every worker must share.
    - `context`: the cache context the driver planned with; the worker's must equal it.
    - `seeds`, `q0`, `a_au`: one entry per simulation.
    """

    settings: SimulationSettings
    device_batch_size: int
    cache_root: str
    context: dict[str, Any]
    seeds: tuple[int, ...]
    q0: tuple[float, ...]
    a_au: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.seeds)


def _call(settings: SimulationSettings, args: tuple[np.ndarray, ...], devices: list) -> Any:
    seeds, q0, a = args
    arrays = (jnp.asarray(seeds, jnp.uint32), jnp.asarray(q0, jnp.float64), jnp.asarray(a, jnp.float64))
    if len(devices) > 1:
        arrays = jax.device_put(arrays, NamedSharding(Mesh(np.array(devices), ("batch",)), PartitionSpec("batch")))
    else:
        arrays = jax.device_put(arrays, devices[0])
    return jax.tree_util.tree_map(np.asarray, _compiled(settings, False)(*arrays))


def simulate_shards(
    seeds: np.ndarray,
    q0: np.ndarray,
    a_au: np.ndarray,
    settings: SimulationSettings,
    device_batch_size: int,
    devices_per_call: int,
) -> list[dict[str, Any]]:
    """Simulate every (seed, Q0, a) in calls of `devices_per_call` shards of `device_batch_size`
    rows, each call sharded over that many devices (the last call padded to the full shape).

    **Returns:**

    One dict of [`RESULT_FIELDS`][clusteremu.simulation.cache.RESULT_FIELDS] per row, in order.
    """
    n, call = len(seeds), int(device_batch_size) * int(devices_per_call)
    devices = jax.devices()[:devices_per_call]
    if len(devices) < devices_per_call:
        raise ContextMismatch(f"calls are sharded over {devices_per_call} devices; this process has {len(devices)}")
    pad = np.concatenate([np.arange(n), np.full(-n % call, n - 1)])
    rows = tuple(np.asarray(v)[pad] for v in (seeds, q0, a_au))
    fields: dict[str, list[np.ndarray]] = {k: [] for k in RESULT_FIELDS}
    for first in range(0, len(pad), call):
        out = _call(settings, tuple(v[first : first + call] for v in rows), devices)
        s = out.summary
        values = {
            "f_bound": s.f_bound,
            "sigma_v_kms": s.sigma_v_kms,
            "r_h_au": s.r_h_au,
            "n_bound": s.n_bound,
            "few_bound": s.few_bound,
            "energy_error": out.energy_error,
            "energy_error_final": out.energy_error_final,
        }
        for name in RESULT_FIELDS:
            fields[name].append(np.asarray(values[name]))
    merged = {name: np.concatenate(parts)[:n] for name, parts in fields.items()}
    return [{name: merged[name][i].item() for name in RESULT_FIELDS} for i in range(n)]


def _differences(mine: dict[str, Any], planned: dict[str, Any]) -> list[str]:
    return [
        f"{name}: worker {mine.get(name)!r}, driver {planned.get(name)!r}"
        for name in sorted(set(mine) | set(planned))
        if mine.get(name) != planned.get(name)
    ]


def run_task(task: SimulationTask) -> int:
    """Simulate one task and store every result in the cache; return how many were stored.

    Raises [`ContextMismatch`][] naming what differs when the worker's simulator code,
    JAX backend or versions are not the driver's (its entries would land elsewhere).
    """
    cache = SimulationCache(task.cache_root, task.settings, task.device_batch_size)
    if cache.context != task.context:
        diff = _differences(cache.context, task.context)
        raise ContextMismatch(
            "this worker computes other numbers than the driver planned for ("
            + "; ".join(diff)
            + "): run the workers from the same checkout and environment as the driver"
        )
    results = simulate_shards(
        np.asarray(task.seeds),
        np.asarray(task.q0),
        np.asarray(task.a_au),
        task.settings,
        task.device_batch_size,
        cache.context["backend"]["devices_per_call"],
    )
    for seed, q0, a, result in zip(task.seeds, task.q0, task.a_au, results, strict=True):
        cache.put(seed, q0, a, result)
    return len(results)
