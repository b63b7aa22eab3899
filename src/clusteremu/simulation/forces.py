"""Softened gravitational accelerations by direct summation: a dense kernel and a tiled one.

Both kernels compute a_i = G sum_j m_j (x_j - x_i) / (|x_j - x_i|^2 + eps^2)^(3/2) with
the same contract: the separations are formed in float64 and only then rounded to
`force_dtype` (so close pairs keep their precision), the sum over partners runs as a
matrix product on positions taken about their mean (so the cancellation in x_j - x_i
costs `force_dtype`'s relative precision of the cluster's size, not of its distance from
the origin), the j = i term is exactly zero, and the mass-weighted mean acceleration,
zero in exact arithmetic, is subtracted in float64, so total momentum is conserved to
float64 rounding in either precision. They differ in the order of the sums, so the
chaotic dynamics turn their last-bit differences into different realizations: which one
runs is a fixed function of N ([`force_kernel`][]), and N is part of every simulation's
settings, so a cached result always names the kernel that made it.

- **dense** (N < [`TILED_FROM_N`][]): the N x N separations and weights at once, the sum
  over partners as one GEMM, a_i = sum_j w_ij c_j - c_i sum_j w_ij (c: centred
  positions). Shaped for XLA on CPU (measured with `make bench`): separations per
  Cartesian component (no `(n, n, 3)` broadcast), the weight as `1 / (r2 * sqrt(r2))`
  (`rsqrt` and `r2 ** -1.5` measured slower), the diagonal excluded by an infinite r2
  (masking the weight with `where` measured slower). It is the kernel that computed every
  simulation of the profiles (N = 64 and 100), and its code is unchanged since.
- **tiled** (N >= [`TILED_FROM_N`][]): the same arithmetic for one block of [`TILE`][]
  target stars at a time (`lax.map` over blocks), so each temporary is `TILE x N` instead
  of `N x N` and stays in the core's cache; the weight's mass factor moves into the GEMM's
  left operand, whose fourth row of masses yields sum_j w_ij in the same pass. From
  N ~ 400 the dense kernel's temporaries (per device, batch x N^2 floats each) leave the
  cache and its rate falls threefold; the tiled kernel keeps the small-N rate to N = 2000.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..units import G

__all__ = ["TILE", "TILED_FROM_N", "accelerations", "dense_accelerations", "force_kernel", "tiled_accelerations"]

#: Smallest N that runs the tiled kernel (measured crossover, see the README's bench).
TILED_FROM_N = 320
#: Target stars per block of the tiled kernel (measured, see the README's bench).
TILE = 32


def force_kernel(n_stars: int) -> str:
    """The kernel [`accelerations`][] runs for `n_stars` stars: `"dense"` or `"tiled"`."""
    return "dense" if n_stars < TILED_FROM_N else "tiled"


def accelerations(
    pos: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
    force_dtype: str = "float64",
) -> Float[Array, "3 n"]:
    """Softened gravitational acceleration on every star (AU/yr^2), returned in float64.

    **Arguments:**

    - `pos`: positions (AU), shape `(3, n)`.
    - `masses`: stellar masses (Msun).
    - `softening`: Plummer softening length (AU).
    - `force_dtype`: precision of the force evaluation, "float64" or "float32" (static).

    Runs [`force_kernel`][]`(n)`: the dense kernel below [`TILED_FROM_N`][] stars, the
    tiled one from there (see the module docs).
    """
    if force_kernel(jnp.shape(pos)[1]) == "dense":
        return dense_accelerations(pos, masses, softening, force_dtype)
    return tiled_accelerations(pos, masses, softening, force_dtype)


def dense_accelerations(
    pos: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
    force_dtype: str = "float64",
) -> Float[Array, "3 n"]:
    """[`accelerations`][] (AU/yr^2) with all N x N pairs at once (the dense kernel).

    The j = i weight is exactly zero (r2 is infinite on the diagonal): in the split form
    w_ii c_i - c_i w_ii would cancel only up to rounding, which for small softening
    (w_ii ~ 1/eps^3) would swamp the force.
    """
    pos = jnp.asarray(pos, jnp.float64)
    f = jnp.dtype(force_dtype)
    x, y, z = pos
    diagonal = jnp.where(jnp.eye(x.shape[0], dtype=bool), jnp.inf, 0.0).astype(f)
    dx = (x[None, :] - x[:, None]).astype(f)
    dy = (y[None, :] - y[:, None]).astype(f)
    dz = (z[None, :] - z[:, None]).astype(f)
    r2 = dx * dx + dy * dy + dz * dz + (jnp.asarray(softening, f) ** 2 + diagonal)
    w = (G * jnp.asarray(masses, f))[None, :] / (r2 * jnp.sqrt(r2))
    centred = (pos - jnp.mean(pos, axis=1, keepdims=True)).astype(f)
    acc = (centred @ w.T - centred * jnp.sum(w, axis=1)[None, :]).astype(jnp.float64)
    return _zero_net_force(acc, masses)


def tiled_accelerations(
    pos: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
    force_dtype: str = "float64",
    tile: int = TILE,
) -> Float[Array, "3 n"]:
    """[`accelerations`][] (AU/yr^2) for `tile` target stars at a time (the tiled kernel).

    The targets are padded to whole blocks by repeating the last star; the padding's rows
    are dropped. Per block: float64 separations to every star rounded to `force_dtype`,
    g_ij = 1 / r2^(3/2) (infinite r2 where j = i), and one GEMM of the sources
    [G m_j c_j; G m_j] (4 x n) with g, whose fourth row is sum_j w_ij.
    """
    pos = jnp.asarray(pos, jnp.float64)
    f = jnp.dtype(force_dtype)
    n = pos.shape[1]
    blocks = -(-n // tile)

    def by_block(a):  # (3, n) -> (blocks, 3, tile), the last block padded with the last star
        return jnp.pad(a, ((0, 0), (0, blocks * tile - n)), mode="edge").reshape(3, blocks, tile).swapaxes(0, 1)

    centred = (pos - jnp.mean(pos, axis=1, keepdims=True)).astype(f)
    mass = G * jnp.asarray(masses, f)
    sources = jnp.concatenate([centred * mass[None, :], mass[None, :]])
    eps2 = jnp.asarray(softening, f) ** 2
    column = jnp.arange(n, dtype=jnp.int32)[None, :]

    def block(args):
        first, x_i, c_i = args
        dx, dy, dz = ((pos[k][None, :] - x_i[k][:, None]).astype(f) for k in range(3))
        r2 = dx * dx + dy * dy + dz * dz + eps2
        r2 = jnp.where(column == first + jnp.arange(tile, dtype=jnp.int32)[:, None], jnp.inf, r2)
        out = sources @ (1 / (r2 * jnp.sqrt(r2))).T
        return out[:3] - c_i * out[3:]

    first = jnp.arange(0, blocks * tile, tile, dtype=jnp.int32)
    acc = lax.map(block, (first, by_block(pos), by_block(centred)))
    return _zero_net_force(acc.swapaxes(0, 1).reshape(3, blocks * tile)[:, :n].astype(jnp.float64), masses)


def _zero_net_force(acc: Float[Array, "3 n"], masses: Float[ArrayLike, " n"]) -> Float[Array, "3 n"]:
    # Internal forces sum to zero; rounding (float32's ~1e-7) leaves a net force that would
    # drift the total momentum. Removing the mass-weighted mean acceleration restores it.
    masses = jnp.asarray(masses, jnp.float64)
    return acc - (acc @ masses / jnp.sum(masses))[:, None]
