"""Accuracy metrics in physical units, per output, and the noise-floor comparison."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["point_metrics", "noise_floor_ratios", "perfect_emulator_ratios"]


def point_metrics(pred: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """RMSE, MAE and R^2 per output column of `pred` against `y` (same units)."""
    err = pred - y
    ss_res = np.sum(err**2, axis=0)
    ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    return {
        "rmse": np.sqrt(np.mean(err**2, axis=0)),
        "mae": np.mean(np.abs(err), axis=0),
        "r2": 1.0 - ss_res / ss_tot,
    }


def noise_floor_ratios(pred_at_points, point_mean, point_sd, quantiles=(0.68, 0.95)) -> np.ndarray:
    """Quantiles of |prediction - realization mean| / sigma_sim over design points.

    **Returns:**

    Shape `(len(quantiles), outputs)`.
    """
    ratio = np.abs(pred_at_points - point_mean) / point_sd
    return np.quantile(ratio, quantiles, axis=0)


def perfect_emulator_ratios(n_realizations: np.ndarray, quantiles=(0.68, 0.95)) -> np.ndarray:
    """The same quantiles for an emulator that predicts the *true* mean exactly.

    With n realizations the realization mean has error sigma / sqrt(n) and sigma_sim is
    itself estimated from them, so |true mean - realization mean| / sigma_sim is distributed
    as |t_(n-1)| / sqrt(n). This is the floor the measured ratios should be read against.
    """
    rng = np.random.default_rng(0)
    draws = np.concatenate(
        [np.abs(stats.t.rvs(n - 1, size=4000, random_state=rng)) / np.sqrt(n) for n in n_realizations]
    )
    return np.quantile(draws, quantiles)
