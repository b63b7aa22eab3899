"""The simulator's own posteriors next to the recommended emulator's, for chosen observations.

[`compare_with_simulator`][] is the study of `analysis/15_reference_posteriors.py`: for
each reference observation ([`reference_observations`][]), a local grid around the
emulator posterior, simulations on it through the cache, the Bayesian synthetic-likelihood
posterior ([`clusteremu.evaluation.reference.synthetic_posterior`][]) and the emulator
posterior on the same grid, with their means, sds and the differences in posterior sds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets.splits import SplitData
from ..inference.grid import grid_posterior, posterior_on_grid
from ..inference.model import LikelihoodModel
from ..prior import PARAMETERS, ParameterBox
from ..simulation.campaign import simulate_design
from .reference import local_grid, reference_design, synthetic_posterior

__all__ = [
    "FINE_GRID",
    "REFERENCE_DMEAN_MAX",
    "REFERENCE_SD_TOLERANCE",
    "compare_with_simulator",
    "reference_observations",
]

FINE_GRID = 160  # the emulator posterior over the whole box that places each local grid
#: Agreement targets with the reference: |emulator mean - reference mean| at most this many
#: posterior sds, and the sd ratio within this fraction of one, for both parameters.
REFERENCE_DMEAN_MAX, REFERENCE_SD_TOLERANCE = 0.3, 0.2


def reference_observations(truth: np.ndarray, cases: Mapping[str, int], box: ParameterBox) -> list[int]:
    """The typical case, and the truth nearest the middle of the top quarter of Q0 and of a."""
    edges = box.quarter_edges("q0")
    target = np.array([0.5 * (edges[3] + edges[4]), 0.5 * (box.a_min_au + box.a_max_au)])
    top = np.flatnonzero(truth[:, 0] > edges[3])
    scaled = (truth[top] - target) / (box.high - box.low)
    return [int(cases["typical"]), int(top[np.argmin(np.sum(scaled**2, axis=1))])]


def compare_with_simulator(
    like: LikelihoodModel, held: SplitData, cases: Mapping[str, int], config: Any, cache: str | Path
) -> tuple[dict[str, Any], Any]:
    """Reference posteriors of the observations [`reference_observations`][] picks from `held`.

    `config` needs the profile sections `simulation`, `campaign` and `reference`; `cache`
    is the simulation cache's folder. Returns the JSON-able comparison and the campaign
    result of the reference simulations (its counts of simulated and cached runs).
    """
    ref = config["reference"]
    box = like.domain
    chosen = reference_observations(held.x, cases, box)
    obs = held.y[chosen]
    wide = grid_posterior(like, obs, n_grid=FINE_GRID)
    grids = [local_grid(wide, k, box, n=ref["grid_points"], span_sd=ref["span_sd"]) for k in range(len(chosen))]
    result = simulate_design(reference_design(grids, seed=ref["seed"], realizations=ref["realizations"]), config, cache)
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
        "observations": rows,
        "grid_points": ref["grid_points"],
        "realizations": ref["realizations"],
        "span_sd": ref["span_sd"],
        "n_simulations": int(len(result.columns["point"])),
    }
    return out, result
