"""The trained emulator in physical units: predict, know the domain, save and load.

An [`Emulator`][] is an Equinox module holding everything that `fit_emulator` learned
(see [`clusteremu.fit`][]): the ensemble, the training-only normalization, the noise model,
the calibration and the likelihood widths. Inputs (Q0, a in AU) are normalized, passed
through every member and denormalized to physical summaries (f_bound; sigma_v in km/s;
r_h in AU). Prediction is one jit-compiled function, so `clusteremu predict` costs
microseconds after loading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from . import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .emulator_data import Normalizer
from .mlp import MLP, ensemble_apply
from .prior import ParameterBox
from .uncertainty import NoiseModel, predictive_variance

__all__ = ["Emulator", "Moments", "Prediction"]


class Moments(eqx.Module):
    """Emulated moments at `rows` inputs, physical units, shape `(rows, outputs)` each.

    - `mean`: ensemble mean, the emulated realization mean.
    - `ensemble_var`: variance of the members (ddof = 1): disagreement, not total uncertainty.
    - `sim_var`: the simulator's realization variance from the noise model.
    - `total_var`: predictive variance of one new realization (see
      [`predictive_variance`][clusteremu.uncertainty.predictive_variance]).
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

    - `ensemble`: the members, stacked (see [`make_ensemble`][clusteremu.mlp.make_ensemble]).
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
        """The emulator file's bytes (see [`clusteremu.ensemble_io`][]); `info` is stored as-is."""
        from .ensemble_io import emulator_bytes

        return emulator_bytes(self, info or {})

    @classmethod
    def load(cls, path: str | Path) -> Emulator:
        from .ensemble_io import load_emulator

        return load_emulator(path)


@eqx.filter_jit
def _predict(em: Emulator, x, calibrated: bool):
    return em.members(x), em.moments(x, calibrated=calibrated)
