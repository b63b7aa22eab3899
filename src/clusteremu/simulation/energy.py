"""Energies of a softened N-body system: kinetic, potential and the virial ratio.

The potential energy uses the same Plummer softening as the integrator's forces,
W = -G sum_{i<j} m_i m_j / sqrt(r_ij^2 + eps^2), so the total energy K + W is exactly the
quantity the leapfrog conserves (to O(dt^2)). Energy errors are quoted as
|E(t) - E0| / |W0|, since E0 = (Q0 - 1)|W0| vanishes at Q0 = 1.

W sums over all pairs at once where the dense force kernel runs (the profiles' N: the
order every simulation they cached used) and one block of stars at a time elsewhere, like
the force ([`clusteremu.simulation.forces`][]): at N = 2000 the all-pairs form would hold
three N x N float64 separations (96 MB) per cluster.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..units import G
from .forces import force_kernel, tile_size

__all__ = ["kinetic_energy", "pair_inverse_distances", "potential_energy", "total_energy"]


def kinetic_energy(vel: Float[ArrayLike, "3 n"], masses: Float[ArrayLike, " n"]) -> Float[Array, ""]:
    """K = sum_i m_i |v_i|^2 / 2 in Msun AU^2 yr^-2 (velocities in AU/yr)."""
    return 0.5 * jnp.sum(masses * jnp.sum(vel**2, axis=0))


def pair_inverse_distances(
    pos: Float[ArrayLike, "3 n"], softening: Float[ArrayLike, ""] | float
) -> Float[Array, "n n"]:
    """1 / sqrt(r_ij^2 + eps^2) for every pair (AU^-1), with zeros on the diagonal.

    For the profiles' N (where the dense force kernel runs) in the form that computed
    their simulations; elsewhere per Cartesian component with an infinite diagonal, the
    same values to rounding and ten times faster (1 s for 4 clusters of N = 2000 before,
    as much as 80 force evaluations).
    """
    n = jnp.shape(pos)[1]
    if force_kernel(n) == "dense":
        d = pos[:, None, :] - pos[:, :, None]
        off = ~jnp.eye(n, dtype=bool)
        return jnp.where(off, lax.rsqrt(jnp.where(off, jnp.sum(d**2, axis=0) + softening**2, 1.0)), 0.0)
    x, y, z = jnp.asarray(pos)
    r2 = (x[None, :] - x[:, None]) ** 2 + (y[None, :] - y[:, None]) ** 2 + (z[None, :] - z[:, None]) ** 2
    return lax.rsqrt(jnp.where(jnp.eye(n, dtype=bool), jnp.inf, r2 + softening**2))


def potential_energy(
    pos: Float[ArrayLike, "3 n"], masses: Float[ArrayLike, " n"], softening: Float[ArrayLike, ""] | float
) -> Float[Array, ""]:
    """Softened potential energy W (Msun AU^2 yr^-2) of positions `pos` (AU)."""
    if force_kernel(jnp.shape(pos)[1]) == "dense":
        return -0.5 * G * masses @ pair_inverse_distances(pos, softening) @ masses
    return -0.5 * G * masses @ _tiled_potentials(pos, masses, softening)


def _tiled_potentials(
    pos: Float[ArrayLike, "3 n"], masses: Float[ArrayLike, " n"], softening: Float[ArrayLike, ""] | float
) -> Float[Array, " n"]:
    """sum_{j != i} m_j / sqrt(r_ij^2 + eps^2) for every star i (Msun/AU), one block of stars i at a time."""
    pos, masses = jnp.asarray(pos, jnp.float64), jnp.asarray(masses, jnp.float64)
    n = pos.shape[1]
    tile = tile_size(n)
    blocks = -(-n // tile)
    targets = jnp.pad(pos, ((0, 0), (0, blocks * tile - n)), mode="edge").reshape(3, blocks, tile).swapaxes(0, 1)
    column = jnp.arange(n)[None, :]

    def block(args):
        first, x_i = args
        r2 = sum((pos[k][None, :] - x_i[k][:, None]) ** 2 for k in range(3)) + softening**2
        off = column != first + jnp.arange(tile)[:, None]
        return jnp.where(off, lax.rsqrt(jnp.where(off, r2, 1.0)), 0.0) @ masses

    return lax.map(block, (jnp.arange(0, blocks * tile, tile), targets)).reshape(-1)[:n]


def total_energy(
    pos: Float[ArrayLike, "3 n"],
    vel: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
) -> Float[Array, ""]:
    """E = K + W (Msun AU^2 yr^-2)."""
    return kinetic_energy(vel, masses) + potential_energy(pos, masses, softening)
