"""Evaluate the emulator and the baselines on the held-out test split, once.

Reads:  the campaign dataset (`--dataset`), the emulator (`--model`) and the baseline
        predictions (`--baselines`); no config section.
Writes: every metric and the curves of the evaluation figures (`--results`, JSON) and the
        generated comparison tables (`--tables`, Markdown files for the manuscript).

This is the only step that reads test-split outcomes; nothing it computes feeds back
into a choice (architecture, stopping, calibration and baselines were fixed on validation).
"""

import argparse
import json
import sys
from pathlib import Path

from clusteremu.config import ConfigError, load_config
from clusteremu.datasets.splits import load_emulator_data
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.evaluation.accuracy import evaluate
from clusteremu.paper.tables import accuracy_table, uncertainty_table
from clusteremu.repro.provenance import Run

CONFIG_SECTIONS = ()


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    baselines = json.loads(Path(args.baselines).read_text())
    results = evaluate(Emulator.load(args.model), load_emulator_data(args.dataset), baselines)
    run = Run(__file__, config, inputs=[args.dataset, args.model, args.baselines])
    run.write_json(args.results, results)
    run.write_text(Path(args.tables) / "accuracy.md", accuracy_table(results["accuracy"]))
    run.write_text(Path(args.tables) / "uncertainty.md", uncertainty_table(results["probabilistic"]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--dataset", required=True, help="campaign dataset (CSV)")
    parser.add_argument("--model", required=True, help="emulator file")
    parser.add_argument("--baselines", required=True, help="baseline predictions (JSON)")
    parser.add_argument("--results", required=True, help="output metrics and evaluation curves (JSON)")
    parser.add_argument("--tables", required=True, help="output folder of generated tables (Markdown)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
