"""Simulate the held-out coverage set: clusters with (Q0, a) drawn from the prior.

Reads:  the profile config (`--config`).
Writes: the coverage dataset (`--dataset`, CSV in the campaign's format, split
        "coverage"), with its provenance record. Finished batches are checkpointed in
        `--checkpoints` and the folder is removed at the end.

Simulation-based calibration needs true parameters drawn from the prior the inference
uses (uniform over the training domain), so these are fresh simulations, never used to
train, tune or calibrate anything.
"""

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

from clusteremu.campaign import dataset_to_csv, run_campaign
from clusteremu.config import ConfigError, load_config
from clusteremu.design import Design
from clusteremu.provenance import Run
from clusteremu.simulate import SimulationSettings


def prior_design(config) -> Design:
    dom, inf = config["domain"], config["inference"]
    n = inf["n_coverage_sims"]
    rng = np.random.default_rng(inf["seed"])
    q0 = rng.uniform(dom["q0_min"], dom["q0_max"], n)
    a = rng.uniform(dom["a_min_au"], dom["a_max_au"], n)
    seeds = rng.integers(0, 2**32, n, dtype=np.uint32).astype(np.int64)
    return Design(np.arange(n), np.zeros(n, int), q0, a, np.full(n, "coverage"), seeds)


def main(args):
    config = load_config(args.config)
    design = prior_design(config)
    cols = run_campaign(
        design,
        SimulationSettings.from_config(config),
        batch_size=config["campaign"]["batch_size"],
        energy_error_max=config["campaign"]["energy_error_max"],
        checkpoints=Path(args.checkpoints),
    )
    run = Run(__file__, config, seeds={"inference": config["inference"]["seed"]})
    run.write_text(args.dataset, dataset_to_csv(cols))
    shutil.rmtree(args.checkpoints, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--checkpoints", required=True, help="folder for finished batches (resume)")
    parser.add_argument("--dataset", required=True, help="output coverage dataset (CSV)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
