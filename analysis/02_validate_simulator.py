"""Validate the N-body simulator against analytic results, conservation laws and REBOUND.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `validation`).
Writes: every validation number and curve (`--results`, JSON) with its provenance record;
        `figures/validation_energy.py` and `figures/validation_ics.py` draw them.
"""

import argparse
import sys

from clusteremu.config import ConfigError, load_config
from clusteremu.prior import ParameterBox
from clusteremu.repro.provenance import Run
from clusteremu.simulation.simulate import SimulationSettings
from clusteremu.simulation.validation import validation_report

CONFIG_SECTIONS = ("domain", "simulation", "validation")


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    seed = config["validation"]["seed"]
    report = validation_report(SimulationSettings.from_config(config), ParameterBox.from_domain(config["domain"]), seed)
    Run(__file__, config, seeds={"validation": seed}).write_json(args.results, report)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--results", required=True, help="output validation numbers and curves (JSON)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
