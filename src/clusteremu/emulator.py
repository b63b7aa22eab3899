"""The trained emulator in physical units: load it, predict, and know its domain.

Wraps the ensemble file (see [`clusteremu.ensemble_io`][]): inputs (Q0, a in AU) are
normalized with the saved *training* statistics, passed through every member, and
denormalized to physical summaries (f_bound; sigma_v in km/s; r_h in AU).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .emulator_data import Normalizer
from .ensemble_io import load_ensemble
from .mlp import MLP, ensemble_apply
from .uncertainty import NoiseModel

__all__ = ["Emulator", "Prediction"]


@dataclass(frozen=True)
class Prediction:
    """Emulator output at `rows` inputs, physical units, shape `(rows, 3)` each.

    - `mean`: ensemble mean, the emulated realization mean.
    - `ensemble_sd`: spread of the members (ddof = 1): disagreement, not total uncertainty.
    - `sim_sd`: the simulator's realization scatter from the noise model.
    - `total_sd`: predictive sd for a new realization, sqrt(c^2 ensemble_sd^2 + sim_sd^2).
    - `members`: every member's prediction, shape `(members, rows, 3)`.
    """

    mean: np.ndarray
    ensemble_sd: np.ndarray
    sim_sd: np.ndarray
    total_sd: np.ndarray
    members: np.ndarray


@dataclass(frozen=True)
class Emulator:
    """A trained ensemble with its normalization, domain, noise model and calibration."""

    ensemble: MLP
    normalizer: Normalizer
    header: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path) -> Emulator:
        return cls(*load_ensemble(path))

    @property
    def domain(self) -> dict[str, float]:
        """The training domain: q0_min, q0_max, a_min_au, a_max_au."""
        return self.header["domain"]

    @property
    def scale(self) -> np.ndarray:
        """Calibration factor c per output (fitted on the validation split)."""
        return np.asarray(self.header["calibration_scale"], dtype=float)

    @property
    def noise(self) -> NoiseModel:
        return NoiseModel.from_dict(self.header["noise_model"])

    def in_domain(self, x: np.ndarray) -> np.ndarray:
        d, x = self.domain, np.atleast_2d(x)
        return (
            (d["q0_min"] <= x[:, 0])
            & (x[:, 0] <= d["q0_max"])
            & (d["a_min_au"] <= x[:, 1])
            & (x[:, 1] <= d["a_max_au"])
        )

    def members(self, x: Float[Array, "rows 2"]) -> Float[Array, "members rows 3"]:
        """Every member's prediction in physical units (traceable by JAX)."""
        n = self.normalizer
        z = ensemble_apply(self.ensemble, (jnp.asarray(x) - n.x_mean) / n.x_std)
        return z * n.y_std + n.y_mean

    def predict(self, x: np.ndarray, *, calibrated: bool = True) -> Prediction:
        """Mean, spreads and predictive sd at physical inputs `x`, shape `(rows, 2)`."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        members = np.asarray(self.members(x))
        ens_var = members.var(axis=0, ddof=1)
        sim_var = np.asarray(self.noise.variance(self.normalizer.x_to_unit(x)))
        c2 = self.scale**2 if calibrated else 1.0
        return Prediction(
            mean=members.mean(axis=0),
            ensemble_sd=np.sqrt(ens_var),
            sim_sd=np.sqrt(sim_var),
            total_sd=np.sqrt(c2 * ens_var + sim_var),
            members=members,
        )
