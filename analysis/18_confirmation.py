"""The confirmation: every likelihood, above all the recommended one, judged once on fresh simulations.

Reads:  the profile config (`--config`, sections `inference` and `confirmation`), the
        confirmation set (`--confirmation-sims`, from `17_confirmation_sims.py`), the
        likelihood comparison (`--inference`: which likelihood the coverage study chose) and
        the models (`--model`, `--learned`, `--gp`, `--flow`).
Writes: the confirmation (`--results`, JSON, `clusteremu.evaluation.confirmation.ConfirmationStudy`)
        and its table (`--table`, Markdown).

Exact grid posteriors of every usable confirmation simulation under every likelihood;
coverage with Wilson intervals and the smallest detectable under-coverage, coverage by Q0
quarter, and the Holm decision over every calibration test (`clusteremu.evaluation.confirmation`).
"""

from clusteremu.config import load_config
from clusteremu.datasets.splits import usable_rows
from clusteremu.datasets.table import read_dataset
from clusteremu.emulators.flow import load_flow
from clusteremu.emulators.gp import GPEmulator
from clusteremu.emulators.learned_noise import load_learned
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.evaluation.confirmation import ConfirmationStudy, confirm
from clusteremu.evaluation.coverage import calibration_report
from clusteremu.evaluation.reports import LikelihoodComparison, StudyError
from clusteremu.inference.family import likelihood_family
from clusteremu.inference.grid import grid_posterior
from clusteremu.paper.confirmation_table import confirmation_table
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("inference", "confirmation")
INPUTS = {
    "confirmation_sims": ("{data}/confirmation_sims.csv", "confirmation dataset (CSV)"),
    "inference": ("{data}/inference.json", "likelihood comparison (JSON): the recommended likelihood"),
    "model": ("{data}/emulator.eqx", "mean emulator file"),
    "learned": ("{data}/learned.eqx", "learned-noise emulator file"),
    "gp": ("{data}/gp.eqx", "Gaussian-process file"),
    "flow": ("{data}/flow.eqx", "conditional flow file"),
}
OUTPUTS = {
    "results": ("{data}/confirmation.json", "the confirmation (JSON)"),
    "table": ("{data}/tables/confirmation.md", "confirmation table (Markdown)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    inf, cfg = config["inference"], config["confirmation"]
    em, learned = Emulator.load(args.model), load_learned(args.learned)
    family = likelihood_family(em, learned, GPEmulator.load(args.gp), load_flow(args.flow))
    cols = read_dataset(args.confirmation_sims)
    held, box = usable_rows(cols), em.domain
    edges, judged = box.quarter_edges("q0"), {}
    for name, like in family.items():
        report = calibration_report(
            grid_posterior(like, held.y, n_grid=inf["grid_points"]), held.x, box, seed=cfg["seed"]
        )
        judged[name] = confirm(report, held.x[:, 0], edges, alpha=cfg["alpha"], power=cfg["power"])
    chosen = LikelihoodComparison.load(args.inference).recommended
    study = ConfirmationStudy(int(len(cols["point"])), int(len(held.y)), chosen, cfg["alpha"], cfg["power"], judged)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"confirmation": cfg["seed"]})
    run.write_json(args.results, study.to_jsonable())
    run.write_text(args.table, confirmation_table(study))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS, errors=(StudyError,))
