"""The Gaussian-process baseline as a JAX forward model, for the grid and for NUTS.

scikit-learn fits one GP per output (constant x Matern-5/2 with one length scale per
input, plus white noise; see [`GPBaseline`][clusteremu.emulators.baselines.GPBaseline]); this module
carries its fitted state, the training inputs, the weights alpha = (K + s^2 I)^-1 y and the
Cholesky factor of K + s^2 I, into an Equinox module whose prediction is JAX-traceable and
differentiable, in physical units. Its predictive variance includes the fitted white
noise, so it describes one new realization, like the emulators' total variance.
"""

from __future__ import annotations

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..prior import ParameterBox
from .modelfile import ModelFileError, model_bytes, read_arrays, read_model_file

__all__ = ["FORMAT", "GPEmulator", "GPFileError"]


FORMAT = "clusteremu.gp/1"


class GPFileError(ModelFileError):
    """A Gaussian-process file is malformed, of another format version, or inconsistent."""


def _matern52(r: Float[Array, ...]) -> Float[Array, ...]:
    s = jnp.sqrt(5.0) * r
    return (1.0 + s + s**2 / 3.0) * jnp.exp(-s)


class GPEmulator(eqx.Module):
    """Fitted GPs, one per output, over normalized inputs; predictions in physical units.

    **Arguments:**

    - `x_train`: normalized training inputs (n, 2).
    - `alpha`: (3, n) weights; `chol`: (3, n, n) lower Cholesky factors of K + s^2 I.
    - `amplitude`, `noise`: (3,) constant-kernel variance and white-noise variance.
    - `length`: (3, 2) length scales; all in normalized units.
    - `x_mean`, `x_std`, `y_mean`, `y_std`: the training normalization.
    - `domain`: the training box (static).
    """

    x_train: Float[Array, "n 2"]
    alpha: Float[Array, "3 n"]
    chol: Float[Array, "3 n n"]
    amplitude: Float[Array, " 3"]
    length: Float[Array, "3 2"]
    noise: Float[Array, " 3"]
    x_mean: Float[Array, " 2"]
    x_std: Float[Array, " 2"]
    y_mean: Float[Array, " 3"]
    y_std: Float[Array, " 3"]
    domain: ParameterBox = eqx.field(static=True)

    @classmethod
    def from_sklearn(cls, gps, x_train, x_mean, x_std, y_mean, y_std, domain: ParameterBox) -> GPEmulator:
        """From fitted `GaussianProcessRegressor`s (one per output, kernel C * Matern + White)."""
        amp, length, noise = [], [], []
        for gp in gps:
            k = gp.kernel_
            amp.append(k.k1.k1.constant_value)
            length.append(np.broadcast_to(k.k1.k2.length_scale, (2,)))
            noise.append(k.k2.noise_level)
        arrays = (
            x_train,
            [g.alpha_ for g in gps],
            [g.L_ for g in gps],
            amp,
            length,
            noise,
            x_mean,
            x_std,
            y_mean,
            y_std,
        )
        return cls(*(jnp.asarray(np.asarray(a, float)) for a in arrays), domain)

    def predict(self, theta: Float[ArrayLike, "rows 2"]) -> tuple[Float[Array, "rows 3"], Float[Array, "rows 3"]]:
        """Predictive mean and variance of one new realization, physical units."""
        x = (jnp.atleast_2d(jnp.asarray(theta, float)) - self.x_mean) / self.x_std

        def one(alpha, chol, amp, length, noise):
            r = jnp.sqrt(jnp.sum(((x[:, None, :] - self.x_train[None]) / length) ** 2, axis=-1) + 1e-300)
            k = amp * _matern52(r)  # rows, n
            mean = k @ alpha
            v = jax.scipy.linalg.solve_triangular(chol, k.T, lower=True)
            return mean, amp - jnp.sum(v**2, axis=0) + noise

        mean, var = jax.vmap(one)(self.alpha, self.chol, self.amplitude, self.length, self.noise)
        return mean.T * self.y_std + self.y_mean, jnp.maximum(var.T, 0.0) * self.y_std**2

    def to_bytes(self, info: dict | None = None) -> bytes:
        """The GP file's bytes, in [`clusteremu.emulators.modelfile`][]'s layout; `info` is stored as-is."""
        head = {
            "format": FORMAT,
            "n_train": int(self.x_train.shape[0]),
            "domain": self.domain.as_dict(),
            "info": info or {},
        }
        return model_bytes(self, head)

    @classmethod
    def load(cls, path: str | Path) -> GPEmulator:
        """Read a GP file written by [`to_bytes`][]; a malformed, edited or older file raises
        [`GPFileError`][] naming the file and how to rebuild it."""
        path = Path(path)
        header, blob = read_model_file(path, (FORMAT,), kind="a Gaussian-process", error=GPFileError)
        n = int(header["n_train"])
        z = jnp.zeros
        skeleton = cls(
            z((n, 2)),
            z((3, n)),
            z((3, n, n)),
            z(3),
            z((3, 2)),
            z(3),
            z(2),
            z(2),
            z(3),
            z(3),
            ParameterBox.from_domain(header["domain"]),
        )
        return read_arrays(path, blob, skeleton, structure=f"{n} training points", error=GPFileError)
