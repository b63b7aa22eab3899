"""The confirmation: every likelihood, above all the recommended one, judged once on fresh simulations.

Reads:  the profile config (`--config`, sections `inference` and `confirmation`), the
        confirmation set (`--confirmation-sims`, from `17_confirmation_sims.py`), the
        development set (`--development-sims`: the model check's null), the
        likelihood comparison (`--inference`: which likelihood the coverage study chose) and
        the models (`--model`, `--learned`, `--gp`, `--flow`).
Writes: the model check's null (`--check`, JSON, `clusteremu.evaluation.check_calibration.CheckCalibration`),
        the confirmation (`--results`, JSON, `clusteremu.evaluation.confirmation.ConfirmationStudy`)
        and its table (`--table`, Markdown).

First the model check of the recommended likelihood is calibrated on the development set
(simulations no model was fitted to or chosen on; never the confirmation set).

Exact grid posteriors of every usable confirmation simulation under every likelihood;
coverage with Wilson intervals and the smallest detectable under-coverage, coverage by Q0
quarter, and the Holm decision over every calibration test (`clusteremu.evaluation.confirmation`);
then the recommended likelihood once more with the profile's measurement errors added to the
observations (seeded by the confirmation seed) and to the likelihood.
"""

import numpy as np

from clusteremu.config import load_config
from clusteremu.datasets.splits import usable_rows
from clusteremu.datasets.table import OUTPUT_NAMES, read_dataset
from clusteremu.emulators.flow import load_flow
from clusteremu.emulators.gp import GPEmulator
from clusteremu.emulators.learned_noise import load_learned
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.evaluation.check_calibration import calibrate_check
from clusteremu.evaluation.confirmation import confirmation_study
from clusteremu.evaluation.reports import LikelihoodComparison, StudyError
from clusteremu.inference.family import likelihood_family
from clusteremu.paper.confirmation_table import confirmation_table
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("inference", "confirmation")
INPUTS = {
    "confirmation_sims": ("{data}/confirmation_sims.csv", "confirmation dataset (CSV)"),
    "development_sims": ("{data}/development_sims.csv", "development dataset (CSV)"),
    "inference": ("{data}/inference.json", "likelihood comparison (JSON): the recommended likelihood"),
    "model": ("{data}/emulator.eqx", "mean emulator file"),
    "learned": ("{data}/learned.eqx", "learned-noise emulator file"),
    "gp": ("{data}/gp.eqx", "Gaussian-process file"),
    "flow": ("{data}/flow.eqx", "conditional flow file"),
}
OUTPUTS = {
    "check": ("{data}/model_check.json", "the model check's null (JSON)"),
    "results": ("{data}/confirmation.json", "the confirmation (JSON)"),
    "table": ("{data}/tables/confirmation.md", "confirmation table (Markdown)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    inf, cfg = config["inference"], config["confirmation"]
    em, learned, flow = Emulator.load(args.model), load_learned(args.learned), load_flow(args.flow)
    gp = GPEmulator.load(args.gp)
    family = likelihood_family(em, learned, gp, flow)
    cols = read_dataset(args.confirmation_sims)
    chosen = LikelihoodComparison.load(args.inference).recommended
    sd = np.array([inf["measurement_sd"][k] for k in OUTPUT_NAMES])
    measured = likelihood_family(em, learned, gp, flow, sd)[chosen]
    development = usable_rows(read_dataset(args.development_sims))
    check = calibrate_check(family[chosen], chosen, development, n_grid=inf["grid_points"], seed=cfg["seed"])
    settings = {**cfg, "grid_points": inf["grid_points"], "measurement_sd": inf["measurement_sd"]}
    study = confirmation_study(
        family, measured, usable_rows(cols), int(len(cols["point"])), chosen, em.domain, settings, check.null_p
    )
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"confirmation": cfg["seed"]})
    run.write_json(args.check, check.to_jsonable())
    run.write_json(args.results, study.to_jsonable())
    run.write_text(args.table, confirmation_table(study))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS, errors=(StudyError,))
