"""Fit an emulator in one call: normalization, ensemble, noise model, calibration, widths.

[`fit_emulator`][] does everything that turns a campaign into an
[`Emulator`][clusteremu.emulators.mean_ensemble.Emulator], in this order and with this data discipline:

1. the normalization from the training split alone;
2. the ensemble, trained on the training split with early stopping on validation;
3. the noise model sigma_sim^2(x) from the training points' realization variances;
4. the calibration factor c per output, from validation residuals;
5. the constant and full-covariance likelihood widths, from the same validation residuals.

The test split is never read. Everything lands in the returned emulator, so its file alone
serves `predict` and `infer`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.splits import EmulatorData, Normalizer
from ..datasets.table import OUTPUT_NAMES
from ..prior import ParameterBox
from .mean_ensemble import Emulator
from .mlp import DTYPE, make_ensemble
from .training import EnsembleSettings, FitResult, train_ensemble
from .uncertainty import NoiseModel, fit_scale

__all__ = ["EmulatorSettings", "fit_emulator"]


@dataclass(frozen=True)
class EmulatorSettings(EnsembleSettings):
    """The profile's `emulator` section: the mean ensemble, plus the noise model's neighbours."""

    section: ClassVar[str] = "emulator"
    n_outputs: ClassVar[int] = len(OUTPUT_NAMES)

    noise_neighbours: int


def _unit(a) -> jax.Array:
    return jnp.asarray(a, dtype=DTYPE)


def fit_emulator(data: EmulatorData, settings: EmulatorSettings, domain: ParameterBox) -> FitResult:
    """Fit every part of the emulator on `data` (training and validation splits only).

    **Arguments:**

    - `data`: the campaign split by design point.
    - `settings`: architecture, optimizer, stopping rule and noise-model width.
    - `domain`: the training box, stored with the emulator (its prior and its authority).

    **Returns:**

    A [`FitResult`][clusteremu.emulators.training.FitResult].
    """
    train, val = data.train, data.validation
    norm = Normalizer.fit(train)
    ensemble = make_ensemble(settings.n_members, settings.sizes, key=jax.random.key(settings.seed))
    t0 = time.perf_counter()
    ensemble, history = train_ensemble(
        ensemble,
        _unit(norm.x_to_unit(train.x)),
        _unit(norm.y_to_unit(train.y)),
        _unit(norm.x_to_unit(val.x)),
        _unit(norm.y_to_unit(val.y)),
        learning_rate=settings.learning_rate,
        max_epochs=settings.max_epochs,
        patience=settings.patience_epochs,
    )
    seconds = time.perf_counter() - t0
    stats = train.point_statistics()
    noise = NoiseModel.fit(np.asarray(norm.x_to_unit(stats.x)), stats.sd**2, settings.noise_neighbours)
    n_out = len(OUTPUT_NAMES)
    em = Emulator(ensemble, norm, noise, jnp.ones(n_out), jnp.ones(n_out), jnp.eye(n_out), domain, OUTPUT_NAMES)
    raw = em.predict(val.x, calibrated=False)
    resid = val.y - raw.mean
    scale = [fit_scale(resid[:, j], raw.ensemble_sd[:, j] ** 2, raw.sim_sd[:, j] ** 2) for j in range(n_out)]
    em = Emulator(
        ensemble,
        norm,
        noise,
        scale=jnp.asarray(scale),
        residual_sd=jnp.asarray(np.sqrt(np.mean(resid**2, axis=0))),
        residual_cov=jnp.asarray(np.cov(resid, rowvar=False)),
        domain=domain,
        outputs=OUTPUT_NAMES,
    )
    return FitResult(em, history, seconds)
