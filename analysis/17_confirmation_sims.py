"""Simulate the confirmation set: fresh clusters with (Q0, a) drawn from the prior, new seeds.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `campaign` and
        `confirmation`) and the simulation cache (`--cache`).
Writes: the confirmation dataset (`--dataset`, CSV in the campaign's format, split
        "confirmation"), with its provenance record.

The protocol's second held-out set: simulated with its own seed (the config refuses one
that another set uses), read only by `18_confirmation.py`, after the coverage study chose
the likelihood, and never used to train, tune, calibrate or choose anything.
"""

from clusteremu.config import load_config
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import step_main
from clusteremu.simulation.prior_sets import simulate_prior_draws

CONFIG_SECTIONS = ("domain", "simulation", "campaign", "confirmation")
INPUTS = {
    "cache": ("{cache}", "simulation cache folder"),
}
OUTPUTS = {
    "dataset": ("{data}/confirmation_sims.csv", "confirmation dataset (CSV)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    seed = config["confirmation"]["seed"]
    result = simulate_prior_draws(
        config, n=config["confirmation"]["n_sims"], seed=seed, split="confirmation", cache=args.cache
    )
    run = Run(__file__, config, seeds={"confirmation": seed})
    run.write_text(args.dataset, result.csv(), extra=result.counts)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
