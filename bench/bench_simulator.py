"""Simulator throughput against single-threaded REBOUND, measured in one run.

Prints, in pair interactions per second, N (N - 1) x steps / wall time:

1. ours against REBOUND, **interleaved** (ours, REBOUND, ours, REBOUND, ...) so both see the
   same machine state, and the median ratio with its range. Ours: whole simulations of the
   profile (initial conditions, every leapfrog step, energy checks, summaries), one
   compiled batch of the profile's size on all cores. REBOUND: the integration alone of
   the same N, softening, timestep and step count, one simulation on one thread (initial
   conditions loaded beforehand, outside the timing);
2. throughput against the batch size (ours), so the crossover where a GPU pays can be
   read off (against N: `bench/bench_forces.py`);
3. the force-kernel levers, on the same batch: the previous float64 kernel (masked
   diagonal), the float64 kernel with an infinite diagonal, and the float32 force from
   float64 separations that the campaign uses.

Usage: python bench/bench_simulator.py [--profile paper] [--repeats 7]
"""

import argparse

import jax
import jax.numpy as jnp
import numpy as np
from timing import best_of, interleaved, leapfrog_call, load, median_range, ours_call, pairs, rebound_call, with_steps

from clusteremu.config import load_config
from clusteremu.simulation.forces import dense_accelerations
from clusteremu.simulation.simulate import SimulationSettings
from clusteremu.units import G


def masked_float64(pos, masses, softening, force_dtype):
    """The kernel before the infinite diagonal: float64 with the diagonal masked by `where`."""
    x, y, z = pos
    off = ~jnp.eye(x.shape[0], dtype=bool)
    dx, dy, dz = (c[None, :] - c[:, None] for c in (x, y, z))
    r2 = jnp.where(off, dx * dx + dy * dy + dz * dz + softening * softening, 1.0)
    w = jnp.where(off, (G * masses)[None, :] / (r2 * jnp.sqrt(r2)), 0.0)
    return pos @ w.T - pos * jnp.sum(w, axis=1)[None, :]


def main(args):
    config = load_config(f"analysis/config/{args.profile}.yaml", sections=("simulation", "campaign"))
    settings = SimulationSettings.from_config(config)
    batch, n = config["campaign"]["batch_size"], settings.n_stars
    print(
        f"N = {n}, {settings.n_steps} steps, batch {batch}, force in {settings.force_precision}, "
        f"devices {jax.devices()}"
    )
    times = interleaved({"ours": ours_call(settings, batch), "REBOUND": rebound_call(settings)}, args.repeats)
    ours = [pairs(n, settings.n_steps, batch) / t for t in times["ours"]]
    theirs = [pairs(n, settings.n_steps) / t for t in times["REBOUND"]]
    ratios = [o / r for o, r in zip(ours, theirs, strict=True)]
    print(
        f"1. whole simulations, {args.repeats} interleaved repeats, pair interactions/s, median (min - max), {load()}:"
    )
    print(f"   ours (batch {batch}, jit, all cores): {median_range(ours)}")
    print(f"   REBOUND leapfrog, 1 thread:        {median_range(theirs)}")
    print(f"   ratio ours / REBOUND:              {median_range(ratios)}   (target >= 5)")
    one = 1e3 * pairs(n, settings.n_steps) / np.median(ours)
    print(f"   one simulation of the profile: {one:.1f} ms of batched throughput")
    print(f"2. against the batch size (N as profiled, 2000 steps), pairs/s ({load()}):")
    s = with_steps(settings, n_steps=2000)
    for b in (1, 4, 8, 12, 16, 32):
        print(f"   batch {b:3d}: {pairs(n, 2000, b) / best_of(ours_call(s, b), 2):.3g}")
    print(f"3. force kernel alone (same batch, 1000 steps), pairs/s ({load()}):")
    s = with_steps(settings, n_steps=1000)
    levers = {
        "float64, masked diagonal (before)": masked_float64,
        "float64, infinite diagonal": lambda p, m, e, f: dense_accelerations(p, m, e, "float64"),
        "float32 from float64 separations (used)": lambda p, m, e, f: dense_accelerations(p, m, e, "float32"),
    }
    for name, kernel in levers.items():
        print(f"   {name:42s} {pairs(n, 1000, batch) / best_of(leapfrog_call(kernel, s, batch), 3):.3g}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats of each code (>= 5)")
    main(parser.parse_args())
