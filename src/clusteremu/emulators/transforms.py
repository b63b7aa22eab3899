"""Summaries in an unbounded space: logit of the bound fraction, logs of sigma_v and r_h.

Emulating the summaries in this space makes every prediction physical by construction:
whatever a network outputs, the inverse map returns f_bound in [0, 1] and sigma_v, r_h > 0.
The bound fraction of N stars is k / N with k = 0 ... N, so its logit is taken with a
continuity correction, z = logit((N f + 1/2) / (N + 1)), finite even at f = 0 and f = 1;
the inverse clips to [0, 1] the values a Gaussian tail can reach beyond them.

Densities compare across spaces through the Jacobian,
log p_y(y) = log p_z(z(y)) + log |dz/dy|, which [`SummaryTransform.log_abs_det_jacobian`][]
gives; for a posterior of (Q0, a) it is a constant and drops out.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)

__all__ = ["SummaryTransform"]


class SummaryTransform(eqx.Module):
    """The map y = (f_bound, sigma_v [km/s], r_h [AU]) <-> z in R^3, for clusters of `n_stars`."""

    n_stars: int = eqx.field(static=True)

    def forward(self, y: Float[ArrayLike, "*rows 3"]) -> Float[Array, "*rows 3"]:
        """z = (logit((N f + 1/2) / (N + 1)), log sigma_v, log r_h)."""
        y = jnp.asarray(y, float)
        n = self.n_stars
        p = (n * y[..., 0] + 0.5) / (n + 1.0)
        return jnp.stack([jnp.log(p) - jnp.log1p(-p), jnp.log(y[..., 1]), jnp.log(y[..., 2])], axis=-1)

    def inverse(self, z: Float[ArrayLike, "*rows 3"]) -> Float[Array, "*rows 3"]:
        """y from z; the bound fraction is clipped to [0, 1]."""
        z = jnp.asarray(z, float)
        n = self.n_stars
        f = jnp.clip(((n + 1.0) * jax.nn.sigmoid(z[..., 0]) - 0.5) / n, 0.0, 1.0)
        return jnp.stack([f, jnp.exp(z[..., 1]), jnp.exp(z[..., 2])], axis=-1)

    def log_abs_det_jacobian(self, y: Float[ArrayLike, "*rows 3"]) -> Float[Array, " *rows"]:
        """log |dz/dy| at y (the map is diagonal): densities in y from densities in z."""
        y = jnp.asarray(y, float)
        n = self.n_stars
        p = (n * y[..., 0] + 0.5) / (n + 1.0)
        return jnp.log(n / (n + 1.0)) - jnp.log(p) - jnp.log1p(-p) - jnp.log(y[..., 1]) - jnp.log(y[..., 2])

    def jacobian_diagonal(self, y: Float[ArrayLike, "*rows 3"]) -> Float[Array, "*rows 3"]:
        """dz_j / dy_j at y: maps small measurement errors of y into z (delta method)."""
        y = jnp.asarray(y, float)
        n = self.n_stars
        p = (n * y[..., 0] + 0.5) / (n + 1.0)
        return jnp.stack([n / ((n + 1.0) * p * (1 - p)), 1.0 / y[..., 1], 1.0 / y[..., 2]], axis=-1)
