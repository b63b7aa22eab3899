"""Inference: every likelihood's posteriors against the truth, and the one to recommend.

Reads:  the profile config (`--config`, section `inference`), the campaign dataset
        (`--dataset`, test split: a secondary coverage check), the coverage set
        (`--coverage-sims`), the mean emulator (`--model`), the learned-noise emulator with
        its selection model (`--learned`), the Gaussian process (`--gp`) and the flow
        (`--flow`).
Writes: all numbers (`--results`, JSON), the comparison table of the likelihoods
        (`--table`, Markdown) and the draws and grid densities of three representative
        posteriors of the recommended likelihood (`--posteriors`, NPZ).

For every likelihood: exact grid posteriors of every coverage observation; coverage of
both parameters globally and in each quarter of the Q0 and a ranges, SBC, TARP and
contraction; NUTS on a fixed subset (the whole subset for the recommended likelihood, its
first few for the others), compared with the grid, with its diagnostics. The
recommended likelihood is the one passing most calibration checks (see
`clusteremu.evaluation.coverage.recommend`); its coverage study is repeated once with observations
perturbed by the stated measurement noise and that noise in the likelihood.
"""

import argparse
import sys
import time

import jax
import numpy as np

from clusteremu.config import ConfigError, load_config
from clusteremu.datasets.splits import load_emulator_data, usable_rows
from clusteremu.datasets.table import OUTPUT_NAMES, read_dataset, usable
from clusteremu.emulators.flow import load_flow
from clusteremu.emulators.gp import GPEmulator
from clusteremu.emulators.learned_noise import load_learned
from clusteremu.emulators.mean_ensemble import Emulator
from clusteremu.evaluation.coverage import (
    LEVELS,
    calibration_checks,
    calibration_report,
    calibration_study,
    recommend,
    representative_cases,
)
from clusteremu.inference.family import likelihood_family
from clusteremu.inference.model import grid_posterior
from clusteremu.inference.sampling import nuts_settings, run_nuts, sampler_check
from clusteremu.paper.tables import likelihood_table
from clusteremu.repro.provenance import Run

CONFIG_SECTIONS = ("inference",)


def models(args):
    gp = GPEmulator.load(args.gp)
    return Emulator.load(args.model), load_learned(args.learned), gp, load_flow(args.flow)


def perturbed(obs, sd, seed):
    """Observations with Gaussian measurement errors, kept physical (f in [0, 1], sizes > 0)."""
    noisy = obs + np.random.default_rng(seed).normal(size=obs.shape) * sd
    noisy[:, 0] = np.clip(noisy[:, 0], 0.0, 1.0)
    noisy[:, 1:] = np.maximum(noisy[:, 1:], 1e-3 * obs[:, 1:])
    return noisy


