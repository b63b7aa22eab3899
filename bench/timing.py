"""Helpers shared by the bench scripts: timings, the machine's load, and the simulators' timed calls.

- `timed_call`, `timed`, `best_of`, `median_range`, `load`: a call's result and wall time,
  its wall time alone, the shortest of repeats, 'median (min - max)', and the load average
  to print with every table;
- `with_steps`, `ours_call`, `rebound_call`, `leapfrog_call`: the calls the simulator
  benches time (whole simulations, REBOUND's integration, the leapfrog loop alone with a
  given force kernel), each compiled or set up before it is returned;
- `interleaved`: repeats of several calls in turn, so that a busy machine slows all alike.
"""

import os
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from clusteremu.simulation.rebound import rebound_leapfrog
from clusteremu.simulation.simulate import SimulationSettings, simulate_batch
from clusteremu.simulation.validation import cluster_state


def timed_call(fn) -> tuple[object, float]:
    """`fn()`'s result, ready (any JAX arrays in it computed), and its wall time (s)."""
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn())
    return out, time.perf_counter() - t0


def timed(fn) -> float:
    """Wall time (s) of `fn()`, waiting for any JAX result it returns."""
    return timed_call(fn)[1]


def best_of(fn, repeats: int) -> float:
    """The shortest of `repeats` timings: the least disturbed by the rest of the machine."""
    return min(timed(fn) for _ in range(repeats))


def median_range(values) -> str:
    """'median (min - max)' of `values`, to 3 significant digits."""
    return f"{statistics.median(values):.3g} ({min(values):.3g} - {max(values):.3g})"


def load() -> str:
    """The 1-minute load average against the cores: other work on the machine slows every timing."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def interleaved(calls: dict, repeats: int) -> dict[str, list[float]]:
    """Wall times of each of `calls` (name -> function), `repeats` rounds of one call each in turn."""
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            times[name].append(timed(fn))
    return times


def pairs(n: int, steps: int, runs: int = 1) -> int:
    """Pair interactions of `runs` simulations of `n` stars over `steps` steps: runs x steps x n (n - 1)."""
    return runs * steps * n * (n - 1)


def with_steps(settings: SimulationSettings, **overrides) -> SimulationSettings:
    """`settings` with `overrides`; a new `n_steps` keeps the timestep and checks the energy once."""
    s = {**settings.as_dict(), **overrides}
    if "n_steps" in overrides:
        s.update(n_energy_checks=1, t_end_yr=settings.dt_yr * overrides["n_steps"])
    return SimulationSettings(**s)


def ours_call(settings: SimulationSettings, batch: int):
    """Whole simulations (initial conditions, leapfrog, energy checks, summaries) of `batch`
    clusters in one compiled call sharded over the devices, as `simulate_batch` runs them."""
    seeds, q0, a = np.arange(batch), np.full(batch, 1.0), np.full(batch, 100.0)
    simulate_batch(seeds, q0, a, settings)  # compile
    return lambda: simulate_batch(seeds, q0, a, settings)


def rebound_call(settings: SimulationSettings):
    """REBOUND's leapfrog integration alone of one cluster of `settings` (set up beforehand)."""
    masses, pos, vel, eps = cluster_state(1.0, 100.0, settings, seed=0)
    return lambda: rebound_leapfrog(masses, pos, vel, eps, settings.dt_yr, settings.n_steps)


def leapfrog_call(kernel, settings: SimulationSettings, batch: int):
    """The kick-drift-kick loop alone over `settings.n_steps` with `kernel(pos, masses, eps, dtype)`,
    jitted and vmapped over `batch` random clusters, sharded over two devices where there are."""
    n, dt, steps = settings.n_stars, settings.dt_yr, settings.n_steps

    def run(x, v):
        m = jnp.ones(n)
        eps = settings.softening_over_a * 100.0

        def step(_, state):
            x, v, a = state
            v = v + 0.5 * dt * a
            x = x + dt * v
            a = kernel(x, m, eps, settings.force_precision)
            return x, v + 0.5 * dt * a, a

        return lax.fori_loop(0, steps, step, (x, v, kernel(x, m, eps, settings.force_precision)))[0]

    f = jax.jit(jax.vmap(run))
    key_x, key_v = jax.random.split(jax.random.key(0))
    args = (jax.random.normal(key_x, (batch, 3, n)) * 100, jax.random.normal(key_v, (batch, 3, n)) * 0.1)
    devices = jax.devices()[:2]
    if len(devices) > 1 and batch % len(devices) == 0:
        args = jax.device_put(args, NamedSharding(Mesh(np.array(devices), ("batch",)), PartitionSpec("batch")))
    jax.block_until_ready(f(*args))  # compile
    return lambda: f(*args)
