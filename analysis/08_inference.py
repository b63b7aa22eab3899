"""Inference with the emulator: the coverage study, the sampler check and example posteriors.

Reads:  the profile config (`--config`, section `inference`), the campaign dataset
        (`--dataset`, test split: secondary coverage check), the coverage set
        (`--coverage-sims`) and the emulator (`--model`, which holds the likelihood widths).
Writes: all numbers (`--results`, JSON), the coverage table (`--table`, Markdown) and the
        draws and grid densities of three representative posteriors (`--posteriors`,
        NPZ) for the corner plots; `figures/coverage.py`, `figures/sbc.py` and
        `figures/corner.py` draw them.

Every posterior is computed exactly on a grid over the prior box; NUTS is run for the
representative cases and a fixed random subset, and compared with the grid.
"""

import argparse
import sys

import jax
import numpy as np

from clusteremu.config import ConfigError, load_config
from clusteremu.coverage import LEVELS, calibration_study, representative_cases
from clusteremu.dataset import OUTPUT_NAMES, read_dataset, usable
from clusteremu.emulator import Emulator
from clusteremu.emulator_data import INPUTS, load_emulator_data
from clusteremu.inference import VARIANTS, Likelihood, grid_posterior
from clusteremu.provenance import Run
from clusteremu.sampling import run_nuts, sampler_check
from clusteremu.tables import coverage_table

CONFIG_SECTIONS = ("inference",)


def held_out(path):
    cols = read_dataset(path)
    ok = usable(cols)
    return np.column_stack([cols[c][ok] for c in OUTPUT_NAMES]), np.column_stack([cols[c][ok] for c in INPUTS]), ok


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    cfg = config["inference"]
    em = Emulator.load(args.model)
    test = load_emulator_data(args.dataset).test
    obs, truth, ok = held_out(args.coverage_sims)
    results, test_results, grids, timings = {}, {}, {}, {}
    for v in VARIANTS:
        like = Likelihood.of(em, v)
        grids[v] = grid_posterior(like, obs, n_grid=cfg["grid_points"])
        results[v] = calibration_study(grids[v], truth, em.domain)
        test_results[v] = calibration_study(grid_posterior(like, test.y, n_grid=cfg["grid_points"]), test.x, em.domain)
    like, grid = Likelihood.of(em, "input"), grids["input"]
    cases = representative_cases(truth, grid, em.domain)
    rng = np.random.default_rng(cfg["seed"])
    check = [int(i) for i in rng.choice(len(obs), size=min(cfg["n_nuts_check"], len(obs)), replace=False)]
    keys = jax.random.split(jax.random.key(cfg["seed"]), len(cases) + len(check) + 1)
    sampler = {"chains": cfg["nuts_chains"], "warmup": cfg["nuts_warmup"], "samples": cfg["nuts_samples"]}
    run_nuts(like, obs[0], key=keys[-1], **sampler)  # compile once, outside the timings
    rows, draws, seconds = [], {}, []
    for k, i in enumerate([*cases.values(), *check]):
        row, samples, t = sampler_check(like, obs[i], grid, i, key=keys[k], **sampler)
        name = list(cases)[k] if k < len(cases) else "check"
        rows.append(row | {"case": name, "truth": truth[i].tolist(), "obs": obs[i].tolist()})
        seconds.append(round(t, 3))
        if name != "check":
            draws[f"{name}_draws"] = samples
            draws[f"{name}_grid_density"] = grid.density[i]
            draws[f"{name}_truth"] = truth[i]
    out = {
        "n_coverage_total": int(len(ok)),
        "n_coverage_used": int(ok.sum()),
        "n_excluded": int((~ok).sum()),
        "n_test_used": int(len(test.y)),
        "levels": LEVELS.tolist(),
        "coverage_set": results,
        "test_split": test_results,
        "widths": {"sigma": np.asarray(em.residual_sd).tolist(), "cov": np.asarray(em.residual_cov).tolist()},
        "nuts": rows,
        "cases": cases,
    }
    run = Run(__file__, config, inputs=[args.dataset, args.coverage_sims, args.model], seeds={"inference": cfg["seed"]})
    timings["nuts_seconds"] = seconds  # wall times are volatile: record only
    run.write_json(args.results, out, extra=timings)
    run.write_text(args.table, coverage_table(results, test_results))
    run.write_arrays(args.posteriors, draws | {"q0_grid": grid.q0, "a_au_grid": grid.a_au})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--dataset", required=True, help="campaign dataset (CSV)")
    parser.add_argument("--coverage-sims", required=True, help="coverage dataset from 07_coverage_sims.py")
    parser.add_argument("--model", required=True, help="emulator file")
    parser.add_argument("--results", required=True, help="output numbers (JSON)")
    parser.add_argument("--table", required=True, help="output coverage table (Markdown)")
    parser.add_argument(
        "--posteriors", required=True, help="output draws and grid densities of the example cases (NPZ)"
    )
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
