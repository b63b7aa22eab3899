"""The reference bank: the simulator's own posteriors for many observations, against every likelihood.

Reads:  the profile config (`--config`, sections `simulation`, `campaign`, `reference` and
        `inference`: its grid size), the confirmation set (`--confirmation-sims`, from
        `17_confirmation_sims.py`), the likelihood comparison (`--inference`: the
        recommended likelihood), the models (`--model`, `--learned`, `--gp`, `--flow`) and
        the simulation cache.
Writes: the comparison (`--results`, JSON, `clusteremu.evaluation.reference_bank.ReferenceBank`)
        and its table (`--table`, Markdown).

The bank: `realizations` simulations with common random numbers at every node of a
`q0_nodes` x `a_nodes` grid over the whole prior box, edges included (through the cache:
a rerun simulates nothing). For the first `n_observations` usable confirmation simulations,
the Gaussian and the semi-parametric synthetic likelihoods and every likelihood of the
family at the nodes, each interpolated onto the same fine grid; the references' bootstrap
over realizations; the interpolation checked against the recommended likelihood's posterior
on the fine grid; the references' own coverage, on the compared observations and on every
usable confirmation simulation (`clusteremu.evaluation.simulator_reference`).
"""

from clusteremu.config import load_config
from clusteremu.datasets.splits import usable_rows
from clusteremu.datasets.table import read_dataset
from clusteremu.emulators.flow import load_flow
from clusteremu.emulators.gp import GPEmulator
from clusteremu.emulators.learned_noise import load_learned
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.evaluation.reports import LikelihoodComparison, StudyError
from clusteremu.evaluation.simulator_reference import reference_bank
from clusteremu.inference.family import likelihood_family
from clusteremu.paper.reference_table import reference_table
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("simulation", "campaign", "reference", "inference")
INPUTS = {
    "confirmation_sims": ("{data}/confirmation_sims.csv", "confirmation dataset (CSV)"),
    "inference": ("{data}/inference.json", "likelihood comparison (JSON): the recommended likelihood"),
    "model": ("{data}/emulator.eqx", "mean emulator file"),
    "learned": ("{data}/learned.eqx", "learned-noise emulator file"),
    "gp": ("{data}/gp.eqx", "Gaussian-process file"),
    "flow": ("{data}/flow.eqx", "conditional flow file"),
    "cache": ("{cache}", "simulation cache folder"),
}
OUTPUTS = {
    "results": ("{data}/reference.json", "the reference bank's comparison (JSON)"),
    "table": ("{data}/tables/reference.md", "reference-bank table (Markdown)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    em, learned = Emulator.load(args.model), load_learned(args.learned)
    family = likelihood_family(em, learned, GPEmulator.load(args.gp), load_flow(args.flow))
    held = usable_rows(read_dataset(args.confirmation_sims))
    chosen = LikelihoodComparison.load(args.inference).recommended
    bank, result, seconds = reference_bank(family, chosen, held, config, args.cache)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"reference": config["reference"]["seed"]})
    run.write_json(args.results, bank.to_jsonable(), extra={**result.counts, "seconds": seconds})
    run.write_text(args.table, reference_table(bank))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS, errors=(StudyError,))
