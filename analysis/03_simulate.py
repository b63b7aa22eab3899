"""Run the simulation campaign: every (design point, realization) of the design.

Reads:  the profile config (`--config`, sections `simulation` and `campaign`), the design
        table (`--design`) and the simulation cache (`--cache`, shared by all studies).
Writes: the dataset (`--dataset`, CSV: inputs, seeds, summaries, energy errors, flags)
        and campaign statistics (`--summary`, JSON), with provenance records; new
        simulations are added to the cache as each batch finishes, so an interrupted
        run resumes and a rerun simulates nothing that is already there.
"""

from pathlib import Path

from clusteremu.config import load_config
from clusteremu.datasets.design import read_design
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main
from clusteremu.simulation.campaign import campaign_statistics, simulate_design

CONFIG_SECTIONS = ("simulation", "campaign")
INPUTS = {
    "design": ("{data}/design.csv", "design table from 01_design.py"),
    "cache": ("{cache}", "simulation cache folder"),
}
OUTPUTS = {
    "dataset": ("{data}/campaign.csv", "dataset (CSV)"),
    "summary": ("{data}/campaign_summary.json", "campaign statistics (JSON)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    design = read_design(Path(args.design).read_text())
    result = simulate_design(design, config, args.cache)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS))
    run.write_text(args.dataset, result.csv(), extra=result.counts)
    run.write_json(args.summary, campaign_statistics(result.columns, config["campaign"]["energy_error_max"]))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
