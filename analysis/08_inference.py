"""Inference: every likelihood's posteriors against the truth, and the one to recommend.

Reads:  the profile config (`--config`, section `inference`), the campaign dataset
        (`--dataset`, test split: a secondary coverage check), the coverage set
        (`--coverage-sims`), the mean emulator (`--model`), the learned-noise emulator with
        its selection model (`--learned`), the Gaussian process (`--gp`) and the flow
        (`--flow`).
Writes: the likelihood comparison (`--results`, JSON,
        `clusteremu.evaluation.study.LikelihoodComparison`), the comparison table of the
        likelihoods (`--table`, Markdown) and the draws and grid densities of three
        representative posteriors of the recommended likelihood (`--posteriors`, NPZ).

The study itself is `clusteremu.evaluation.study.compare_likelihoods`: grid posteriors,
calibration and the recommendation for every likelihood, NUTS against the grid, and the
recommended study repeated with measurement noise.
"""

import numpy as np

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data, usable_rows
from clusteremu.datasets.table import OUTPUT_NAMES, read_dataset
from clusteremu.emulators.flow import load_flow
from clusteremu.emulators.gp import GPEmulator
from clusteremu.emulators.learned_noise import load_learned
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.evaluation.study import compare_likelihoods
from clusteremu.inference.family import likelihood_family
from clusteremu.paper.likelihood_table import likelihood_table
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("inference",)
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
    "coverage_sims": ("{data}/coverage_sims.csv", "coverage dataset from 07_coverage_sims.py"),
    "model": ("{data}/emulator.eqx", "mean emulator file"),
    "learned": ("{data}/learned.eqx", "learned-noise emulator file"),
    "gp": ("{data}/gp.eqx", "Gaussian-process file"),
    "flow": ("{data}/flow.eqx", "conditional flow file"),
}
OUTPUTS = {
    "results": ("{data}/inference.json", "numbers (JSON)"),
    "table": ("{data}/tables/likelihoods.md", "comparison table (Markdown)"),
    "posteriors": ("{data}/posteriors.npz", "example posteriors (NPZ)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    cfg = config["inference"]
    em, learned, gp, flow = (
        Emulator.load(args.model),
        load_learned(args.learned),
        GPEmulator.load(args.gp),
        load_flow(args.flow),
    )
    obs_sd = np.array([cfg["measurement_sd"][k] for k in OUTPUT_NAMES])
    cols = read_dataset(args.coverage_sims)
    family, measured = likelihood_family(em, learned, gp, flow), likelihood_family(em, learned, gp, flow, obs_sd)
    test = load_emulator_data(args.dataset).test
    result, draws, timings = compare_likelihoods(
        family, measured, usable_rows(cols), test, em.domain, cfg, n_coverage_total=int(len(cols["point"]))
    )
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"inference": cfg["seed"]})
    run.write_json(args.results, result.to_jsonable(), extra=timings)  # wall times are volatile: record only
    run.write_text(args.table, likelihood_table(result))
    run.write_arrays(args.posteriors, draws)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
