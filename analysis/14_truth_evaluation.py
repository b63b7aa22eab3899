"""Judge every emulator against the truth set, and check that its predictions are physical.

Reads:  the profile config (`--config`, section `truth`, whose seed drives the flow's
        samples), the truth set (`--truth`), the mean emulator (`--model`), the
        learned-noise emulator (`--learned`), the Gaussian process (`--gp`) and the flow
        (`--flow`, whose mean and intervals are estimated from samples).
Writes: per model, |emulated mean - truth mean| / sigma_sim at the truth points with the
        value a perfect emulator would score, the coverage of single realizations by the
        68% and 95% predictive intervals, and the range of every prediction on a dense grid
        over the domain and 10% beyond it (`--results`, JSON), and the table of it
        (`--table`, Markdown).
"""

import numpy as np

from clusteremu.config import load_config
from clusteremu.datasets.splits import usable_rows
from clusteremu.datasets.table import read_dataset
from clusteremu.emulators.flow import load_flow
from clusteremu.emulators.gp import GPEmulator
from clusteremu.emulators.learned_noise import load_learned
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.evaluation.truth import gaussian_intervals, physical_range, sampled_predictions, truth_evaluation
from clusteremu.paper.tables import truth_table
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("truth",)
INPUTS = {
    "truth": ("{data}/truth_sims.csv", "truth-set dataset (CSV)"),
    "model": ("{data}/emulator.eqx", "mean emulator file"),
    "learned": ("{data}/learned.eqx", "learned-noise emulator file"),
    "gp": ("{data}/gp.eqx", "Gaussian-process file"),
    "flow": ("{data}/flow.eqx", "conditional flow file"),
}
OUTPUTS = {
    "results": ("{data}/truth.json", "results (JSON)"),
    "table": ("{data}/tables/truth.md", "table (Markdown)"),
}
FLOW_SAMPLES = 2000  # the flow's mean and intervals come from this many samples per point
RANGE_SAMPLES = 100  # ... and on the dense grid of the range check
CHUNK = 64


def predictors(args, seed, samples=FLOW_SAMPLES):
    em, learned, flow = Emulator.load(args.model), load_learned(args.learned), load_flow(args.flow)
    gp = GPEmulator.load(args.gp)

    def mean_emulator(x):
        p = em.predict(x)
        return gaussian_intervals(p.mean, p.total_sd)

    def learned_emulator(x):
        return vars(learned.predict(x))

    def gaussian_process(x):
        mean, var = gp.predict(x)
        return gaussian_intervals(np.asarray(mean), np.sqrt(np.asarray(var)))

    def flow_samples(x):
        return sampled_predictions(flow, x, seed=seed, samples=samples, chunk=CHUNK)

    return {"mean": mean_emulator, "learned": learned_emulator, "gp": gaussian_process, "flow": flow_samples}, em.domain


def dense_grid(box, n=60, pad=0.1):
    span = box.high - box.low
    axes = [np.linspace(lo - pad * s, hi + pad * s, n) for lo, hi, s in zip(box.low, box.high, span, strict=True)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    cols = read_dataset(args.truth)
    truth = usable_rows(cols)
    models, box = predictors(args, config["truth"]["seed"])
    x = truth.point_statistics().x
    results = truth_evaluation(truth, {name: predict(x) for name, predict in models.items()})
    # The flow's samples are physical by construction; a few per point show its range.
    ranged, _ = predictors(args, config["truth"]["seed"], samples=RANGE_SAMPLES)
    grid = dense_grid(box)
    results["physical_range"] = physical_range({name: predict(grid) for name, predict in ranged.items()})
    results["n_unusable"] = int(len(cols["point"]) - len(truth.y))
    run = Run(
        __file__,
        config,
        inputs=declared_inputs(args, INPUTS),
        seeds={"flow_samples": config["truth"]["seed"]},
    )
    run.write_json(args.results, results)
    run.write_text(args.table, truth_table(results))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
