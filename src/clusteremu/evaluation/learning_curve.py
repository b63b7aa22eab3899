"""How many simulations the flow needs: refitted on nested subsets of the training points, several times each.

For each fraction of the training design points ([`EmulatorData.fewer_training_points`][
clusteremu.datasets.splits.EmulatorData.fewer_training_points], nested within each
replicate) and each replicate (its own subset order and initialization), [`learning_point`][]
refits one flow (dequantized, without measurement errors) and the selection model P(usable |
theta) on that subset and scores it on what no fit saw: the truth set (the error of the
flow's mean in realization sds, from samples) and the selection set (coverage,
standardized-error sd, contraction and log score of its posteriors with the selection
factor). The replicates' spread is the error bar: the fitting noise of one flow at that size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..datasets.splits import EmulatorData, SplitData
from ..datasets.table import OUTPUT_NAMES
from ..emulators.flow_fit import FlowSettings, fit_flow
from ..emulators.selection import SelectionModel
from ..inference.flow_likelihood import FlowLikelihoodModel
from ..inference.grid import grid_posterior
from ..inference.model import Selected
from ..prior import PARAMETERS, ParameterBox
from .coverage import calibration_study
from .flow_diagnosis import log_density_at_truth
from .truth import sampled_predictions, truth_evaluation

__all__ = ["TRUTH_SAMPLES", "learning_curve", "learning_point"]

#: Draws per truth point for the flow's mean.
TRUTH_SAMPLES = 2000


def learning_point(
    data: EmulatorData,
    settings: FlowSettings,
    box: ParameterBox,
    n_stars: int,
    truth: SplitData,
    held: SplitData,
    *,
    grid_points: int,
    seed: int,
) -> dict[str, Any]:
    """One point of the learning curve: a single flow refitted to `data` (its training split),
    seeded with `seed`, scored on `truth` and on `held` with posteriors on a `grid_points` grid."""
    clean = dict.fromkeys(OUTPUT_NAMES, 0.0)
    one = dataclasses.replace(settings, seed=seed, members=1, measurement_sd_max=clean)
    t, v = data.train, data.validation
    flow, _ = fit_flow(t.x, t.y, v.x, v.y, n_stars=n_stars, settings=one, domain=box)
    selection = SelectionModel.fit(data.selection_x, data.selection_usable)
    x = truth.point_statistics().x
    accuracy = truth_evaluation(truth, {"flow": sampled_predictions(flow, x, seed=seed, samples=TRUTH_SAMPLES)})
    grid = grid_posterior(Selected(FlowLikelihoodModel(flow), selection), held.y, n_grid=grid_points)
    study = calibration_study(grid, held.x, box)
    row: dict[str, Any] = {
        "n_train_points": int(len(np.unique(t.point))),
        "n_train_simulations": int(len(t.y)),
        "truth_ratio68": accuracy["models"]["flow"]["ratio68"],
        "truth_ratio95": accuracy["models"]["flow"]["ratio95"],
        "log_score": float(np.mean(log_density_at_truth(grid, held.x, box))),
    }
    for p in PARAMETERS:
        r = study.q0 if p == "q0" else study.a_au
        row |= {
            f"{p}_coverage68": r.coverage68,
            f"{p}_coverage95": r.coverage95,
            f"{p}_z_sd": r.z_bias_sd,
            f"{p}_contraction_median": r.contraction_median,
        }
    return row


def learning_curve(
    data: EmulatorData, truth: SplitData, held: SplitData, config: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every point of the curve, from a profile's sections `domain`, `simulation`, `flow`,
    `inference` (`grid_points`) and `learning_curve`: `n_subsets` nested fractions x
    `replicates` replicates, replicate r using subset order and flow seed `seed + r`."""
    lc, box = config["learning_curve"], ParameterBox.from_domain(config["domain"])
    settings, n_stars = FlowSettings.from_config(config), config["simulation"]["n_stars"]
    rows = []
    for r in range(lc["replicates"]):
        seed = lc["seed"] + r
        for k in range(lc["n_subsets"]):
            fraction = (k + 1) / lc["n_subsets"]
            subset = data.fewer_training_points(fraction, seed=seed)
            grid = config["inference"]["grid_points"]
            point = learning_point(subset, settings, box, n_stars, truth, held, grid_points=grid, seed=seed)
            rows.append(point | {"fraction": fraction, "replicate": r})
    return rows
