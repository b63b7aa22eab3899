"""Emulators against the truth set and the physical range: what no fit ever saw.

[`truth_evaluation`][] scores every emulator's predictions at the truth-set points, where
many realizations give the true mean and the realization noise sigma_sim: the error of
the emulated mean in units of sigma_sim (with what a perfect emulator would score) and the
predictive coverage of single realizations. [`physical_range`][] checks predictions on a
dense grid over and beyond the domain against the range the summaries can take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import numpy as np
from scipy import stats

from ..datasets.splits import SplitData
from .metrics import noise_floor_ratios, perfect_emulator_ratios

__all__ = ["gaussian_intervals", "physical_range", "sampled_predictions", "truth_evaluation"]


def gaussian_intervals(mean: np.ndarray, sd: np.ndarray) -> dict[str, np.ndarray]:
    """Central 68% and 95% intervals of independent Gaussians, as a prediction dict."""
    z68, z95 = stats.norm.ppf(0.84), stats.norm.ppf(0.975)
    return {
        "mean": mean,
        "lo68": mean - z68 * sd,
        "hi68": mean + z68 * sd,
        "lo95": mean - z95 * sd,
        "hi95": mean + z95 * sd,
    }


def sampled_predictions(flow: Any, x: np.ndarray, *, seed: int, samples: int, chunk: int = 64) -> dict[str, np.ndarray]:
    """A flow's prediction dict at parameter rows `x`: the mean and the central 68% and 95%
    intervals of `samples` draws per row (noise-free summaries), drawn from `seed` in chunks
    of `chunk` rows (bounded memory)."""
    keys = jax.random.split(jax.random.key(seed), -(-len(x) // chunk))
    parts = []
    for k, start in zip(keys, range(0, len(x), chunk), strict=True):
        y = np.asarray(flow.sample(x[start : start + chunk], key=k, n=samples))  # samples, rows, 3
        q = np.quantile(y, [0.16, 0.84, 0.025, 0.975], axis=0)
        parts.append({"mean": y.mean(axis=0), "lo68": q[0], "hi68": q[1], "lo95": q[2], "hi95": q[3]})
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def truth_evaluation(truth: SplitData, predictions: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, Any]:
    """Judge each model's mean and predictive intervals against the truth set.

    **Arguments:**

    - `truth`: the truth-set simulations (usable rows): many realizations per point.
    - `predictions`: per model, at the truth set's points (in the order of
      `truth.point_statistics()`), `mean` (E[y], physical) and the central intervals
      `lo68`, `hi68`, `lo95`, `hi95` for one new realization, each (points, 3).

    **Returns:**

    `points` (the truth means, realization sds and counts), `perfect` (the 68th and 95th
    percentiles of |mean error| / sigma_sim an emulator predicting the true mean would
    score, given the truth set's own sampling error) and, per model: `ratio` (those
    percentiles per output), `coverage68` and `coverage95` (fractions of single
    realizations inside the intervals, per output) with `n_realizations` and their
    binomial standard errors.
    """
    stats_ = truth.point_statistics()
    index = {int(p): k for k, p in enumerate(stats_.point)}
    kept = np.isin(truth.point, stats_.point)
    rows = np.array([index[int(p)] for p in truth.point[kept]])
    y = truth.y[kept]
    n = len(y)
    out: dict[str, Any] = {
        "points": {
            "x": stats_.x.tolist(),
            "mean": stats_.mean.tolist(),
            "sd": stats_.sd.tolist(),
            "count": stats_.count.tolist(),
        },
        "perfect": perfect_emulator_ratios(stats_.count).tolist(),
        "n_realizations": n,
        "se68": float(np.sqrt(0.68 * 0.32 / n)),
        "se95": float(np.sqrt(0.95 * 0.05 / n)),
        "models": {},
    }
    for name, p in predictions.items():
        q = noise_floor_ratios(np.asarray(p["mean"]), stats_.mean, stats_.sd)
        inside = {lv: (y >= np.asarray(p[f"lo{lv}"])[rows]) & (y <= np.asarray(p[f"hi{lv}"])[rows]) for lv in (68, 95)}
        out["models"][name] = {
            "ratio68": q[0].tolist(),
            "ratio95": q[1].tolist(),
            "coverage68": inside[68].mean(axis=0).tolist(),
            "coverage95": inside[95].mean(axis=0).tolist(),
            "mean": np.asarray(p["mean"]).tolist(),
        }
    return out


def physical_range(predictions: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, dict[str, Any]]:
    """Whether every prediction is physical: f_bound in [0, 1], sigma_v and r_h > 0.

    `predictions` as for [`truth_evaluation`][], on any set of inputs (e.g. a dense grid over
    the domain and beyond it). Returns, per model, the extremes of the mean and of the 95%
    interval per output and `physical` (the check on all of them).
    """
    out = {}
    for name, p in predictions.items():
        lo = np.minimum(np.asarray(p["mean"]), np.asarray(p["lo95"])).min(axis=0)
        hi = np.maximum(np.asarray(p["mean"]), np.asarray(p["hi95"])).max(axis=0)
        physical = bool(lo[0] >= 0.0 and hi[0] <= 1.0 and lo[1] > 0.0 and lo[2] > 0.0)
        out[name] = {"min": lo.tolist(), "max": hi.tolist(), "physical": physical}
    return out
