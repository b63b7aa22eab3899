"""Reference posteriors from the simulator itself, against the recommended emulator posterior.

Reads:  the profile config (`--config`, sections `simulation`, `campaign`, `reference`),
        the coverage set (`--coverage-sims`), the inference results (`--inference`: the
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
import json
import sys
from pathlib import Path

import numpy as np

from clusteremu.config import ConfigError, load_config
from clusteremu.datasets.splits import usable_rows
from clusteremu.datasets.table import read_dataset
from clusteremu.evaluation.reference import local_grid, reference_design, synthetic_posterior
from clusteremu.inference.family import load_likelihood, model_files
from clusteremu.inference.model import grid_posterior, posterior_on_grid
from clusteremu.prior import PARAMETERS
from clusteremu.repro.provenance import Run
from clusteremu.simulation.campaign import simulate_design

CONFIG_SECTIONS = ("simulation", "campaign", "reference")
FINE_GRID = 160  # the emulator posterior over the whole box that places each local grid


def reference_observations(truth, cases, box):
    """The typical case, and the truth nearest the middle of the top quarter of Q0 and of a."""
    edges = box.quarter_edges("q0")
    target = np.array([0.5 * (edges[3] + edges[4]), 0.5 * (box.a_min_au + box.a_max_au)])
    top = np.flatnonzero(truth[:, 0] > edges[3])
    scaled = (truth[top] - target) / (box.high - box.low)
    return [int(cases["typical"]), int(top[np.argmin(np.sum(scaled**2, axis=1))])]


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    ref = config["reference"]
    inference = json.loads(Path(args.inference).read_text())
    like = load_likelihood(inference["recommended"], model_files(args))
    box = like.domain
    held = usable_rows(read_dataset(args.coverage_sims))
    chosen = reference_observations(held.x, inference["cases"], box)
    obs = held.y[chosen]
    wide = grid_posterior(like, obs, n_grid=FINE_GRID)
    grids = [local_grid(wide, k, box, n=ref["grid_points"], span_sd=ref["span_sd"]) for k in range(len(chosen))]
    result = simulate_design(
        reference_design(grids, seed=ref["seed"], realizations=ref["realizations"]), config, args.cache
    )
    cells = ref["grid_points"] ** 2
    rows = []
    for k, (i, grid) in enumerate(zip(chosen, grids, strict=True)):
        bsl = synthetic_posterior(result.columns, grid, k * cells, obs[k], config["simulation"]["n_stars"])
        emu = posterior_on_grid(like, obs[k : k + 1], grid.q0, grid.a_au)
        mom = emu.moments()
        em_mean = [float(mom[f"{p}_mean"][0]) for p in PARAMETERS]
        em_sd = [float(mom[f"{p}_sd"][0]) for p in PARAMETERS]
        rows.append(
            {
                "index": i,
                "truth": held.x[i].tolist(),
                "obs": obs[k].tolist(),
                "q0": grid.q0.tolist(),
                "a_au": grid.a_au.tolist(),
                "bsl": bsl,
                "emulator": {"mean": em_mean, "sd": em_sd, "density": emu.density[0].tolist()},
                "dmean_over_sd": [abs(e - b) / s for e, b, s in zip(em_mean, bsl["mean"], em_sd, strict=True)],
                "sd_ratio": [e / b for e, b in zip(em_sd, bsl["sd"], strict=True)],
            }
        )
    out = {
        "likelihood": inference["recommended"],
        "observations": rows,
        "grid_points": ref["grid_points"],
        "realizations": ref["realizations"],
        "span_sd": ref["span_sd"],
        "n_simulations": int(len(result.columns["point"])),
    }
    inputs = [args.coverage_sims, args.inference, args.model, args.learned, args.gp, args.flow]
    run = Run(__file__, config, inputs=inputs, seeds={"reference": ref["seed"]})
    run.write_json(args.results, out, extra={"n_simulated": result.n_simulated, "n_from_cache": result.n_cached})


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
