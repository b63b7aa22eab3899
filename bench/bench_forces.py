"""Force kernel against N: the production kernel and a tiled prototype, against REBOUND.

Prints pair interactions per second, N (N - 1) x steps / wall time, for N in
{50, 100, 200, 400, 1000, 2000}:

- **ours, whole simulation**: `simulate_batch` of the profile's settings at that N (initial
  conditions, the leapfrog, energy checks, summaries), one compiled batch of the profile's
  size sharded over two devices, as the campaign runs it;
- **leapfrog, current kernel**: the kick-drift-kick loop alone with
  `clusteremu.simulation.integrate.accelerations` (the production kernel, unchanged);
- **leapfrog, tiled prototype**: the same loop with `tiled_accelerations` below, which
  forms the N x N separations and weights one block of `tile` target stars at a time
  (`lax.map` over blocks), so each temporary is tile x N instead of N x N;
- **REBOUND**: its leapfrog, one simulation, one thread, same N, softening, timestep.

Each number is the best of 3 runs, measured interleaved per N so all see the same
machine state. The step count falls with N (`--pairs` per measurement, at least 10 steps)
and is the same for every code at one N: the ratio is per pair. The prototype sums the
force in another order than the production kernel, so it would change every chaotic
simulation (and every number of the paper): it lives here, measured, not in the library.

Usage: python bench/bench_forces.py [--profile paper] [--tiles 64 128 256 512]
"""

import argparse
import math

import jax
import jax.numpy as jnp
import numpy as np
from bench_simulator import ours_call, rebound_call, with_steps
from jax import lax
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from timing import best_of

from clusteremu.config import load_config
from clusteremu.simulation.integrate import accelerations
from clusteremu.simulation.simulate import SimulationSettings
from clusteremu.units import G

SIZES = (50, 100, 200, 400, 1000, 2000)


def tiled_accelerations(pos, masses, softening, force_dtype, tile):
    """The production kernel's arithmetic (float64 separations rounded to `force_dtype`,
    infinite diagonal, GEMM-form sum, momentum correction), one block of targets at a time."""
    pos = jnp.asarray(pos, jnp.float64)
    f, n = jnp.dtype(force_dtype), pos.shape[1]
    blocks = math.ceil(n / tile)
    padded = jnp.pad(pos, ((0, 0), (0, blocks * tile - n)), mode="edge")
    centred = (pos - jnp.mean(pos, axis=1, keepdims=True)).astype(f)
    centred_targets = jnp.pad(centred, ((0, 0), (0, blocks * tile - n)), mode="edge")
    mw = (G * jnp.asarray(masses, f))[None, :]
    eps2 = jnp.asarray(softening, f) ** 2
    cols = jnp.arange(n)

    def block(b):
        start = b * tile
        xi = lax.dynamic_slice(padded, (0, start), (3, tile))
        ci = lax.dynamic_slice(centred_targets, (0, start), (3, tile))
        d = [(pos[k][None, :] - xi[k][:, None]).astype(f) for k in range(3)]
        diagonal = jnp.where(cols[None, :] == (start + jnp.arange(tile))[:, None], jnp.inf, 0.0).astype(f)
        r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + (eps2 + diagonal)
        w = mw / (r2 * jnp.sqrt(r2))
        return centred @ w.T - ci * jnp.sum(w, axis=1)[None, :]

    acc = jnp.moveaxis(lax.map(block, jnp.arange(blocks)), 0, 1).reshape(3, blocks * tile)[:, :n]
    acc = acc.astype(jnp.float64)
    masses = jnp.asarray(masses, jnp.float64)
    return acc - (acc @ masses / jnp.sum(masses))[:, None]


def leapfrog_call(kernel, settings, batch, steps):
    """A jitted, vmapped KDK loop over `steps` with `kernel`, batch sharded over two devices."""
    n, dt = settings.n_stars, settings.dt_yr

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


def main(args):
    config = load_config(f"analysis/config/{args.profile}.yaml", sections=("simulation", "campaign"))
    base, batch = SimulationSettings.from_config(config), config["campaign"]["batch_size"]
    print(f"batch {batch}, force in {base.force_precision}, devices {jax.devices()}, REBOUND on 1 thread")
    x = jax.random.normal(jax.random.key(1), (3, 300)) * 100
    ref = accelerations(x, jnp.ones(300), 5.0, "float64")
    err = max(
        float(jnp.max(jnp.abs(tiled_accelerations(x, jnp.ones(300), 5.0, "float64", t) - ref))) for t in (64, 128)
    )
    print(
        f"tiled prototype against the production kernel, float64, N = 300: max |difference| / max |a| = "
        f"{err / float(jnp.max(jnp.abs(ref))):.1e} (another summation order)"
    )
    print("tile sweep (leapfrog, tiled prototype), pairs/s:")
    sweep = {}
    for n in args.sweep:
        steps = max(10, int(args.pairs / (batch * n * n)))
        s = with_steps(base, n_stars=n, n_steps=steps)
        per = batch * steps * n * (n - 1)
        rates = {t: per / best_of(leapfrog_call(_tiled(t), s, batch, steps), 3) for t in args.tiles}
        sweep[n] = rates
        print(f"   N = {n:4d} ({steps} steps): " + ", ".join(f"tile {t}: {r:.3g}" for t, r in rates.items()))
    # One tile for every N: the highest geometric mean over the sweep (no size dominates).
    score = {t: math.prod(rates[t] for rates in sweep.values()) ** (1 / len(sweep)) for t in args.tiles}
    tile = max(score, key=score.get)
    print(f"tile {tile} (geometric mean over the sweep: " + ", ".join(f"{t}: {s:.3g}" for t, s in score.items()) + ")")
    head = f"{'N':>5} {'steps':>6} {'ours sim':>9} {'lf cur':>9} {f'lf t{tile}':>9} {'REBOUND':>9}"
    print(head + "  ratio sim, lf current, lf tiled / REBOUND")
    for n in SIZES:
        steps = max(10, int(args.pairs / (batch * n * n)))
        s = with_steps(base, n_stars=n, n_steps=steps)
        per = n * (n - 1) * steps
        sim = batch * per / best_of(ours_call(s, batch), 3)
        cur = batch * per / best_of(leapfrog_call(accelerations, s, batch, steps), 3)
        til = batch * per / best_of(leapfrog_call(_tiled(tile), s, batch, steps), 3)
        reb = per / best_of(rebound_call(s), 3)
        print(
            f"{n:5d} {steps:6d} {sim:9.3g} {cur:9.3g} {til:9.3g} {reb:9.3g}  "
            f"{sim / reb:5.2f} {cur / reb:5.2f} {til / reb:5.2f}"
        )


def _tiled(tile):
    return lambda p, m, e, f: tiled_accelerations(p, m, e, f, tile)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--tiles", type=int, nargs="+", default=[64, 128, 256, 512])
    parser.add_argument("--sweep", type=int, nargs="+", default=[400, 1000, 2000], help="N of the tile sweep")
    parser.add_argument("--pairs", type=float, default=1.5e9, help="pair interactions per measurement (batch)")
    main(parser.parse_args())
