"""Simulate the development set: clusters with (Q0, a) drawn from the prior, on which the flow is diagnosed.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `campaign` and
        `development`) and the simulation cache (`--cache`).
Writes: the development dataset (`--dataset`, CSV in the campaign's format, split
        "development"), with its provenance record.

These are the simulations of the study's first confirmation set (its seed), which found the
over-confidence of a for every likelihood. Having been read, they can no longer confirm
anything: they serve `19_flow_diagnosis.py`, which shows what caused it, and the reported
answer comes from a new confirmation set (`17_confirmation_sims.py`).
"""

from clusteremu.config import load_config
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import step_main
from clusteremu.simulation.prior_sets import simulate_prior_draws

CONFIG_SECTIONS = ("domain", "simulation", "campaign", "development")
INPUTS = {
    "cache": ("{cache}", "simulation cache folder"),
}
OUTPUTS = {
    "dataset": ("{data}/development_sims.csv", "development dataset (CSV)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    seed = config["development"]["seed"]
    result = simulate_prior_draws(
        config, n=config["development"]["n_sims"], seed=seed, split="development", cache=args.cache
    )
    run = Run(__file__, config, seeds={"development": seed})
    run.write_text(args.dataset, result.csv(), extra=result.counts)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
