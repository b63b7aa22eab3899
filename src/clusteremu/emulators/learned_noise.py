"""The learned-noise emulator: every member predicts the mean and the covariance of a realization.

The simulator's scatter is heteroscedastic and correlated (where few stars stay bound,
sigma_v and r_h come from ~20 stars), so instead of a mean emulator plus a separate noise
model, each member of the ensemble outputs, for inputs theta, a Gaussian over the three
summaries in the unbounded space of [`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform]
(logit bound fraction, log sigma_v, log r_h): a mean and a Cholesky factor of its
covariance (3 log-diagonal entries through softplus, 3 below the diagonal), trained on
every training realization with the Gaussian negative log-likelihood (Lakshminarayanan et
al. 2017), optionally beta-weighted (Seitzer et al. 2022) so that high-variance regions do
not starve the mean of gradient.

The ensemble is a mixture of its members; its first two moments are the mean of the member
means and Sigma_sim + Sigma_emu, the mean of the member covariances (the simulator's
scatter, aleatoric) plus the covariance of the member means (the members' disagreement,
epistemic). One factor per output, fitted on the validation split, scales the total
predictive standard deviation so that the mean squared standardized residual there is one.
Predictions in physical units come back through the inverse transform, so they are
physical by construction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.splits import EmulatorData
from ..prior import ParameterBox
from .mlp import DTYPE, MLP, architecture, ensemble_apply, make_ensemble
from .modelfile import EnsembleFileError, model_bytes, read_arrays, read_model_file
from .selection import SelectionModel
from .training import EnsembleSettings, FitResult, train_ensemble
from .transforms import SummaryTransform

__all__ = [
    "LEARNED_FORMAT",
    "LearnedEmulator",
    "LearnedPrediction",
    "LearnedSettings",
    "ZMoments",
    "fit_learned",
    "gaussian_nll",
    "learned_bytes",
    "load_learned",
]

LEARNED_FORMAT = "clusteremu.learned/2"  # /2: the checksum covers the header

N_OUT = 3
#: Smallest member standard deviation, in standardized units: keeps the NLL bounded.
MIN_SD = 1e-3
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(40)


@dataclass(frozen=True)
class LearnedSettings(EnsembleSettings):
    """The profile's `learned` section: the learned-noise ensemble, plus the beta of beta-NLL."""

    section: ClassVar[str] = "learned"
    n_outputs: ClassVar[int] = N_OUT + N_OUT * (N_OUT + 1) // 2  # mean and Cholesky factor

    beta: float


def _gaussian(out: Float[Array, " 9"]) -> tuple[Float[Array, " 3"], Float[Array, "3 3"]]:
    """Mean and Cholesky factor from one member's raw output (standardized units)."""
    mean, raw = out[:N_OUT], out[N_OUT:]
    diag = jax.nn.softplus(raw[:N_OUT]) + MIN_SD
    rows, cols = jnp.tril_indices(N_OUT, -1)
    chol = jnp.diag(diag).at[rows, cols].set(raw[N_OUT:])
    return mean, chol


def gaussian_nll(model: MLP, x: Float[Array, "n 2"], z: Float[Array, "n 3"], beta: float = 0.0) -> Float[Array, ""]:
    """Mean Gaussian negative log-likelihood of rows `z` under one member at inputs `x`.

    With `beta` > 0 each row's term is weighted by its predicted variance^beta (held
    constant in the gradient), the beta-NLL of Seitzer et al. (2022).
    """
    mean, chol = jax.vmap(_gaussian)(jax.vmap(model)(x))
    resid = jax.scipy.linalg.solve_triangular(chol, (z - mean)[..., None], lower=True)[..., 0]
    logdet = jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    nll = 0.5 * jnp.sum(resid**2, axis=-1) + logdet
    if beta:
        var = jnp.sum(chol**2, axis=-1).mean(axis=-1)  # mean diagonal of the covariance
        nll = nll * jax.lax.stop_gradient(var**beta)
    return jnp.mean(nll)


class ZMoments(eqx.Module):
    """Predictive moments in transformed space z at `rows` inputs: the mean (rows, 3), the
    simulator's covariance `aleatoric`, the members' `epistemic` covariance and their
    calibrated sum `total` (rows, 3, 3)."""

    mean: Float[Array, "rows 3"]
    aleatoric: Float[Array, "rows 3 3"]
    epistemic: Float[Array, "rows 3 3"]
    total: Float[Array, "rows 3 3"]


