"""Inference speed: one posterior, likelihood evaluations per second, and the simulator's cost.

Prints, measured in one run: the wall time of one NUTS posterior after compilation (the
profile's chains, warm-up and draws), the emulator likelihood's evaluations per second
(batched, as in the grid posterior), and what the same number of likelihood evaluations
would cost with direct simulation (one simulation per evaluation, batched throughput).

Usage: python bench/bench_inference.py [--profile paper]
"""

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

import clusteremu  # noqa: F401  (enables float64)
from clusteremu.config import load_config
from clusteremu.emulator import Emulator
from clusteremu.emulator_data import load_emulator_data
from clusteremu.inference import Likelihood, run_nuts
from clusteremu.simulate import SimulationSettings, simulate_batch


def main(args):
    config = load_config(f"analysis/config/{args.profile}.yaml")
    inf = config["inference"]
    em = Emulator.load(f"data/{args.profile}/emulator.eqx")
    val = load_emulator_data(f"data/{args.profile}/campaign.csv").validation
    like = Likelihood.of(em, "input")
    obs = val.y[0]
    kw = {"chains": inf["nuts_chains"], "warmup": inf["nuts_warmup"], "samples": inf["nuts_samples"]}
    run_nuts(like, obs, key=jax.random.key(0), **kw)  # compile
    times = []
    for seed in range(1, 4):
        t0 = time.perf_counter()
        run_nuts(like, val.y[seed], key=jax.random.key(seed), **kw)
        times.append(time.perf_counter() - t0)
    theta = jnp.asarray(np.column_stack([np.linspace(0.5, 1.5, 10_000), np.linspace(50, 200, 10_000)]))
    evaluate = jax.jit(lambda t, y: like.log_likelihood(y[None], like.forward(t)))
    evaluate(theta, jnp.asarray(obs)).block_until_ready()
    t0 = time.perf_counter()
    for _ in range(5):
        evaluate(theta, jnp.asarray(obs)).block_until_ready()
    per_eval = (time.perf_counter() - t0) / (5 * len(theta))
    settings = SimulationSettings.from_config(config)
    b = config["campaign"]["batch_size"]
    simulate_batch(np.arange(b), np.ones(b), np.full(b, 120.0), settings)
    t0 = time.perf_counter()
    simulate_batch(np.arange(b), np.ones(b), np.full(b, 120.0), settings)
    per_sim = (time.perf_counter() - t0) / b
    draws = inf["nuts_chains"] * (inf["nuts_warmup"] + inf["nuts_samples"])
    print(f"NUTS posterior ({inf['nuts_chains']} chains x {inf['nuts_warmup']}+{inf['nuts_samples']}), after compile: "
          f"median {np.median(times):.2f} s (target <= 3 s)")  # fmt: skip
    print(f"emulator likelihood, batched:       {1 / per_eval:.3g} evaluations/s")
    print(f"simulator, batched:                 {1 / per_sim:.3g} simulations/s")
    print(f"speed-up per likelihood evaluation: {per_sim / per_eval:.3g}x")
    print(f"one NUTS posterior needs >= {draws} gradient evaluations (more with tree depth);")
    print(f"  by direct simulation (one per evaluation) that is >= {draws * per_sim / 3600:.1f} h")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    main(parser.parse_args())