def nuts_rows(like, obs, grid, indices, sampler, keys):
    run_nuts(like, obs[indices[0]], key=keys[-1], **sampler)  # compile, outside the timings
    rows, seconds = [], []
    for k, i in enumerate(indices):
        row, _, t = sampler_check(like, obs[i], grid, i, key=keys[k], **sampler)
        rows.append(row)
        seconds.append(round(t, 3))
    return rows, seconds


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    cfg = config["inference"]
    em, learned, gp, flow = models(args)
    box = em.domain
    test = load_emulator_data(args.dataset).test
    cols = read_dataset(args.coverage_sims)
    held = usable_rows(cols)
    obs, truth = held.y, held.x
    family = likelihood_family(em, learned, gp, flow)
    sampler = nuts_settings(cfg)
    check = np.sort(
        np.random.default_rng(cfg["seed"]).choice(len(obs), size=min(cfg["n_nuts_check"], len(obs)), replace=False)
    )
    reports, test_reports, grids, nuts, timings = {}, {}, {}, {}, {}
    for name, like in family.items():
        t0 = time.perf_counter()
        grids[name] = grid_posterior(like, obs, n_grid=cfg["grid_points"])
        timings[f"grid_seconds_{name}"] = round(time.perf_counter() - t0, 3)
        reports[name] = calibration_report(grids[name], truth, box, seed=cfg["seed"])
        reports[name]["checks"] = calibration_checks(reports[name])
        test_grid = grid_posterior(like, test.y, n_grid=cfg["grid_points"])
        test_reports[name] = calibration_study(test_grid, test.x, box)
    best = recommend(reports)
    # NUTS is the slow part (the GP and the flow cost milliseconds per gradient): every
    # likelihood gets a few runs for its health and cost, the recommended one the full check.
    for n, (name, like) in enumerate(family.items()):
        indices = check if name == best else check[: cfg["n_nuts_other"]]
        if not len(indices):  # n_nuts_other: 0, a profile that checks only the recommended likelihood
            continue
        keys = jax.random.split(jax.random.fold_in(jax.random.key(cfg["seed"]), n), len(indices) + 1)
        nuts[name], timings[f"nuts_seconds_{name}"] = nuts_rows(like, obs, grids[name], indices, sampler, keys)
    cases = representative_cases(truth, grids[best], box)
    draws = {"q0_grid": grids[best].q0, "a_au_grid": grids[best].a_au}
    keys = jax.random.split(jax.random.key(cfg["seed"] + 1), len(cases))
    for k, (case, i) in enumerate(cases.items()):
        _, samples, _ = sampler_check(family[best], obs[i], grids[best], i, key=keys[k], **sampler)
        draws |= {f"{case}_draws": samples, f"{case}_grid_density": grids[best].density[i], f"{case}_truth": truth[i]}
    obs_sd = np.array([cfg["measurement_sd"][k] for k in OUTPUT_NAMES])
    measured = likelihood_family(em, learned, gp, obs_sd=obs_sd)
    best_measured = best if best in measured else recommend({k: reports[k] for k in measured})
    noisy = perturbed(obs, obs_sd, cfg["seed"])
    measured_report = calibration_report(
        grid_posterior(measured[best_measured], noisy, n_grid=cfg["grid_points"]), truth, box, seed=cfg["seed"]
    )
    measured_report["checks"] = calibration_checks(measured_report)
    out = {
        "n_coverage_total": int(len(cols["point"])),
        "n_coverage_used": int(len(obs)),
        "n_excluded": int((~usable(cols)).sum()),
        "n_test_used": int(len(test.y)),
        "levels": LEVELS.tolist(),
        "likelihoods": list(family),
        "recommended": best,
        "coverage_set": reports,
        "test_split": test_reports,
        "nuts": nuts,
        "nuts_check_indices": check.tolist(),
        "cases": cases,
        "measurement": {"likelihood": best_measured, "sd": obs_sd.tolist(), "report": measured_report},
    }
    inputs = [args.dataset, args.coverage_sims, args.model, args.learned, args.gp, args.flow]
    run = Run(__file__, config, inputs=inputs, seeds={"inference": cfg["seed"]})
    run.write_json(args.results, out, extra=timings)  # wall times are volatile: record only
    run.write_text(args.table, likelihood_table(out))
    run.write_arrays(args.posteriors, draws)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--dataset", required=True, help="campaign dataset (CSV)")
    parser.add_argument("--coverage-sims", required=True, help="coverage dataset from 07_coverage_sims.py")
    parser.add_argument("--model", required=True, help="mean emulator file")
    parser.add_argument("--learned", required=True, help="learned-noise emulator file")
    parser.add_argument("--gp", required=True, help="Gaussian process (NPZ)")
    parser.add_argument("--flow", required=True, help="conditional flow file")
    parser.add_argument("--results", required=True, help="output numbers (JSON)")
    parser.add_argument("--table", required=True, help="output comparison table (Markdown)")
    parser.add_argument("--posteriors", required=True, help="output example posteriors (NPZ)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
