"""The misspecification study: the recommended likelihood on clusters that differ from the model.

Reads:  the profile config (`--config`, sections `simulation`, `inference` and
        `misspecification`), the misspecified clusters (`--misspecified-sims`), the
        confirmation (`--confirmation`: the same numbers on the model's own physics), the
        campaign's summary (`--campaign`: the energy errors of the model's own physics), the
        model check's null (`--check`), the likelihood comparison (`--inference`: which
        likelihood is recommended) and the models it needs (`--model`, `--learned`, `--gp`, `--flow`).
Writes: the study (`--results`, JSON, `clusteremu.evaluation.misspecification.MisspecificationStudy`)
        and its table (`--table`, Markdown).

For each variant: exact grid posteriors of every usable cluster, their coverage and bias, the
model check's flag rate and the coverage of the clusters it lets through, the tempered
posteriors' coverage, and how well the integrator kept each set's energy (with the coverage of
the clusters kept as well as the campaign's); the tempering exponent is chosen on one half of
the mass-spectrum and 1.5 T sets and reported on the other half.
"""

import json
from pathlib import Path

from clusteremu.config import load_config
from clusteremu.datasets.table import read_dataset
from clusteremu.evaluation.check_calibration import CheckCalibration
from clusteremu.evaluation.confirmation import ConfirmationStudy
from clusteremu.evaluation.misspecification import misspecification_study
from clusteremu.evaluation.reports import LikelihoodComparison, StudyError
from clusteremu.inference.family import load_likelihood, model_files
from clusteremu.paper.misspecification_table import misspecification_table
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("simulation", "inference", "misspecification")
INPUTS = {
    "misspecified_sims": ("{data}/misspecified_sims.csv", "misspecified clusters (CSV)"),
    "confirmation": ("{data}/confirmation.json", "the confirmation (JSON): the model's own physics"),
    "campaign": ("{data}/campaign_summary.json", "campaign summary (JSON): the model's own energy errors"),
    "check": ("{data}/model_check.json", "the model check's null (JSON)"),
    "inference": ("{data}/inference.json", "likelihood comparison (JSON): the recommended likelihood"),
    "model": ("{data}/emulator.eqx", "mean emulator file"),
    "learned": ("{data}/learned.eqx", "learned-noise emulator file"),
    "gp": ("{data}/gp.eqx", "Gaussian-process file"),
    "flow": ("{data}/flow.eqx", "conditional flow file"),
}
OUTPUTS = {
    "results": ("{data}/misspecification.json", "misspecification study (JSON)"),
    "table": ("{data}/tables/misspecification.md", "misspecification table (Markdown)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    recommended = LikelihoodComparison.load(args.inference).recommended
    like = load_likelihood(recommended, model_files(args))
    columns = read_dataset(args.misspecified_sims)
    null = CheckCalibration.load(args.check).null_p
    conf = ConfirmationStudy.load(args.confirmation)
    within = json.loads(Path(args.campaign).read_text())["energy_error_max"]
    study = misspecification_study(like, recommended, columns, conf, config, null, within)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"misspecification": study.seed})
    run.write_json(args.results, study.to_jsonable())
    run.write_text(args.table, misspecification_table(study))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS, errors=(StudyError,))
