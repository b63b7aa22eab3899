"""Learning curve: how many simulations the method needs.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `learned`,
        `inference`, `learning_curve`), the campaign (`--dataset`), the truth set
        (`--truth`) and the coverage set (`--coverage-sims`).
Writes: for nested subsets of the training design points, the learned-noise emulator
        retrained on each, its accuracy on the truth set, and the coverage and contraction
        of its posteriors (with the selection factor) on the coverage set (`--out`, JSON).
"""

import numpy as np

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data, usable_rows
from clusteremu.datasets.table import read_dataset
from clusteremu.emulators.learned_noise import LearnedSettings, fit_learned
from clusteremu.evaluation.coverage import calibration_report
from clusteremu.evaluation.truth import truth_evaluation
from clusteremu.inference.grid import grid_posterior
from clusteremu.inference.learned_likelihood import LearnedLikelihood
from clusteremu.inference.model import Selected
from clusteremu.prior import ParameterBox
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("domain", "simulation", "learned", "inference", "learning_curve")
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
    "truth": ("{data}/truth_sims.csv", "truth-set dataset (CSV)"),
    "coverage_sims": ("{data}/coverage_sims.csv", "coverage dataset (CSV)"),
}
OUTPUTS = {
    "out": ("{data}/learning_curve.json", "learning curve (JSON)"),
}


def point(data, settings, box, n_stars, truth, obs, theta, grid_points, seed):
    em = fit_learned(data, settings, box, n_stars).emulator
    accuracy = truth_evaluation(truth, {"learned": vars(em.predict(truth.point_statistics().x))})
    report = calibration_report(
        grid_posterior(Selected(LearnedLikelihood(em), em.selection), obs, n_grid=grid_points), theta, box, seed=seed
    )
    return {
        "n_train_points": int(len(np.unique(data.train.point))),
        "n_train_simulations": int(len(data.train.y)),
        "truth_ratio68": accuracy["models"]["learned"]["ratio68"],
        "truth_ratio95": accuracy["models"]["learned"]["ratio95"],
        **{
            f"{p}_{k}": getattr(report.parameter(p), k)
            for p in ("q0", "a_au")
            for k in ("coverage68", "coverage95", "contraction_median")
        },
        "tarp_inside_band": report.tarp.inside_band,
    }


def curve(config, data, truth, held) -> list[dict]:
    """One row per nested subset of the training points: the learned-noise ensemble refitted on it."""
    lc, inf = config["learning_curve"], config["inference"]
    settings = LearnedSettings.from_config(config)
    box = ParameterBox.from_domain(config["domain"])
    fractions = [(k + 1) / lc["n_subsets"] for k in range(lc["n_subsets"])]
    n_stars = config["simulation"]["n_stars"]
    return [
        point(
            data.fewer_training_points(f, seed=lc["seed"]),
            settings,
            box,
            n_stars,
            truth,
            held.y,
            held.x,
            inf["grid_points"],
            inf["seed"],
        )
        | {"fraction": f}
        for f in fractions
    ]


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    truth = usable_rows(read_dataset(args.truth))
    held = usable_rows(read_dataset(args.coverage_sims))
    rows = curve(config, load_emulator_data(args.dataset), truth, held)
    seeds = {"learning_curve": config["learning_curve"]["seed"], "learned": LearnedSettings.from_config(config).seed}
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds=seeds)
    perfect = truth_evaluation(truth, {})["perfect"]
    run.write_json(args.out, {"rows": rows, "perfect": perfect, "n_coverage": len(held.y)})


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
