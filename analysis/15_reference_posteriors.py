"""Reference posteriors from the simulator itself, against the recommended emulator posterior.

Reads:  the profile config (`--config`, sections `simulation`, `campaign`, `reference`),
        the coverage set (`--coverage-sims`), the likelihood comparison (`--inference`: the
        recommended likelihood and the representative cases), the models that likelihood
        may need (`--model`, `--learned`, `--gp`, `--flow`) and the simulation cache.
Writes: for each reference observation, the Bayesian-synthetic-likelihood posterior on a
        local grid, the emulator posterior on the same grid, their means, sds and the
        comparison, and the cost in simulations (`--results`, JSON).

Two observations of the coverage set: the representative "typical" one, and the one whose
true Q0 lies nearest the middle of the top quarter of the Q0 range (where few stars stay
bound and the Gaussian likelihood was worst).
"""

from clusteremu.config import load_config
from clusteremu.datasets.splits import usable_rows
from clusteremu.datasets.table import read_dataset
from clusteremu.evaluation.reports import LikelihoodComparison
from clusteremu.evaluation.simulator_reference import compare_with_simulator
from clusteremu.inference.family import load_likelihood, model_files
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("simulation", "campaign", "reference")
INPUTS = {
    "coverage_sims": ("{data}/coverage_sims.csv", "coverage dataset (CSV)"),
    "inference": ("{data}/inference.json", "inference results (JSON)"),
    "model": ("{data}/emulator.eqx", "mean emulator file"),
    "learned": ("{data}/learned.eqx", "learned-noise emulator file"),
    "gp": ("{data}/gp.eqx", "Gaussian-process file"),
    "flow": ("{data}/flow.eqx", "conditional flow file"),
    "cache": ("{cache}", "simulation cache folder"),
}
OUTPUTS = {
    "results": ("{data}/reference.json", "reference posteriors (JSON)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    inference = LikelihoodComparison.load(args.inference)
    like = load_likelihood(inference.recommended, model_files(args))
    held = usable_rows(read_dataset(args.coverage_sims))
    out, result = compare_with_simulator(like, held, inference.cases, config, args.cache)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"reference": config["reference"]["seed"]})
    extra = {"n_simulated": result.n_simulated, "n_from_cache": result.n_cached}
    run.write_json(args.results, {"likelihood": inference.recommended, **out}, extra=extra)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
