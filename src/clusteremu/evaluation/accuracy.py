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

from ..datasets.splits import EmulatorData, SplitData
from ..datasets.table import OUTPUT_NAMES
from ..emulators.mean_ensemble import Emulator
from .metrics import (
    central_coverage,
    cluster_se,
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
    "probabilistic_scores",
    "slices",
]

#: The baselines compared with the ensemble, in table order.
BASELINES = ("mean", "linear", "knn", "rbf", "gp")
RELIABILITY_LEVELS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def probabilistic_scores(y: np.ndarray, mu: np.ndarray, sd: np.ndarray, point: np.ndarray) -> dict[str, list]:
    """NLPD, CRPS, 68%/95% coverage and mean z^2, each with its standard error by a bootstrap
    over the design points `point` of the rows (`<score>_se`), and the reliability curve, per output."""
    z = (y - mu) / sd
    per_row = {
        "nlpd": gaussian_nlpd(y, mu, sd),
        "crps": gaussian_crps(y, mu, sd),
        "coverage68": central_coverage(y, mu, sd, 0.68).astype(float),
        "coverage95": central_coverage(y, mu, sd, 0.95).astype(float),
        "z2_mean": z**2,
    }
    out = {}
    for name, rows in per_row.items():
        out[name] = np.mean(rows, axis=0).tolist()
        out[f"{name}_se"] = cluster_se(rows, point).tolist()
    return out | {"reliability": coverage_curve(y, mu, sd, RELIABILITY_LEVELS).tolist()}


def _point_metrics(pred: np.ndarray, test: SplitData) -> dict[str, list]:
    """[`point_metrics`][clusteremu.evaluation.metrics.point_metrics] with the RMSE's standard
    error by a bootstrap over the test split's design points (`rmse_se`)."""
    out = {k: v.tolist() for k, v in point_metrics(pred, test.y).items()}
    return out | {"rmse_se": cluster_se((pred - test.y) ** 2, test.point, sqrt=True).tolist()}


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
    metrics = {"ensemble": _point_metrics(pred.mean, test)}
    for m in BASELINES:
        metrics[m] = _point_metrics(np.asarray(baselines[m]["test"]["mean"]), test)
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
            "ensemble, uncalibrated": probabilistic_scores(test.y, raw.mean, raw.total_sd, test.point),
            "ensemble, calibrated": probabilistic_scores(test.y, pred.mean, pred.total_sd, test.point),
            "Gaussian process": probabilistic_scores(test.y, np.asarray(gp["mean"]), np.asarray(gp["sd"]), test.point),
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
