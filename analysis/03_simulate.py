"""Run the simulation campaign: every (design point, realization) of the design.

Reads:  the profile config (`--config`, sections `simulation` and `campaign`), the design
        table (`--design`) and the simulation cache (`--cache`, shared by all studies).
Writes: the dataset (`--dataset`, CSV: inputs, seeds, summaries, energy errors, flags)
        and campaign statistics (`--summary`, JSON), with provenance records; new
        simulations are added to the cache as each batch finishes, so an interrupted
        run resumes and a rerun simulates nothing that is already there.
"""

import argparse
import sys
from pathlib import Path

from clusteremu.config import ConfigError, load_config
from clusteremu.datasets.design import read_design
from clusteremu.repro.provenance import Run
from clusteremu.simulation.campaign import campaign_statistics, simulate_design

CONFIG_SECTIONS = ("simulation", "campaign")


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    design = read_design(Path(args.design).read_text())
    result = simulate_design(design, config, args.cache)
    run = Run(__file__, config, inputs=[args.design])
    run.write_text(args.dataset, result.csv(), extra=result.counts)
    run.write_json(args.summary, campaign_statistics(result.columns, config["campaign"]["energy_error_max"]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--design", required=True, help="design table from 01_design.py")
    parser.add_argument("--cache", required=True, help="simulation cache folder")
    parser.add_argument("--dataset", required=True, help="output dataset (CSV)")
    parser.add_argument("--summary", required=True, help="output campaign statistics (JSON)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
