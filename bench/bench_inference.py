"""Inference speed: one posterior by NUTS and on the grid, and what simulation would cost.

Prints, measured in one run on the profile's models: for each likelihood named (by default
the mean ensemble's input-dependent one and the paper profile's recommended flow with
selection), the wall time of one NUTS posterior after compilation (the profile's chains,
warm-up and draws; median and range over several observations of the validation split) and
of one exact grid posterior; then, for the mean ensemble, the emulator
likelihood's evaluations per second (batched, as in the grid posterior), and what the same
number of likelihood evaluations would cost by direct simulation (one simulation per
evaluation, batched throughput of the simulator).

Each likelihood's NUTS runs are also timed as the inference study runs them, as many at
once as the machine has cores: the throughput against one at a time.

With `--one-thread` the process runs JAX on one XLA worker thread, as `clusteremu infer
--method nuts` does (`clusteremu.inference.threads.start_one_thread`).

Usage: python bench/bench_inference.py [--profile paper] [--repeats 9] [--likelihoods input,flow+selection]
                                       [--one-thread]
"""

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

import jax
import jax.numpy as jnp
import numpy as np
from timing import best_of, median_range, timed, timed_call

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.inference.family import MODEL_FILES, load_likelihood
from clusteremu.inference.gaussian import Likelihood
from clusteremu.inference.grid import grid_posterior
from clusteremu.inference.sampling import nuts_settings, run_nuts
from clusteremu.inference.threads import concurrent_runs, start_one_thread
from clusteremu.simulation.simulate import SimulationSettings, simulate_batch


def posterior_times(
    like, obs, sampler: dict, grid_points: int, repeats: int
) -> tuple[float, list[float], float, float]:
    """Seconds of the compiling NUTS run, of `repeats` NUTS runs after it, of the same runs
    [`concurrent_runs`][] at a time (all of them, as the inference study runs them), and of
    a grid posterior."""
    keys = jax.random.split(jax.random.key(0), repeats + 1)

    def nuts(i):
        return run_nuts(like, obs[i], key=keys[i], **sampler).draws

    def all_at_once():
        with ThreadPoolExecutor(concurrent_runs()) as pool:
            return list(pool.map(nuts, runs))

    compile_s = timed(lambda: nuts(0))
    runs = range(1, repeats + 1)
    draws, in_turn = zip(*(timed_call(lambda i=i: nuts(i)) for i in runs), strict=True)
    together, at_once = timed_call(all_at_once)
    if not all(np.array_equal(a, b) for a, b in zip(draws, together, strict=True)):
        sys.exit("error: the runs made at once differ from those made in turn")
    grid_posterior(like, obs[:1], n_grid=grid_points)
    grid = best_of(lambda: grid_posterior(like, obs[:1], n_grid=grid_points).density, 3)
    return compile_s, in_turn, at_once, grid


def main(args):
    if args.one_thread and not start_one_thread():  # before any array exists
        sys.exit("error: --one-thread needs a system with a CPU-affinity call (Linux)")
    config = load_config(f"analysis/config/{args.profile}.yaml", sections=("inference", "simulation", "campaign"))
    inf = config["inference"]
    em = Emulator.load(f"data/{args.profile}/emulator.eqx")
    obs = load_emulator_data(f"data/{args.profile}/campaign.csv").validation.y
    files = {role: f"data/{args.profile}/{name}" for role, name in MODEL_FILES.items()}
    kw = nuts_settings(inf)
    print(
        f"NUTS posterior ({inf['nuts_chains']} chains x {inf['nuts_warmup']} + {inf['nuts_samples']}, continued up "
        f"to {inf['nuts_extensions']} times while a diagnostic misses) after compilation, {args.repeats} "
        f"observations, median (min - max), target <= 2 s; grid posterior "
        f"({inf['grid_points']} x {inf['grid_points']}), one observation, best of 3:"
    )
    for name in args.likelihoods.split(","):
        compile_s, nuts, at_once, grid = posterior_times(
            load_likelihood(name, files), obs, kw, inf["grid_points"], args.repeats
        )
        print(f"  {name:16s} NUTS {median_range(nuts)} s (compiling run {compile_s:.1f} s), grid {grid:.3f} s")
        print(
            f"  {'':16s} the same {args.repeats} runs {concurrent_runs()} at a time: {at_once / args.repeats:.2f} s "
            f"per posterior, {sum(nuts) / at_once:.2f}x the throughput of one at a time"
        )
    if args.one_thread:  # batched work is slower on one thread: measured in the default process only
        return
    like = Likelihood.of(em, "input")
    theta = jnp.asarray(np.column_stack([np.linspace(0.5, 1.5, 10_000), np.linspace(50, 200, 10_000)]))
    evaluate = jax.jit(lambda t, y: like.log_prob(y[None], like.prepare(t)))
    evaluate(theta, jnp.asarray(obs[0]))
    per_eval = best_of(lambda: evaluate(theta, jnp.asarray(obs[0])), 5) / len(theta)
    settings = SimulationSettings.from_config(config)
    b = config["campaign"]["batch_size"]
    simulate_batch(np.arange(b), np.ones(b), np.full(b, 120.0), settings)
    per_sim = best_of(lambda: simulate_batch(np.arange(b), np.ones(b), np.full(b, 120.0), settings), 2) / b
    evals = inf["nuts_chains"] * (inf["nuts_warmup"] + inf["nuts_samples"])
    print(f"emulator likelihood, batched:       {1 / per_eval:.3g} evaluations/s")
    print(f"simulator, batched:                 {1 / per_sim:.3g} simulations/s")
    print(f"speed-up per likelihood evaluation: {per_sim / per_eval:.3g}x")
    print(f"one NUTS posterior needs >= {evals} gradient evaluations (more with tree depth);")
    print(f"  by direct simulation (one per evaluation) that is >= {evals * per_sim / 3600:.2f} h")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--repeats", type=int, default=9, help="observations sampled after the compiling one")
    parser.add_argument("--likelihoods", default="input,flow+selection", help="comma-separated likelihood names")
    parser.add_argument(
        "--one-thread", action="store_true", help="one XLA worker thread, as `clusteremu infer --method nuts` runs"
    )
    main(parser.parse_args())
