"""The flow's diagnosis: what made single flows' posteriors of a over-confident, and what the mixture changes.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `flow`, `inference`
        (the grid) and `development`), the campaign dataset (`--dataset`: a flow refitted to the raw bound
        fraction), the development set (`--development-sims`), the flow mixture (`--flow`)
        and the learned-noise emulator's selection model (`--learned`).
Writes: the diagnosis, with slices of the mixture through the domain (`--results`, JSON,
        `clusteremu.evaluation.flow_diagnosis.FlowDiagnosis`) and its table (`--table`, Markdown).

On the development set (the retired first confirmation set): each member of the mixture
alone, the mixtures of its first k members and a single flow fitted to k / N without
dequantization, with the factor P(usable), by coverage, standardized-error sd and the log
posterior density at the truth; the members' disagreement in units of the posterior sd;
and the lattice contrast of the raw and of the dequantized density.
"""

import dataclasses

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data, usable_rows
from clusteremu.datasets.table import OUTPUT_NAMES, read_dataset
from clusteremu.emulators.flow import load_flow
from clusteremu.emulators.flow_fit import FlowSettings, fit_flow
from clusteremu.emulators.learned_noise import load_learned
from clusteremu.evaluation.flow_diagnosis import diagnose
from clusteremu.paper.diagnosis_table import diagnosis_table
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("domain", "simulation", "flow", "inference", "development")
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
    "development_sims": ("{data}/development_sims.csv", "development dataset (CSV)"),
    "flow": ("{data}/flow.eqx", "flow mixture file"),
    "learned": ("{data}/learned.eqx", "learned-noise emulator file (its selection model)"),
}
OUTPUTS = {
    "results": ("{data}/diagnosis.json", "the flow's diagnosis (JSON)"),
    "table": ("{data}/tables/diagnosis.md", "diagnosis table (Markdown)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    flow, data = load_flow(args.flow), load_emulator_data(args.dataset)
    clean = dict.fromkeys(OUTPUT_NAMES, 0.0)
    settings = FlowSettings.from_config(config)
    raw_settings = dataclasses.replace(settings, members=1, measurement_sd_max=clean, dequantize=False)
    t, v = data.train, data.validation
    fit = dict(n_stars=config["simulation"]["n_stars"], settings=raw_settings, domain=flow.domain)
    raw, _ = fit_flow(t.x, t.y, v.x, v.y, **fit)
    held = usable_rows(read_dataset(args.development_sims))
    grid = config["inference"]["grid_points"]
    selection = load_learned(args.learned).selection
    result = diagnose(flow, raw, selection, held, t, grid_points=grid, seed=settings.seed)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"flow": settings.seed})
    run.write_json(args.results, result.to_jsonable())
    run.write_text(args.table, diagnosis_table(result))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
