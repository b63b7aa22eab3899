"""Simulator throughput against single-threaded REBOUND, measured in one run.

Prints, in pair interactions per second, N (N - 1) x steps / wall time:

1. ours against REBOUND, **interleaved** (ours, REBOUND, ours, REBOUND, ...) so both see the
   same machine state, and the median ratio with its range. Ours: whole simulations of the
   profile (initial conditions, every leapfrog step, energy checks, summaries), one
   compiled batch of the profile's size on all cores. REBOUND: the integration alone of
   the same N, softening, timestep and step count, one simulation on one thread (initial
   conditions loaded beforehand, outside the timing);
2. throughput against N (both codes) and against the batch size (ours), so the crossover
   where a GPU pays can be read off;
3. the force-kernel levers, on the same batch: the previous float64 kernel (masked
   diagonal), the float64 kernel with an infinite diagonal, and the float32 force from
   float64 separations that the campaign uses.

Usage: python bench/bench_simulator.py [--profile paper] [--repeats 7]
"""

import argparse

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from timing import best_of, median_range, timed

from clusteremu.config import load_config
from clusteremu.simulation.integrate import accelerations
from clusteremu.simulation.rebound import rebound_leapfrog
from clusteremu.simulation.simulate import SimulationSettings, simulate_batch
from clusteremu.simulation.validation import cluster_state
from clusteremu.units import G


def pairs(n, steps, runs=1):
    return runs * steps * n * (n - 1)


def with_steps(settings, **overrides):
    s = {**settings.as_dict(), **overrides}
    if "n_steps" in overrides:
        s.update(n_energy_checks=1, t_end_yr=settings.dt_yr * overrides["n_steps"])
    return SimulationSettings(**s)


def ours_call(settings, batch):
    seeds, q0, a = np.arange(batch), np.full(batch, 1.0), np.full(batch, 100.0)
    simulate_batch(seeds, q0, a, settings)  # compile
    return lambda: simulate_batch(seeds, q0, a, settings)


def rebound_call(settings):
    masses, pos, vel, eps = cluster_state(1.0, 100.0, settings, seed=0)
    return lambda: rebound_leapfrog(masses, pos, vel, eps, settings.dt_yr, settings.n_steps)


def interleaved(settings, batch, repeats):
    ours, theirs = ours_call(settings, batch), rebound_call(settings)
    rates = {"ours": [], "REBOUND": []}
    for _ in range(repeats):
        rates["ours"].append(pairs(settings.n_stars, settings.n_steps, batch) / timed(ours))
        rates["REBOUND"].append(pairs(settings.n_stars, settings.n_steps) / timed(theirs))
    return rates


def masked_float64(pos, masses, softening):
    """The kernel before this change: float64 with the diagonal masked by `where`."""
    x, y, z = pos
    off = ~jnp.eye(x.shape[0], dtype=bool)
    dx, dy, dz = (c[None, :] - c[:, None] for c in (x, y, z))
    r2 = jnp.where(off, dx * dx + dy * dy + dz * dz + softening * softening, 1.0)
    w = jnp.where(off, (G * masses)[None, :] / (r2 * jnp.sqrt(r2)), 0.0)
    return pos @ w.T - pos * jnp.sum(w, axis=1)[None, :]


def kernel_rate(kernel, n, batch, steps):
    def run(x):
        m = jnp.ones(n)
        return lax.fori_loop(0, steps, lambda _, p: p + 1e-6 * kernel(p, m, 5.0), x)

    f = jax.jit(jax.vmap(run))
    x = jax.random.normal(jax.random.key(0), (batch, 3, n)) * 100
    jax.block_until_ready(f(x))
    return pairs(n, steps, batch) / best_of(lambda: f(x), 3)


def main(args):
    config = load_config(f"analysis/config/{args.profile}.yaml", sections=("simulation", "campaign"))
    settings = SimulationSettings.from_config(config)
    batch, n = config["campaign"]["batch_size"], settings.n_stars
    print(
        f"N = {n}, {settings.n_steps} steps, batch {batch}, force in {settings.force_precision}, "
        f"devices {jax.devices()}"
    )
    rates = interleaved(settings, batch, args.repeats)
    ratios = [o / r for o, r in zip(rates["ours"], rates["REBOUND"], strict=True)]
    print(f"1. whole simulations, {args.repeats} interleaved repeats, pair interactions/s, median (min - max):")
    print(f"   ours (batch {batch}, jit, all cores): {median_range(rates['ours'])}")
    print(f"   REBOUND leapfrog, 1 thread:        {median_range(rates['REBOUND'])}")
    print(f"   ratio ours / REBOUND:              {median_range(ratios)}   (target >= 3)")
    print(
        f"   one simulation of the profile: {1e3 * pairs(n, settings.n_steps) / np.median(rates['ours']):.1f} ms "
        "of batched throughput"
    )
    print("2. against N (1000 steps; ours in batches of the profile's size), pairs/s:")
    for size in (50, 100, 200, 400):
        s = with_steps(settings, n_stars=size, n_steps=1000)
        ours = pairs(size, 1000, batch) / best_of(ours_call(s, batch), 2)
        reb = pairs(size, 1000) / best_of(rebound_call(s), 2)
        print(f"   N = {size:3d}: ours {ours:.3g}, REBOUND {reb:.3g}, ratio {ours / reb:.2f}")
    print("   against the batch size (N as profiled, 2000 steps):")
    s = with_steps(settings, n_steps=2000)
    for b in (1, 4, 8, 12, 16, 32):
        print(f"   batch {b:3d}: {pairs(n, 2000, b) / best_of(ours_call(s, b), 2):.3g}")
    print("3. force kernel alone (same batch, 1000 steps), pairs/s:")
    levers = {
        "float64, masked diagonal (before)": masked_float64,
        "float64, infinite diagonal": lambda p, m, e: accelerations(p, m, e, "float64"),
        "float32 from float64 separations (used)": lambda p, m, e: accelerations(p, m, e, "float32"),
    }
    for name, kernel in levers.items():
        print(f"   {name:42s} {kernel_rate(kernel, n, batch, 1000):.3g}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats of each code (>= 5)")
    main(parser.parse_args())
