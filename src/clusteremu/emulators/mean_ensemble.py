"""The trained emulator in physical units: predict, know the domain, save and load.

An [`Emulator`][] is an Equinox module holding everything that `fit_emulator` learned
(see [`clusteremu.emulators.mean_fit`][]): the ensemble, the training-only normalization, the noise model,
the calibration and the likelihood widths. Inputs (Q0, a in AU) are normalized, passed
through every member and denormalized to physical summaries (f_bound; sigma_v in km/s;
r_h in AU). Prediction is one jit-compiled function, so `clusteremu predict` costs
microseconds after loading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.splits import Normalizer
from ..prior import ParameterBox
from .mlp import MLP, architecture, ensemble_apply, make_ensemble
from .modelfile import EnsembleFileError, model_bytes, read_arrays, read_model_file
from .uncertainty import NoiseModel, predictive_variance

__all__ = ["FORMAT", "Emulator", "Moments", "Prediction", "emulator_bytes", "load_emulator", "read_header"]

FORMAT = "clusteremu.emulator/3"  # /3: the checksum covers the header


class Moments(eqx.Module):
    """Emulated moments at `rows` inputs, physical units, shape `(rows, outputs)` each.

    - `mean`: ensemble mean, the emulated realization mean.
    - `ensemble_var`: variance of the members (ddof = 1): disagreement, not total uncertainty.
    - `sim_var`: the simulator's realization variance from the noise model.
    - `total_var`: predictive variance of one new realization (see
      [`predictive_variance`][clusteremu.emulators.uncertainty.predictive_variance]).
    """

    mean: Float[Array, "rows outputs"]
    ensemble_var: Float[Array, "rows outputs"]
    sim_var: Float[Array, "rows outputs"]
    total_var: Float[Array, "rows outputs"]


@dataclass(frozen=True)
class Prediction:
    """[`Moments`][] as NumPy standard deviations, plus every member's prediction
    `members`, shape `(members, rows, outputs)`."""

    mean: np.ndarray
    ensemble_sd: np.ndarray
    sim_sd: np.ndarray
    total_sd: np.ndarray
    members: np.ndarray


class Emulator(eqx.Module):
    """A trained ensemble with its normalization, domain, noise model, calibration and widths.

    **Arguments:**

    - `ensemble`: the members, stacked (see [`make_ensemble`][clusteremu.emulators.mlp.make_ensemble]).
    - `normalizer`: training-only standardization of inputs and outputs.
    - `noise`: the simulator's realization variance as a function of the inputs.
    - `scale`: calibration factor c per output (fitted on validation), shape `(outputs,)`.
    - `residual_sd`: RMSE of the ensemble mean against single validation realizations per
      output (the constant likelihood width), physical units.
    - `residual_cov`: covariance of those validation residuals, physical units squared.
    - `domain`: the training box (static); the emulator has no authority outside it.
    - `outputs`: names of the outputs, in order (static).
    """

    ensemble: MLP
    normalizer: Normalizer
    noise: NoiseModel
    scale: Float[Array, " outputs"]
    residual_sd: Float[Array, " outputs"]
    residual_cov: Float[Array, "outputs outputs"]
    domain: ParameterBox = eqx.field(static=True)
    outputs: tuple[str, ...] = eqx.field(static=True)

    def __check_init__(self):
        n = len(self.outputs)
        if self.scale.shape != (n,) or self.residual_sd.shape != (n,) or self.residual_cov.shape != (n, n):
            raise ValueError(f"calibration and widths must have one entry per output {self.outputs}")

    def members(self, x: Float[ArrayLike, "rows 2"]) -> Float[Array, "members rows outputs"]:
        """Every member's prediction in physical units (traceable by JAX)."""
        z = ensemble_apply(self.ensemble, self.normalizer.x_to_unit(jnp.asarray(x, float)))
        return self.normalizer.y_from_unit(z.astype(float))

    def moments(self, x: Float[ArrayLike, "rows 2"], *, calibrated: bool = True) -> Moments:
        """Mean, member variance, simulator variance and predictive variance (traceable)."""
        x = jnp.atleast_2d(jnp.asarray(x, float))
        members = self.members(x)
        ens_var = jnp.var(members, axis=0, ddof=1)
        sim_var = self.noise.variance(self.normalizer.x_to_unit(x))
        scale = self.scale if calibrated else jnp.ones_like(self.scale)
        return Moments(members.mean(axis=0), ens_var, sim_var, predictive_variance(ens_var, sim_var, scale))

    def predict(self, x: Float[np.ndarray, "rows 2"], *, calibrated: bool = True) -> Prediction:
        """Mean, spreads and predictive sd at physical inputs `x` (rows, 2), as NumPy arrays."""
        members, m = _predict(self, jnp.atleast_2d(jnp.asarray(x, float)), calibrated)
        return Prediction(
            mean=np.asarray(m.mean),
            ensemble_sd=np.sqrt(np.asarray(m.ensemble_var)),
            sim_sd=np.sqrt(np.asarray(m.sim_var)),
            total_sd=np.sqrt(np.asarray(m.total_var)),
            members=np.asarray(members),
        )

    def in_domain(self, x: Float[np.ndarray, "rows 2"]) -> np.ndarray:
        """Whether each row (Q0, a) lies in the training domain."""
        return self.domain.contains(np.asarray(x, float))

    def to_bytes(self, info: dict | None = None) -> bytes:
        """The emulator file's bytes (see [`emulator_bytes`][]); `info` is stored as-is."""
        return emulator_bytes(self, info or {})

    @classmethod
    def load(cls, path: str | Path) -> Emulator:
        """Read an emulator file (see [`load_emulator`][])."""
        return load_emulator(path)


@eqx.filter_jit
def _predict(em: Emulator, x, calibrated: bool):
    return em.members(x), em.moments(x, calibrated=calibrated)


def emulator_bytes(em: Emulator, info: dict[str, Any]) -> bytes:
    """Serialize `em` in [`clusteremu.emulators.modelfile`][]'s layout; `info` (JSON-able facts
    about the fit) goes into the header unread. The header holds what rebuilds the structure:
    architecture, output names, training domain and the number of noise-model points."""
    head = {
        "format": FORMAT,
        **architecture(em.ensemble),
        "outputs": list(em.outputs),
        "domain": em.domain.as_dict(),
        "noise_points": int(em.noise.x_unit.shape[0]),
        "info": info,
    }
    return model_bytes(em, head)


def read_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of an emulator file (checks its format and checksum; reads no array)."""
    header, _ = read_model_file(path, (FORMAT,), kind="an emulator", error=EnsembleFileError)
    return header


def load_emulator(path: str | Path) -> Emulator:
    """Read an emulator file written by [`emulator_bytes`][]."""
    path = Path(path)
    header, blob = read_model_file(path, (FORMAT,), kind="an emulator", error=EnsembleFileError)
    n_out, k = len(header["outputs"]), header["noise_points"]
    zeros = jnp.zeros
    skeleton = Emulator(
        ensemble=eqx.filter_eval_shape(make_ensemble, header["n_members"], header["sizes"], key=jax.random.key(0)),
        normalizer=Normalizer(zeros(2), zeros(2), zeros(n_out), zeros(n_out)),
        noise=NoiseModel(zeros((k, 2)), zeros((k, n_out)), 0.0),
        scale=zeros(n_out),
        residual_sd=zeros(n_out),
        residual_cov=zeros((n_out, n_out)),
        domain=ParameterBox.from_domain(header["domain"]),
        outputs=tuple(header["outputs"]),
    )
    return read_arrays(path, blob, skeleton, structure=str(header["sizes"]), error=EnsembleFileError)
