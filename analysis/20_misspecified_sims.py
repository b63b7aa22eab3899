"""Simulate clusters that differ from the model in one way each: a mass spectrum, binaries, another age.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `campaign` and
        `misspecification`) and the simulation cache (`--cache`).
Writes: the misspecified dataset (`--dataset`, CSV in the campaign's format, the variant in
        the `split` column; sigma_v as observed with unresolved binaries for that variant),
        with its provenance record.

Each variant of `clusteremu.simulation.misspecified` changes one ingredient of the profile's
physics; its (Q0, a) are drawn from the prior with a seed of its own.
"""

from clusteremu.config import load_config
from clusteremu.datasets.table import dataset_to_csv
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import step_main
from clusteremu.simulation.misspecified import simulate_misspecified

CONFIG_SECTIONS = ("domain", "simulation", "campaign", "misspecification")
INPUTS = {
    "cache": ("{cache}", "simulation cache folder"),
}
OUTPUTS = {
    "dataset": ("{data}/misspecified_sims.csv", "misspecified clusters (CSV)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    columns = simulate_misspecified(config, args.cache)
    run = Run(__file__, config, seeds={"misspecification": config["misspecification"]["seed"]})
    run.write_text(args.dataset, dataset_to_csv(columns))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
