"""Simulate the held-out coverage set: clusters with (Q0, a) drawn from the prior.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `campaign` and
        `inference`) and the simulation cache (`--cache`).
Writes: the coverage dataset (`--dataset`, CSV in the campaign's format, split
        "coverage"), with its provenance record.

Simulation-based calibration needs true parameters drawn from the prior the inference
uses (uniform over the training domain, [`ParameterBox`][]), so these are fresh
simulations, never used to train, tune or calibrate anything.
"""

from clusteremu.config import load_config
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import step_main
from clusteremu.simulation.prior_sets import simulate_prior_draws

CONFIG_SECTIONS = ("domain", "simulation", "campaign", "inference")
INPUTS = {
    "cache": ("{cache}", "simulation cache folder"),
}
OUTPUTS = {
    "dataset": ("{data}/coverage_sims.csv", "coverage dataset (CSV)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    seed = config["inference"]["seed"]
    result = simulate_prior_draws(
        config, n=config["inference"]["n_coverage_sims"], seed=seed, split="coverage", cache=args.cache
    )
    run = Run(__file__, config, seeds={"inference": seed})
    run.write_text(args.dataset, result.csv(), extra=result.counts)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
