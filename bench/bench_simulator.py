"""Simulator throughput against single-threaded REBOUND, measured in one run.

Prints pair interactions per second, N (N - 1) x steps / wall time, of our batched,
jit-compiled leapfrog (all cores, batch size from the profile) and of REBOUND's leapfrog
with direct-summation gravity on one thread, for the same N, softening and step count,
and their ratio. Also times the kernel alternatives the integrator chose between.

Usage: python bench/bench_simulator.py [--profile paper] [--steps 2000] [--repeats 3]
"""

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import clusteremu  # noqa: F401  (enables float64)
from clusteremu.config import load_config
from clusteremu.integrate import accelerations
from clusteremu.simulate import SimulationSettings, simulate_batch
from clusteremu.units import G
from clusteremu.validation import cluster_state, rebound_leapfrog


def ours(settings, batch, steps, repeats):
    s = SimulationSettings(**{**settings.as_dict(), "n_steps": steps, "n_energy_checks": 1,
                              "t_end_yr": settings.dt_yr * steps})  # fmt: skip
    seeds, q0, a = np.arange(batch), np.full(batch, 1.0), np.full(batch, 100.0)
    simulate_batch(seeds, q0, a, s)  # compile
    best = min(_timed(lambda: simulate_batch(seeds, q0, a, s)) for _ in range(repeats))
    n = settings.n_stars
    return batch * steps * n * (n - 1) / best


def rebound(settings, steps, repeats):
    masses, pos, vel, eps = cluster_state(1.0, 100.0, settings, seed=0)
    best = min(_timed(lambda: rebound_leapfrog(masses, pos, vel, eps, settings.dt_yr, steps)) for _ in range(repeats))
    n = settings.n_stars
    return steps * n * (n - 1) / best


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def kernel_variants(n, batch, steps):
    """Pairs/s of the force kernel alone in three formulations (same batch, same steps)."""

    def rsqrt_components(pos, m, eps):
        dx, dy, dz = (pos[k][None, :] - pos[k][:, None] for k in range(3))
        inv = lax.rsqrt(dx * dx + dy * dy + dz * dz + eps * eps)
        w = (G * m)[None, :] * inv * inv * inv
        return jnp.stack([jnp.sum(w * dx, 1), jnp.sum(w * dy, 1), jnp.sum(w * dz, 1)])

    def broadcast_pow(pos, m, eps):
        d = pos.T[None, :, :] - pos.T[:, None, :]
        r2 = jnp.sum(d**2, -1) + eps**2
        return (G * jnp.sum(m[None, :, None] * d * (r2**-1.5)[..., None], 1)).T

    out = {}
    for name, fn in (("chosen (components, 1/(r2 sqrt r2), GEMM)", accelerations),
                     ("components + lax.rsqrt + sums", rsqrt_components),
                     ("(n,n,3) broadcast + r2**-1.5", broadcast_pow)):  # fmt: skip

        def run(x, fn=fn):
            m = jnp.ones(n)
            return lax.fori_loop(0, steps, lambda _, p: p + 1e-6 * fn(p, m, 5.0), x)

        f = jax.jit(jax.vmap(run))
        x = jax.random.normal(jax.random.key(0), (batch, 3, n)) * 100
        f(x).block_until_ready()
        best = min(_timed(lambda f=f, x=x: f(x).block_until_ready()) for _ in range(3))
        out[name] = batch * steps * n * (n - 1) / best
    return out


def main(args):
    config = load_config(f"analysis/config/{args.profile}.yaml")
    settings = SimulationSettings.from_config(config)
    batch = config["campaign"]["batch_size"]
    n = settings.n_stars
    print(f"N = {n}, {args.steps} steps, batch {batch}, devices {jax.devices()}")
    r_ours = ours(settings, batch, args.steps, args.repeats)
    r_reb = rebound(settings, args.steps, args.repeats)
    print(f"  ours (batched, jit, all cores):  {r_ours:.3g} pair interactions/s")
    print(f"  REBOUND leapfrog, 1 thread:      {r_reb:.3g} pair interactions/s")
    print(f"  ratio ours / REBOUND:            {r_ours / r_reb:.2f}  (target >= 2)")
    print(f"  one simulation of the profile ({settings.n_steps} steps): "
          f"{settings.n_steps * n * (n - 1) / r_ours * 1e3:.1f} ms of batched throughput")  # fmt: skip
    for b in (1, 4, 8, 16, 32):
        print(f"  batch {b:3d}: {ours(settings, b, args.steps // 4, 2):.3g} pairs/s")
    for name, rate in kernel_variants(n, batch, args.steps // 4).items():
        print(f"  kernel {name:45s} {rate:.3g} pairs/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    main(parser.parse_args())