@dataclass(frozen=True)
class LearnedPrediction:
    """Physical-unit predictions (rows, 3): `mean` (E[y]), `total_sd`, `sim_sd` (the
    simulator's scatter alone), and central 68% and 95% intervals `lo68`, `hi68`, `lo95`,
    `hi95` for one new realization."""

    mean: np.ndarray
    total_sd: np.ndarray
    sim_sd: np.ndarray
    lo68: np.ndarray
    hi68: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray


class LearnedEmulator(eqx.Module):
    """A fitted learned-noise ensemble, with its standardization, calibration and domain.

    **Arguments:**

    - `ensemble`: stacked members, each 2 -> hidden -> 9 (mean and Cholesky factor).
    - `x_mean`, `x_std`: training statistics of the inputs (Q0; a in AU).
    - `z_mean`, `z_std`: training statistics of the transformed summaries.
    - `scale`: calibration factor per output on the total predictive sd (validation).
    - `transform`: the summary transform (holds the number of stars N).
    - `selection`: P(usable | theta), fitted on every training simulation
      ([`SelectionModel`][clusteremu.emulators.selection.SelectionModel]), for the likelihood of an
      observed, hence usable, cluster.
    - `domain`: the training box (static).
    """

    ensemble: MLP
    x_mean: Float[Array, " 2"]
    x_std: Float[Array, " 2"]
    z_mean: Float[Array, " 3"]
    z_std: Float[Array, " 3"]
    scale: Float[Array, " 3"]
    transform: SummaryTransform
    selection: SelectionModel
    domain: ParameterBox = eqx.field(static=True)

    def members(self, theta: Float[ArrayLike, "rows 2"]) -> tuple[Float[Array, "m rows 3"], Float[Array, "m rows 3 3"]]:
        """Each member's mean and covariance in z (unstandardized), traceable."""
        x = (jnp.atleast_2d(jnp.asarray(theta, float)) - self.x_mean) / self.x_std
        out = ensemble_apply(self.ensemble, x).astype(float)
        mean, chol = jax.vmap(jax.vmap(_gaussian))(out)
        cov = chol @ jnp.swapaxes(chol, -1, -2)
        return mean * self.z_std + self.z_mean, cov * jnp.outer(self.z_std, self.z_std)

    def moments(self, theta: Float[ArrayLike, "rows 2"], *, calibrated: bool = True) -> ZMoments:
        """The mixture's mean and covariances in z (the one place the variance is composed)."""
        mean, cov = self.members(theta)
        mu = mean.mean(axis=0)
        aleatoric = cov.mean(axis=0)
        d = mean - mu
        epistemic = jnp.einsum("mri,mrj->rij", d, d) / (mean.shape[0] - 1)
        s = self.scale if calibrated else jnp.ones_like(self.scale)
        return ZMoments(mu, aleatoric, epistemic, (aleatoric + epistemic) * jnp.outer(s, s))

    def predict(self, theta: Float[np.ndarray, "rows 2"], *, calibrated: bool = True) -> LearnedPrediction:
        """Physical predictions: E[y], sds and central intervals for one new realization."""
        return _predict(self, jnp.atleast_2d(jnp.asarray(theta, float)), calibrated)

    def in_domain(self, theta: Float[np.ndarray, "rows 2"]) -> np.ndarray:
        return self.domain.contains(np.asarray(theta, float))

    def to_bytes(self, info: dict | None = None) -> bytes:
        """The emulator file's bytes (see [`learned_bytes`][]); `info` is stored as-is."""
        return learned_bytes(self, info or {})

    @classmethod
    def load(cls, path: str | Path) -> LearnedEmulator:
        """Read a learned-noise emulator file (see [`load_learned`][])."""
        return load_learned(path)


def _marginal_moments(transform: SummaryTransform, mean, var):
    """E[y_j] and sd[y_j] of y = inverse(z) for Gaussian marginals of z (Gauss-Hermite)."""
    sd = jnp.sqrt(var)
    nodes = mean[..., None, :] + jnp.sqrt(2.0) * sd[..., None, :] * _GH_X[:, None]  # rows, k, 3
    y = transform.inverse(nodes)
    w = (_GH_W / np.sqrt(np.pi))[:, None]
    m1 = jnp.sum(w * y, axis=-2)
    m2 = jnp.sum(w * y**2, axis=-2)
    return m1, jnp.sqrt(jnp.maximum(m2 - m1**2, 0.0))


