"""Measure what the study costs on this machine: simulations, emulator calls, posteriors.

Reads:  the profile config (`--config`, sections `simulation`, `campaign`, `inference`),
        the learned-noise emulator (`--learned`) and the inference results
        (`--inference`, for the recommended likelihood's models: `--model`, `--gp`, `--flow`).
        The simulation cache folder (`--cache`) keeps the measurement.
Writes: wall times, medians of repeated measurements after compilation, the times per
        posterior of every likelihood that the inference step measured (from its record), the
        machine they were measured on and when (`--out`, JSON). The artifact is *volatile*: its
        bytes are a measurement, so the audit lists it as such and a byte-for-byte rebuild
        reuses it. A rerun on the same kind of machine with the same code, config and inputs
        (after `make clean`, or in a fresh clone that imported the cache) reuses the stored
        measurement, so the paper stays the same; `CLUSTEREMU_REMEASURE=1` measures again
        (see `clusteremu.repro.measurements`). The machine's load average when the
        measurement began is kept with it and printed in the paper: other work on the cores
        slows every time measured, so a busy machine is warned about.
"""

import os
import statistics
import sys
import time

import jax
import numpy as np

from clusteremu.config import load_config
from clusteremu.emulators.learned_noise import load_learned
from clusteremu.evaluation.reports import LikelihoodComparison
from clusteremu.inference.family import load_likelihood, model_files
from clusteremu.inference.grid import grid_posterior
from clusteremu.inference.sampling import nuts_settings, run_nuts
from clusteremu.repro.measurements import MeasurementError, MeasurementStore, machine_description, reuse_or_measure
from clusteremu.repro.provenance import Run, load_record
from clusteremu.repro.steps import declared_inputs, step_main
from clusteremu.simulation.campaign import compiled_batch_size
from clusteremu.simulation.simulate import SimulationSettings, simulate_batch

CONFIG_SECTIONS = ("simulation", "campaign", "inference")
INPUTS = {
    "learned": ("{data}/learned.eqx", "learned-noise emulator file"),
    "inference": ("{data}/inference.json", "likelihood comparison (JSON)"),
    "model": ("{data}/emulator.eqx", "mean emulator file"),
    "gp": ("{data}/gp.eqx", "Gaussian-process file"),
    "flow": ("{data}/flow.eqx", "conditional flow file"),
    "cache": ("{cache}", "simulation cache folder (it keeps the measurement)"),
}
OUTPUTS = {
    "out": ("{data}/costs.json", "measured costs (JSON, volatile)"),
}
REPEATS = 5


def median_time(fn, repeats=REPEATS):
    fn()  # compile
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def study_timings(inference: str) -> dict:
    """Per likelihood, the median seconds of its NUTS runs in the inference step, after
    compilation, each timed while the step ran as many at once as the machine has cores
    (kept in the step's record, not its bytes), for those that had any."""
    times = load_record(inference)["extra"]
    names = [k.removeprefix("nuts_seconds_") for k in times if k.startswith("nuts_seconds_")]
    return {name: {"nuts": statistics.median(times[f"nuts_seconds_{name}"])} for name in names}


def simulation_costs(config) -> dict:
    """Seconds per simulation, in a compiled batch of the campaign's size and alone."""
    settings = SimulationSettings.from_config(config)
    batch = compiled_batch_size(config["campaign"]["batch_size"])
    seeds, q0, a = np.arange(batch), np.linspace(0.6, 1.4, batch), np.full(batch, 125.0)
    return {
        "simulation_seconds_batched": median_time(lambda: simulate_batch(seeds, q0, a, settings).summary.f_bound, 3)
        / batch,
        "simulation_seconds_alone": median_time(
            lambda: simulate_batch(seeds[:1], q0[:1], a[:1], settings).summary.f_bound, 3
        ),
        "batch_size": batch,
    }


def emulator_costs(learned, like, inf) -> dict:
    """Seconds per learned-noise prediction (one point, and per point of a batch), and per
    posterior of the recommended likelihood `like` on the grid and with NUTS."""
    one, many = np.array([[1.0, 125.0]]), np.column_stack([np.linspace(0.5, 1.5, 10_000), np.full(10_000, 125.0)])
    predict_one = median_time(lambda: learned.predict(one).mean, 50)
    predict_many = median_time(lambda: learned.predict(many).mean) / len(many)
    obs = learned.predict(one).mean
    grid = median_time(lambda: grid_posterior(like, obs, n_grid=inf["grid_points"]).density)
    keys = iter(jax.random.split(jax.random.key(inf["seed"]), REPEATS + 1))
    nuts = median_time(lambda: run_nuts(like, obs[0], key=next(keys), **nuts_settings(inf)).draws)
    return {
        "prediction_seconds_one": predict_one,
        "prediction_seconds_batched": predict_many,
        "posterior_seconds_grid": grid,
        "posterior_seconds_nuts": nuts,
    }


def train_seconds(files: dict) -> dict[str, float]:
    """The wall time (s) of each emulator's fit, from its model file's provenance record (None
    where the fitting step does not time it)."""
    return {role: load_record(path).get("extra", {}).get("train_seconds") for role, path in files.items()}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    inf = config["inference"]
    recommended = LikelihoodComparison.load(args.inference).recommended
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"inference": inf["seed"]})

    def measure() -> dict:
        models = model_files(args)
        load = os.getloadavg()[0]  # the last minute's: other work the times below would include
        if load > 0.5:
            print(
                f"costs: the machine is busy (load average {load:.1f}); the times measured will be slower than "
                "on a quiet machine: `CLUSTEREMU_REMEASURE=1 make data/<profile>/costs.json` there",
                file=sys.stderr,
            )
        return {
            "load_average": round(load, 2),
            "machine": machine_description(),
            "train_seconds": train_seconds(models),
            "posterior_seconds_by_likelihood": study_timings(args.inference),
            **simulation_costs(config),
            **emulator_costs(load_learned(args.learned), load_likelihood(recommended, models), inf),
            "likelihood": recommended,
        }

    out, reused = reuse_or_measure(MeasurementStore(args.cache), run.stable_record(), measure)
    print(f"costs: {'reused the measurement of ' + out['measured_utc'] if reused else 'measured'}")
    run.write_json(args.out, out, extra={"measurement_reused": reused}, volatile=True)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS, errors=(MeasurementError,))
