"""How good are predictions: accuracy in physical units, proper scores, the noise floor."""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__ = [
    "BOOTSTRAP",
    "central_coverage",
    "cluster_se",
    "coverage_curve",
    "gaussian_crps",
    "gaussian_nlpd",
    "noise_floor_ratios",
    "perfect_emulator_ratios",
    "point_metrics",
    "running_mean",
]


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


#: Bootstrap resamples of the design points behind every cluster-robust standard error.
BOOTSTRAP = 1000


def cluster_se(
    rows: np.ndarray, groups: np.ndarray, *, sqrt: bool = False, n_boot: int = BOOTSTRAP, seed: int = 0
) -> np.ndarray:
    """Standard error of the column means of `rows` (n, k), or of their square roots
    (`sqrt`: an RMSE from squared errors), by a bootstrap over `groups` (n,).

    The realizations of one design point share its parameters and so their errors are
    correlated; resampling whole design points (a cluster bootstrap) keeps them together,
    where a per-row standard error would treat them as independent and come out too small.
    """
    rng = np.random.default_rng(seed)
    _, inverse = np.unique(groups, return_inverse=True)
    sums = np.zeros((inverse.max() + 1, rows.shape[1]))
    np.add.at(sums, inverse, rows)
    counts = np.bincount(inverse).astype(float)
    draws = rng.integers(0, len(counts), size=(n_boot, len(counts)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)[:, None]
    return (np.sqrt(means) if sqrt else means).std(axis=0, ddof=1)


def gaussian_nlpd(y, mu, sd):
    """Negative log predictive density of y under N(mu, sd^2), elementwise."""
    return 0.5 * np.log(2 * np.pi * sd**2) + 0.5 * ((y - mu) / sd) ** 2


def gaussian_crps(y, mu, sd):
    """Continuous ranked probability score of N(mu, sd^2) at y (same units as y)."""
    z = (y - mu) / sd
    return sd * (z * special.erf(z / np.sqrt(2)) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


def central_coverage(y, mu, sd, level: float):
    """Whether y falls inside the central `level` interval of N(mu, sd^2), elementwise."""
    return np.abs((y - mu) / sd) <= stats.norm.ppf(0.5 + level / 2)


def coverage_curve(y, mu, sd, levels) -> np.ndarray:
    """Empirical coverage at each nominal level, per output: shape `(levels, outputs)`."""
    return np.array([central_coverage(y, mu, sd, lv).mean(axis=0) for lv in levels])


def noise_floor_ratios(pred_at_points, point_mean, point_sd, quantiles=(0.68, 0.95)) -> np.ndarray:
    """Quantiles of |prediction - realization mean| / sigma_sim over design points.

    **Returns:**

    Shape `(len(quantiles), outputs)`.
    """
    ratio = np.abs(pred_at_points - point_mean) / point_sd
    return np.quantile(ratio, quantiles, axis=0)


def perfect_emulator_ratios(n_realizations: np.ndarray, quantiles=(0.68, 0.95), *, seed: int = 0) -> np.ndarray:
    """The same quantiles for an emulator that predicts the *true* mean exactly.

    With n realizations the realization mean has error sigma / sqrt(n) and sigma_sim is
    itself estimated from them, so |true mean - realization mean| / sigma_sim is distributed
    as |t_(n-1)| / sqrt(n). This is the floor the measured ratios should be read against.
    """
    rng = np.random.default_rng(seed)
    draws = np.concatenate(
        [np.abs(stats.t.rvs(n - 1, size=4000, random_state=rng)) / np.sqrt(n) for n in n_realizations]
    )
    return np.quantile(draws, quantiles)


def running_mean(x: np.ndarray, r: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Means of x and r in equal-count bins of x: a systematic bias shows as a trend."""
    order = np.argsort(x)
    parts = [p for p in np.array_split(order, min(bins, max(1, len(x) // 5))) if p.size]
    return np.array([x[p].mean() for p in parts]), np.array([r[p].mean() for p in parts])
