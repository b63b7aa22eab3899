"""Emulator latency and its speed-up over one simulation, measured in one run.

Prints the wall time of one emulator prediction with its uncertainties (what `clusteremu
predict` computes after loading; target <= 1 ms), of the bare ensemble forward pass for one
point and per point in a batch of 10^4, and of one simulation of the profile for
comparison (alone, and amortized in the campaign's batch).

Usage: python bench/bench_emulator.py [--profile paper]
"""

import argparse

import equinox as eqx
import numpy as np
from timing import best_of

from clusteremu.config import load_config
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.simulation.simulate import SimulationSettings, simulate_batch


def main(args):
    config = load_config(f"analysis/config/{args.profile}.yaml", sections=("simulation", "campaign"))
    em = Emulator.load(f"data/{args.profile}/emulator.eqx")
    forward = eqx.filter_jit(lambda x: em.members(x).mean(axis=0))
    one = np.array([[1.0, 120.0]])
    many = np.column_stack([np.random.default_rng(0).uniform(0.5, 1.5, 10_000), np.full(10_000, 120.0)])
    forward(one), forward(many), em.predict(one)  # compile each shape
    t_predict = best_of(lambda: em.predict(one).total_sd, 200)
    t_one = best_of(lambda: forward(one), 200)
    t_many = best_of(lambda: forward(many), 20) / len(many)
    settings = SimulationSettings.from_config(config)
    batch = config["campaign"]["batch_size"]
    seeds, q0, a = np.arange(batch), np.full(batch, 1.0), np.full(batch, 120.0)
    simulate_batch(seeds[:1], q0[:1], a[:1], settings), simulate_batch(seeds, q0, a, settings)  # compile
    t_sim = best_of(lambda: simulate_batch(seeds[:1], q0[:1], a[:1], settings), 3)
    t_sim_batch = best_of(lambda: simulate_batch(seeds, q0, a, settings), 3) / batch
    members = em.ensemble.layers[0].weight.shape[0]
    print(f"ensemble of {members} members, {settings.n_stars}-star simulation of {settings.n_steps} steps")
    print(f"  emulator, one point, prediction with sds: {t_predict * 1e6:9.1f} us   (target <= 1000 us)")
    print(f"  emulator, one point, forward pass only:   {t_one * 1e6:9.1f} us")
    print(f"  emulator, per point in a batch of 10^4:   {t_many * 1e6:9.3f} us")
    print(f"  simulation, one alone:                    {t_sim * 1e3:9.1f} ms")
    print(f"  simulation, per run in a batch of {batch}:      {t_sim_batch * 1e3:9.1f} ms")
    print(f"  speed-up, one prediction vs one simulation: {t_sim / t_predict:9.3g}x")
    print(f"  speed-up, batched vs batched:             {t_sim_batch / t_many:9.3g}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    main(parser.parse_args())
