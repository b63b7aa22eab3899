"""Judge the emulator and the baselines on held-out simulations.

[`evaluate`][] computes everything the paper reports about accuracy and uncertainty on
the test split (the only place the test split's outcomes are read), and the curves its
figures draw: predictions against simulations, running means of the residuals, slices
through the emulator and reliability diagrams.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from ..datasets.splits import EmulatorData, SplitData
from ..datasets.table import OUTPUT_NAMES
from ..emulators.mean_ensemble import Emulator
from .metrics import (
    central_coverage,
    coverage_curve,
    gaussian_crps,
    gaussian_nlpd,
    noise_floor_ratios,
    perfect_emulator_ratios,
    point_metrics,
)

__all__ = [
    "BASELINES",
    "RELIABILITY_LEVELS",
    "evaluate",
    "gaussian_intervals",
    "physical_range",
    "probabilistic_scores",
    "slices",
    "truth_evaluation",
]

#: The baselines compared with the ensemble, in table order.
BASELINES = ("mean", "linear", "knn", "rbf", "gp")
RELIABILITY_LEVELS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def probabilistic_scores(y: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> dict[str, list]:
    """NLPD, CRPS, 68%/95% coverage, mean z^2 and the reliability curve, per output."""
    z = (y - mu) / sd
    return {
        "nlpd": np.mean(gaussian_nlpd(y, mu, sd), axis=0).tolist(),
        "crps": np.mean(gaussian_crps(y, mu, sd), axis=0).tolist(),
        "coverage68": np.mean(central_coverage(y, mu, sd, 0.68), axis=0).tolist(),
        "coverage95": np.mean(central_coverage(y, mu, sd, 0.95), axis=0).tolist(),
        "z2_mean": np.mean(z**2, axis=0).tolist(),
        "reliability": coverage_curve(y, mu, sd, RELIABILITY_LEVELS).tolist(),
    }


def _noise_floor(test: SplitData, em: Emulator) -> dict[str, Any]:
    stats = test.point_statistics()
    ok = np.all(stats.sd > 0, axis=1)
    q = noise_floor_ratios(em.predict(stats.x[ok]).mean, stats.mean[ok], stats.sd[ok])
    counts = stats.count[ok]
    return {
        "p68": q[0].tolist(),
        "p95": q[1].tolist(),
        "perfect": perfect_emulator_ratios(counts).tolist(),
        "n_points": int(ok.sum()),
        "realizations_min": int(counts.min()),
        "realizations_max": int(counts.max()),
    }


def slices(em: Emulator, train: SplitData, n: int = 200, pad: float = 0.15) -> list[dict[str, Any]]:
    """Cuts through the emulator along Q0 (a at the middle) and along a (Q0 at the middle),
    extending `pad` of the range beyond the domain, with the training rows near each cut."""
    box = em.domain
    mid = 0.5 * (box.low + box.high)
    out = []
    for k in range(2):
        span = box.high[k] - box.low[k]
        grid = np.linspace(box.low[k] - pad * span, box.high[k] + pad * span, n)
        x = np.tile(mid, (n, 1))
        x[:, k] = grid
        p = em.predict(x)
        other = 1 - k
        near = np.abs(train.x[:, other] - mid[other]) < 0.1 * (train.x[:, other].max() - train.x[:, other].min())
        out.append(
            {
                "axis": k,
                "fixed": float(mid[other]),
                "domain": [float(box.low[k]), float(box.high[k])],
                "grid": grid.tolist(),
                "mean": p.mean.tolist(),
                "ensemble_sd": p.ensemble_sd.tolist(),
                "total_sd": p.total_sd.tolist(),
                "members": p.members.tolist(),
                "train_x": train.x[near, k].tolist(),
                "train_y": train.y[near].tolist(),
            }
        )
    return out


def evaluate(em: Emulator, data: EmulatorData, baselines: Mapping[str, Any]) -> dict[str, Any]:
    """Every test-split number of the paper, and the curves of its evaluation figures.

    Among them `noise_share`: per method and output, the test points' mean realization
    variance over the method's mean squared error against single realizations (the share
    of its error that is the simulator's own scatter; about one for a perfect emulator).

    **Arguments:**

    - `em`: the fitted emulator.
    - `data`: the campaign split by design point.
    - `baselines`: the output of [`fit_baselines`][clusteremu.emulators.baselines.fit_baselines].
    """
    test = data.test
    pred, raw = em.predict(test.x), em.predict(test.x, calibrated=False)
    metrics = {"ensemble": {k: v.tolist() for k, v in point_metrics(pred.mean, test.y).items()}}
    for m in BASELINES:
        metrics[m] = {k: v.tolist() for k, v in point_metrics(np.asarray(baselines[m]["test"]["mean"]), test.y).items()}
    gp = baselines["gp"]["test"]
    n = len(test.y)
    # The part of each method's mean squared error that no emulator of the mean can remove:
    # the test points' own realization variance, averaged over the test rows.
    points = test.point_statistics()
    sim_var = np.sum(points.count[:, None] * points.sd**2, axis=0) / points.count.sum()
    share = {m: (sim_var / np.asarray(v["rmse"]) ** 2).tolist() for m, v in metrics.items()}
    return {
        "n_test_rows": n,
        "noise_share": share,
        "binomial_se68": float(np.sqrt(0.68 * 0.32 / n)),
        "binomial_se95": float(np.sqrt(0.95 * 0.05 / n)),
        "accuracy": metrics,
        "probabilistic": {
            "ensemble, uncalibrated": probabilistic_scores(test.y, raw.mean, raw.total_sd),
            "ensemble, calibrated": probabilistic_scores(test.y, pred.mean, pred.total_sd),
            "Gaussian process": probabilistic_scores(test.y, np.asarray(gp["mean"]), np.asarray(gp["sd"])),
        },
        "noise_floor": _noise_floor(test, em),
        "calibration_scale": np.asarray(em.scale).tolist(),
        "reliability_levels": RELIABILITY_LEVELS.tolist(),
        "baseline_hyper": {
            "knn_k": baselines["knn"]["info"]["k"],
            "rbf_smoothing": baselines["rbf"]["info"]["smoothing"],
            "gp_kernels": baselines["gp"]["info"]["kernels"],
        },
        "outputs": list(OUTPUT_NAMES),
        "test": {"x": test.x.tolist(), "y": test.y.tolist(), "mean": pred.mean.tolist()},
        "slices": slices(em, data.train),
    }


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
