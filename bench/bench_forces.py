"""The simulator against N: pair interactions per second and the ratio to REBOUND, in one run.

Prints, in pair interactions per second, N (N - 1) x steps / wall time:

1. **the kernels against N**: the kick-drift-kick loop alone (`timing.leapfrog_call`) with
   the dense kernel, the tiled kernel with its own tile (`tile_size(N)`) and with each of
   `--tiles`, best of 3 each, in batches of the profile's size over two devices, at the N
   of `--sweep`: which kernel is faster, and which tile keeps the rate (`BLOCK_PAIRS`);
2. **the simulator against REBOUND** for N in `--sizes`: ours, whole simulations
   (`simulate_batch`: initial conditions, the leapfrog with the kernel
   `force_kernel(N)` chooses, energy checks, summaries) in compiled batches of the
   profile's size sharded over two devices, as the campaign runs them; the leapfrog loop
   alone with the same kernel; and REBOUND's leapfrog, one simulation on one thread, same
   N, softening and timestep. Where N runs the dense kernel (the profiles' N), also the
   leapfrog with the tiled kernel, which the profiles do not use: it would change their
   realizations. The calls run in turn, `--repeats` rounds, so that other work on the
   machine slows them alike; each row prints the median rate of each, the median and
   range of the per-round ratio to REBOUND, the kernel and tile `force_kernel(N)` and
   `tile_size(N)` choose, and the load average.

Ours runs `--pairs` pair interactions per measurement (steps falling with N), but at
least `--min-steps` steps: a simulation's fixed costs (initial conditions, energy checks
in float64, the bound-star summaries; about 30 force evaluations' worth at N = 2000)
would otherwise weigh as they never do in a real run of thousands of steps. REBOUND runs
the same steps, or fewer where they would exceed `--rebound-pairs` (at large N; its cost
per step has no fixed part worth the name): the ratio is per pair interaction.

Usage: python bench/bench_forces.py [--profile paper] [--sizes 50 100 ...] [--tiles 32 64 128 256]
"""

import argparse
import statistics

import jax
from timing import best_of, interleaved, leapfrog_call, load, ours_call, pairs, rebound_call, with_steps

from clusteremu.config import load_config
from clusteremu.simulation.forces import (
    BLOCK_PAIRS,
    DENSE_N,
    accelerations,
    dense_accelerations,
    force_kernel,
    tile_size,
    tiled_accelerations,
)
from clusteremu.simulation.simulate import SimulationSettings


def kernels_against_n(base, batch, args):
    print(f"1. the leapfrog loop alone, pairs/s, best of 3 ({load()}):")
    for n in args.sweep:
        s = with_steps(base, n_stars=n, n_steps=max(10, int(args.pairs / (batch * n * n))))
        kernels = {"dense": dense_accelerations, f"tiled ({tile_size(n)})": tiled_accelerations}
        kernels |= {f"tile {t}": _tiled(t) for t in args.tiles if t < n}
        rates = {k: pairs(n, s.n_steps, batch) / best_of(leapfrog_call(f, s, batch), 3) for k, f in kernels.items()}
        cells = ", ".join(f"{k} {r:.3g}" for k, r in rates.items())
        print(f"   N = {n:4d} ({s.n_steps} steps): {cells}  ({load()})", flush=True)


def simulator_against_rebound(base, batch, args):
    print(
        f"2. ours (whole simulations, batch {batch}, 2 devices) and the leapfrog alone against REBOUND "
        f"(1 thread), {args.repeats} rounds in turn; pairs/s, median; ratio ours/REBOUND median (min - max).\n"
        f"   REBOUND runs fewer steps than ours where they would exceed {args.rebound_pairs:.3g} pairs (column "
        "'REB st'): the ratio is per pair interaction; tile: stars per block of the tiled kernel (- for dense)"
    )
    print(
        f"{'N':>6} {'kernel':>7} {'tile':>4} {'steps':>6} {'REB st':>6} "
        f"{'ours':>9} {'leapfrog':>9} {'REBOUND':>9}  ratio"
    )
    for n in args.sizes:
        s = with_steps(base, n_stars=n, n_steps=max(args.min_steps, int(args.pairs / (batch * n * n))))
        r = with_steps(base, n_stars=n, n_steps=min(s.n_steps, max(10, int(args.rebound_pairs / (n * n)))))
        calls = {"ours": ours_call(s, batch), "leapfrog": leapfrog_call(accelerations, s, batch)}
        if force_kernel(n) == "dense":
            calls["tiled"] = leapfrog_call(tiled_accelerations, s, batch)
        times = interleaved(calls | {"REBOUND": rebound_call(r)}, args.repeats)
        rate = {k: [pairs(n, s.n_steps, batch) / t for t in v] for k, v in times.items() if k != "REBOUND"}
        rate["REBOUND"] = [pairs(n, r.n_steps) / t for t in times["REBOUND"]]
        med = {k: statistics.median(v) for k, v in rate.items()}
        tile = tile_size(n) if force_kernel(n) == "tiled" else "-"
        print(
            f"{n:6d} {force_kernel(n):>7} {tile:>4} {s.n_steps:6d} {r.n_steps:6d} "
            f"{med['ours']:9.3g} {med['leapfrog']:9.3g} {med['REBOUND']:9.3g}  "
            f"{_ratio(rate['ours'], rate['REBOUND'])}  ({load()})",
            flush=True,
        )
        if "tiled" in rate:
            print(
                f"{'':6} {'tiled':>7} {tile_size(n):>4} {'':6} {'':6} {'':9} {med['tiled']:9.3g} {'':9}  "
                f"{_ratio(rate['tiled'], rate['REBOUND'])} (leapfrog; not used at this N)"
            )


def _ratio(ours, theirs):
    ratio = [o / b for o, b in zip(ours, theirs, strict=True)]
    return f"{statistics.median(ratio):.2f} ({min(ratio):.2f} - {max(ratio):.2f})"


def main(args):
    config = load_config(f"analysis/config/{args.profile}.yaml", sections=("simulation", "campaign"))
    base, batch = SimulationSettings.from_config(config), config["campaign"]["batch_size"]
    print(
        f"force in {base.force_precision}; the dense kernel for N = 2 and {min(DENSE_N - {2})}..{max(DENSE_N)}, "
        f"the tiled one (blocks of <= {BLOCK_PAIRS} pairs) for every other N; devices {jax.devices()}"
    )
    if args.sweep:
        kernels_against_n(base, batch, args)
    if args.sizes:
        simulator_against_rebound(base, batch, args)


def _tiled(tile):
    return lambda p, m, e, f: tiled_accelerations(p, m, e, f, tile)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--sizes", type=int, nargs="*", default=[50, 100, 200, 400, 1000, 2000], help="N of part 2")
    parser.add_argument("--sweep", type=int, nargs="*", default=[50, 100, 200, 400, 1000, 2000], help="N of part 1")
    parser.add_argument("--tiles", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--pairs", type=float, default=1.5e9, help="pair interactions per measurement of ours")
    parser.add_argument("--min-steps", type=int, default=200, help="fewest steps of ours per measurement")
    parser.add_argument("--rebound-pairs", type=float, default=3e8, help="most pair interactions per REBOUND run")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of part 2")
    main(parser.parse_args())
