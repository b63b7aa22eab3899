"""Learning curve: how many simulations the flow needs, with the fitting noise of one flow as error bars.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `flow`,
        `inference` (the grid of its posteriors) and `learning_curve`), the campaign
        (`--dataset`), the truth set (`--truth`) and the selection (coverage) set
        (`--coverage-sims`).
Writes: for nested subsets of the training design points and several replicates each, one
        flow refitted on each, its accuracy on the truth set, and the coverage,
        standardized-error sd, contraction and log score of its posteriors (with the selection
        factor) on the selection set (`--out`, JSON).
"""

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data, usable_rows
from clusteremu.datasets.table import read_dataset
from clusteremu.evaluation.learning_curve import learning_curve
from clusteremu.evaluation.truth import truth_evaluation
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("domain", "simulation", "flow", "inference", "learning_curve")
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
    "truth": ("{data}/truth_sims.csv", "truth-set dataset (CSV)"),
    "coverage_sims": ("{data}/coverage_sims.csv", "coverage dataset (CSV)"),
}
OUTPUTS = {
    "out": ("{data}/learning_curve.json", "learning curve (JSON)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    truth = usable_rows(read_dataset(args.truth))
    held = usable_rows(read_dataset(args.coverage_sims))
    rows = learning_curve(load_emulator_data(args.dataset), truth, held, config)
    run = Run(
        __file__,
        config,
        inputs=declared_inputs(args, INPUTS),
        seeds={"learning_curve": config["learning_curve"]["seed"]},
    )
    perfect = truth_evaluation(truth, {})["perfect"]
    run.write_json(args.out, {"rows": rows, "perfect": perfect, "n_coverage": len(held.y)})


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
