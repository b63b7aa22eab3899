"""Simulate the truth set: interior points with many realizations, for evaluation only.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `campaign`,
        `truth`) and the simulation cache (`--cache`).
Writes: the truth-set dataset (`--dataset`, CSV in the campaign's format, split "truth").

Nothing is trained, tuned or calibrated on these simulations: with many realizations per
point, their mean is the simulator's mean to within its own small sampling error, the
truth the emulators' means are judged against.
"""

from clusteremu.config import load_config
from clusteremu.datasets.design import truth_design
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import step_main
from clusteremu.simulation.campaign import simulate_design

CONFIG_SECTIONS = ("domain", "simulation", "campaign", "truth")
INPUTS = {
    "cache": ("{cache}", "simulation cache folder"),
}
OUTPUTS = {
    "dataset": ("{data}/truth_sims.csv", "truth-set dataset (CSV)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    result = simulate_design(truth_design(config), config, args.cache)
    run = Run(__file__, config, seeds={"truth": config["truth"]["seed"]})
    run.write_text(args.dataset, result.csv(), extra=result.counts)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