@eqx.filter_jit
def _predict_arrays(em: LearnedEmulator, theta, calibrated: bool):
    m = em.moments(theta, calibrated=calibrated)
    var = jnp.diagonal(m.total, axis1=-2, axis2=-1)
    mean, total_sd = _marginal_moments(em.transform, m.mean, var)
    _, sim_sd = _marginal_moments(em.transform, m.mean, jnp.diagonal(m.aleatoric, axis1=-2, axis2=-1))
    bounds = [em.transform.inverse(m.mean + k * jnp.sqrt(var)) for k in (-1.0, 1.0, -1.959964, 1.959964)]
    return mean, total_sd, sim_sd, *bounds


def _predict(em, theta, calibrated):
    return LearnedPrediction(*(np.asarray(a) for a in _predict_arrays(em, theta, calibrated)))


def fit_learned(data: EmulatorData, settings: LearnedSettings, domain: ParameterBox, n_stars: int) -> FitResult:
    """Fit the learned-noise ensemble on the training split; calibrate on validation.

    Also fits the selection model P(usable | theta) on every training simulation.

    **Arguments:**

    - `data`: the campaign split by design point (physical summaries; test never read).
    - `settings`: architecture, optimizer, stopping rule, beta.
    - `domain`: the training box.
    - `n_stars`: stars per cluster N (the bound fraction's resolution, 1/N).

    **Returns:**

    A [`FitResult`][clusteremu.emulators.training.FitResult]: the fitted [`LearnedEmulator`][], the
    training history (validation NLL decides early stopping) and the training time.
    """
    transform = SummaryTransform(n_stars)
    train, val = data.train, data.validation
    z_train, z_val = np.asarray(transform.forward(train.y)), np.asarray(transform.forward(val.y))
    x_mean, x_std = train.x.mean(0), train.x.std(0, ddof=1)
    z_mean, z_std = z_train.mean(0), z_train.std(0, ddof=1)

    def unit(a, m, s):
        return jnp.asarray((a - m) / s, dtype=DTYPE)

    ensemble = make_ensemble(settings.n_members, settings.sizes, key=jax.random.key(settings.seed))
    t0 = time.perf_counter()
    ensemble, history = train_ensemble(
        ensemble,
        unit(train.x, x_mean, x_std),
        unit(z_train, z_mean, z_std),
        unit(val.x, x_mean, x_std),
        unit(z_val, z_mean, z_std),
        learning_rate=settings.learning_rate,
        max_epochs=settings.max_epochs,
        patience=settings.patience_epochs,
        loss=lambda model, x, z: gaussian_nll(model, x, z, settings.beta),
        val_loss=gaussian_nll,  # stop on the plain NLL: the beta weights change as the variances do
    )
    selection = SelectionModel.fit(data.selection_x, data.selection_usable)
    em = LearnedEmulator(
        ensemble,
        *(jnp.asarray(a) for a in (x_mean, x_std, z_mean, z_std)),
        jnp.ones(N_OUT),
        transform,
        selection,
        domain,
    )
    m = em.moments(val.x, calibrated=False)
    r2 = (z_val - np.asarray(m.mean)) ** 2 / np.asarray(jnp.diagonal(m.total, axis1=-2, axis2=-1))
    em = eqx.tree_at(lambda e: e.scale, em, jnp.sqrt(jnp.asarray(r2.mean(axis=0))))
    return FitResult(em, history, time.perf_counter() - t0)


def learned_bytes(em: LearnedEmulator, info: dict[str, Any]) -> bytes:
    """Serialize a learned-noise emulator in [`clusteremu.emulators.modelfile`][]'s layout;
    `info` goes into the header unread. The header holds the architecture, the stars per
    cluster (which fixes the summary transform) and the training domain."""
    head = {
        "format": LEARNED_FORMAT,
        **architecture(em.ensemble),
        "n_stars": em.transform.n_stars,
        "domain": em.domain.as_dict(),
        "info": info,
    }
    return model_bytes(em, head)


def load_learned(path: str | Path) -> LearnedEmulator:
    """Read a learned-noise emulator file written by [`learned_bytes`][]."""
    path = Path(path)
    header, blob = read_model_file(path, (LEARNED_FORMAT,), kind="an emulator", error=EnsembleFileError)
    z2, z3 = jnp.zeros(2), jnp.zeros(3)
    skeleton = LearnedEmulator(
        eqx.filter_eval_shape(make_ensemble, header["n_members"], header["sizes"], key=jax.random.key(0)),
        z2,
        z2,
        z3,
        z3,
        z3,
        SummaryTransform(header["n_stars"]),
        SelectionModel(jnp.zeros(6), z2, z2),
        ParameterBox.from_domain(header["domain"]),
    )
    return read_arrays(path, blob, skeleton, structure=str(header["sizes"]), error=EnsembleFileError)
