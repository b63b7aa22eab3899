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

import argparse
import sys

from clusteremu.config import ConfigError, load_config
from clusteremu.datasets.splits import usable_rows
from clusteremu.datasets.table import read_dataset
from clusteremu.evaluation.reports import LikelihoodComparison
from clusteremu.evaluation.simulator_reference import compare_with_simulator
from clusteremu.inference.family import load_likelihood, model_files
from clusteremu.repro.provenance import Run

CONFIG_SECTIONS = ("simulation", "campaign", "reference")


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    inference = LikelihoodComparison.load(args.inference)
    like = load_likelihood(inference.recommended, model_files(args))
    held = usable_rows(read_dataset(args.coverage_sims))
    out, result = compare_with_simulator(like, held, inference.cases, config, args.cache)
    inputs = [args.coverage_sims, args.inference, args.model, args.learned, args.gp, args.flow]
    run = Run(__file__, config, inputs=inputs, seeds={"reference": config["reference"]["seed"]})
    extra = {"n_simulated": result.n_simulated, "n_from_cache": result.n_cached}
    run.write_json(args.results, {"likelihood": inference.recommended, **out}, extra=extra)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--coverage-sims", required=True, help="coverage dataset (CSV)")
    parser.add_argument("--inference", required=True, help="inference results (JSON)")
    parser.add_argument("--model", required=True, help="mean emulator file")
    parser.add_argument("--learned", required=True, help="learned-noise emulator file")
    parser.add_argument("--gp", required=True, help="Gaussian process (NPZ)")
    parser.add_argument("--flow", required=True, help="conditional flow file")
    parser.add_argument("--cache", required=True, help="simulation cache folder")
    parser.add_argument("--results", required=True, help="output reference posteriors (JSON)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
