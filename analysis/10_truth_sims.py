"""Simulate the truth set: interior points with many realizations, for evaluation only.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `campaign`,
        `truth`) and the simulation cache (`--cache`).
Writes: the truth-set dataset (`--dataset`, CSV in the campaign's format, split "truth").

Nothing is trained, tuned or calibrated on these simulations: with many realizations per
point, their mean is the simulator's mean to within its own small sampling error, the
truth the emulators' means are judged against.
"""

import argparse
import sys

from clusteremu.config import ConfigError, load_config
from clusteremu.datasets.design import truth_design
from clusteremu.repro.provenance import Run
from clusteremu.simulation.campaign import simulate_design

CONFIG_SECTIONS = ("domain", "simulation", "campaign", "truth")


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    result = simulate_design(truth_design(config), config, args.cache)
    run = Run(__file__, config, seeds={"truth": config["truth"]["seed"]})
    run.write_text(args.dataset, result.csv(), extra=result.counts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--cache", required=True, help="simulation cache folder")
    parser.add_argument("--dataset", required=True, help="output truth-set dataset (CSV)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
