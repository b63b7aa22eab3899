"""Baselines the emulator must beat, fitted on the same split in normalized units.

Each baseline has `fit(x, y)` and `predict(x)` on normalized inputs and outputs, and
hyperparameters are chosen on the validation split only ([`tune`][]). [`fit_baselines`][]
fits all of them, with a training-only [`Normalizer`][clusteremu.datasets.splits.Normalizer]
of its own (the same statistics the emulator uses, computed independently of it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from scipy.interpolate import RBFInterpolator
from scipy.spatial import cKDTree

from ..datasets.splits import EmulatorData, Normalizer
from ..prior import ParameterBox
from .gp import GPEmulator

__all__ = [
    "GPBaseline",
    "KNNBaseline",
    "LinearBaseline",
    "MeanBaseline",
    "RBFBaseline",
    "fit_baselines",
    "rmse_unit",
    "tune",
]


class MeanBaseline:
    """Predicts the training mean everywhere."""

    def fit(self, x, y):
        self.mean = y.mean(axis=0)
        return self

    def predict(self, x):
        return np.broadcast_to(self.mean, (len(x), self.mean.size)).copy()


class LinearBaseline:
    """Ordinary least squares with an intercept."""

    def fit(self, x, y):
        design = np.column_stack([np.ones(len(x)), x])
        self.coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        return self

    def predict(self, x):
        return np.column_stack([np.ones(len(x)), x]) @ self.coef


class KNNBaseline:
    """Mean of the k nearest training rows (Euclidean in normalized inputs)."""

    def __init__(self, k: int):
        self.k = k

    def fit(self, x, y):
        self.tree, self.y = cKDTree(x), y
        return self

    def predict(self, x):
        _, idx = self.tree.query(x, k=self.k)
        return self.y[np.asarray(idx).reshape(len(x), self.k)].mean(axis=1)


class RBFBaseline:
    """Thin-plate-spline radial basis function interpolation with smoothing (scipy)."""

    def __init__(self, smoothing: float):
        self.smoothing = smoothing

    def fit(self, x, y):
        self.rbf = RBFInterpolator(x, y, kernel="thin_plate_spline", smoothing=self.smoothing)
        return self

    def predict(self, x):
        return self.rbf(x)


class GPBaseline:
    """One Gaussian process per output: constant x Matern(5/2, per-input length scales)
    plus a learned white-noise term (scikit-learn), hyperparameters by marginal likelihood."""

    def __init__(self, n_restarts: int, seed: int):
        self.n_restarts, self.seed = n_restarts, seed

    def fit(self, x, y):
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        self.gps = []
        for j in range(y.shape[1]):
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern([1.0, 1.0], (1e-2, 1e3), nu=2.5) + WhiteKernel(
                0.1, (1e-6, 10.0)
            )
            gp = GaussianProcessRegressor(kernel, n_restarts_optimizer=self.n_restarts, random_state=self.seed)
            self.gps.append(gp.fit(x, y[:, j]))
        return self

    def predict(self, x, return_std: bool = False):
        out = [gp.predict(x, return_std=True) for gp in self.gps]
        mean = np.column_stack([m for m, _ in out])
        # The std includes the fitted white noise: a predictive sd for a new realization.
        return (mean, np.column_stack([s for _, s in out])) if return_std else mean


def rmse_unit(pred, y) -> float:
    """RMSE averaged over the normalized outputs: the validation criterion for tuning."""
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def tune(make: Callable[[float], object], grid: Iterable, x_tr, y_tr, x_val, y_val):
    """Fit `make(h)` for each h in `grid` on training data; keep the best on validation.

    **Returns:**

    `(best_h, fitted_model, {h: validation RMSE})`.
    """
    scores, models = {}, {}
    for h in grid:
        models[h] = make(h).fit(x_tr, y_tr)
        scores[h] = rmse_unit(models[h].predict(x_val), y_val)
    best = min(scores, key=scores.get)
    return best, models[best], scores


def fit_baselines(data: EmulatorData, settings: Mapping[str, Any], domain: ParameterBox) -> tuple[dict, GPEmulator]:
    """Fit, tune and apply every baseline; predictions in physical units.

    **Arguments:**

    - `data`: the campaign split by design point (the test split is only predicted).
    - `settings`: the profile's `baselines` section (search ranges, GP restarts, seed).
    - `domain`: the training box, stored with the GP for its use as a forward model.

    **Returns:**

    For each baseline (`mean`, `linear`, `knn`, `rbf`, `gp`): `info` (the tuned
    hyperparameter and validation scores, or the GP kernels) and, for `validation` and
    `test`, the predicted `mean` (rows, 3) and, for the GP, its predictive `sd`; and the
    fitted GP as a JAX forward model ([`GPEmulator`][clusteremu.emulators.gp.GPEmulator]).
    """
    norm = Normalizer.fit(data.train)

    def unit(split):
        return np.asarray(norm.x_to_unit(split.x)), np.asarray(norm.y_to_unit(split.y))

    (xt, yt), (xv, yv) = unit(data.train), unit(data.validation)
    k_max = min(settings["knn_k_max"], len(xt))
    smooth = np.logspace(settings["rbf_log10_smoothing_min"], settings["rbf_log10_smoothing_max"], 13).tolist()
    k, knn, knn_scores = tune(KNNBaseline, range(1, k_max + 1), xt, yt, xv, yv)
    s, rbf, rbf_scores = tune(RBFBaseline, smooth, xt, yt, xv, yv)
    gp = GPBaseline(settings["gp_restarts"], settings["seed"]).fit(xt, yt)
    models = {
        "mean": (MeanBaseline().fit(xt, yt), {}),
        "linear": (LinearBaseline().fit(xt, yt), {}),
        "knn": (knn, {"k": k, "validation_rmse": {str(h): v for h, v in knn_scores.items()}}),
        "rbf": (rbf, {"smoothing": s, "validation_rmse": {f"{h:.3g}": v for h, v in rbf_scores.items()}}),
        "gp": (gp, {"kernels": [str(g.kernel_) for g in gp.gps]}),
    }
    y_mean, y_std = np.asarray(norm.y_mean), np.asarray(norm.y_std)
    out = {}
    for name, (model, info) in models.items():
        entry: dict[str, Any] = {"info": info}
        for split in ("validation", "test"):
            x = np.asarray(norm.x_to_unit(data.splits[split].x))
            if name == "gp":
                mean, sd = model.predict(x, return_std=True)
                entry[split] = {"mean": (mean * y_std + y_mean).tolist(), "sd": (sd * y_std).tolist()}
            else:
                entry[split] = {"mean": (model.predict(x) * y_std + y_mean).tolist()}
        out[name] = entry
    x_mean, x_std = (np.asarray(a) for a in (norm.x_mean, norm.x_std))
    return out, GPEmulator.from_sklearn(gp.gps, xt, x_mean, x_std, y_mean, y_std, domain)
