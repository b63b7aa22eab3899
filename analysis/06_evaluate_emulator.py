"""Evaluate the emulator and the baselines on the held-out test split, once.

Reads:  the campaign dataset (`--dataset`), the emulator (`--model`) and the baseline
        predictions (`--baselines`); no config section.
Writes: every metric and the curves of the evaluation figures (`--results`, JSON) and the
        generated comparison tables (`--tables`, Markdown files for the manuscript).

This is the only step that reads test-split outcomes; nothing it computes feeds back
into a choice (architecture, stopping, calibration and baselines were fixed on validation).
"""

import json
from pathlib import Path

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.evaluation.accuracy import evaluate
from clusteremu.paper.tables import accuracy_table, uncertainty_table
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ()
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
    "model": ("{data}/emulator.eqx", "emulator file"),
    "baselines": ("{data}/baselines.json", "baseline predictions (JSON)"),
}
OUTPUTS = {
    "results": ("{data}/evaluation.json", "metrics and evaluation curves (JSON)"),
    "tables": ("{data}/tables", "folder of generated tables (Markdown)", ("accuracy.md", "uncertainty.md")),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    baselines = json.loads(Path(args.baselines).read_text())
    results = evaluate(Emulator.load(args.model), load_emulator_data(args.dataset), baselines)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS))
    run.write_json(args.results, results)
    run.write_text(Path(args.tables) / "accuracy.md", accuracy_table(results["accuracy"]))
    run.write_text(Path(args.tables) / "uncertainty.md", uncertainty_table(results["probabilistic"]))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
