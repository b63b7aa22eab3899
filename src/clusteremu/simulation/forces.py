"""Softened gravitational accelerations by direct summation: a dense kernel and a tiled one.

Both kernels compute a_i = G sum_j m_j (x_j - x_i) / (|x_j - x_i|^2 + eps^2)^(3/2) with
the same contract: the separations are formed in float64 and only then rounded to
`force_dtype` (so close pairs keep their precision), the sum over partners runs as a
matrix product on positions taken about their mean (so the cancellation in x_j - x_i
costs `force_dtype`'s relative precision of the cluster's size, not of its distance from
the origin), the j = i term is exactly zero, and the mass-weighted mean acceleration,
zero in exact arithmetic, is subtracted in float64, so total momentum is conserved to
float64 rounding in either precision. They differ in the order of their sums and in the
last bits of each weight, and the chaotic dynamics turn such differences into other
realizations: which kernel runs is a fixed function of N ([`force_kernel`][]), and N is
part of every simulation's settings (and this module part of the simulator code hashed
into every cache context), so a cached result always belongs to one kernel.

- **dense**, for N in [`DENSE_N`][] only: the N of every simulation the paper reports and
  the cache holds, which it computed, and computes bit for bit still (its code is
  unchanged): the clusters of the profiles (smoke 64, paper 100, and the N between) and
  the two-body orbit of the simulator validation (2). The N x N separations and weights
  at once, the sum over
  partners as one GEMM, a_i = sum_j w_ij c_j - c_i sum_j w_ij (c: centred positions),
  the weight as `1 / (r2 * sqrt(r2))` and the diagonal excluded by an infinite r2.
- **tiled**, for every other N: the same separations for one block of target stars at a
  time (`lax.map` over blocks of [`tile_size`][]`(N)` stars, one block up to N = 256), so
  each temporary holds at most [`BLOCK_PAIRS`][] pairs per cluster and stays in the core's
  cache (the dense kernel's N x N temporaries leave it from N ~ 400 and its rate falls
  threefold); lengths in units of the softening, so that the softening is a constant of
  the pair loop; the weight as `rsqrt(r2)^3` (a few float32 ulps, against about one for
  the division; measured 1.3 times faster here, slower in the dense kernel); the masses in
  the GEMM's left operand, whose fourth row of masses yields sum_j m_j g_ij in the same
  pass; the diagonal masked in int32. Measured with `make bench` (`bench/bench_forces.py`), it is
  faster than the dense kernel at every N from 50 to 2000, so the dense kernel stays only
  where the profiles need its bits.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..units import G

__all__ = [
    "BLOCK_PAIRS",
    "DENSE_N",
    "accelerations",
    "dense_accelerations",
    "force_kernel",
    "tile_size",
    "tiled_accelerations",
]

#: The N that run the dense kernel: the profiles' clusters (smoke 64 to paper 100) and the
#: validation's two-body orbit (2), whose results were computed with it (see the module docs).
DENSE_N = frozenset({2, *range(64, 101)})
#: Most pairs per cluster in one block of the tiled kernel (measured, see the README's bench):
#: 256 KB of float32 weights, 1 MB for the 4 clusters per device of a campaign call.
BLOCK_PAIRS = 2**16


def force_kernel(n_stars: int) -> str:
    """The kernel [`accelerations`][] runs for `n_stars` stars: `"dense"` or `"tiled"`."""
    return "dense" if n_stars in DENSE_N else "tiled"


def tile_size(n_stars: int) -> int:
    """Target stars per block of the tiled kernel: the fewest blocks of at most
    [`BLOCK_PAIRS`][] pairs, equal in size (one block up to N = 256), but at least 32
    stars (from N = 2048 on, so that the loop's overhead per block stays small)."""
    blocks = -(-n_stars * n_stars // BLOCK_PAIRS)
    while -(-n_stars // blocks) * n_stars > BLOCK_PAIRS and -(-n_stars // blocks) > 32:
        blocks += 1  # ceil(N^2 / budget) blocks of equal size can overshoot the budget by a row
    return max(-(-n_stars // blocks), min(n_stars, 32))


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

    Runs [`force_kernel`][]`(n)`: the dense kernel for N in [`DENSE_N`][], the tiled one
    for every other N (see the module docs).
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
    tile: int | None = None,
) -> Float[Array, "3 n"]:
    """[`accelerations`][] (AU/yr^2) for `tile` target stars at a time (the tiled kernel).

    `tile` defaults to [`tile_size`][]`(n)`. Lengths are taken in units of the softening
    (in float64), so that r2 + 1 replaces r2 + eps^2: a softening that differs between the
    clusters of a batch would otherwise be one more operand of every pair (measured 15%
    slower); a traced softening must therefore be positive, as every simulation's is (a
    softening of exactly 0, given as a number, runs unsoftened). The targets are padded to
    whole blocks by repeating the last star; the padding's rows are dropped. Per block:
    float64 separations to every star rounded to `force_dtype`, g_ij = rsqrt(r2 + 1)^3
    (infinite r2 where j = i), and one GEMM of the sources [m_j c_j; m_j] (4 x n) with g,
    whose fourth row is sum_j m_j g_ij; the result times G / eps^2.
    """
    f = jnp.dtype(force_dtype)
    n = jnp.shape(pos)[1]
    tile = tile_size(n) if tile is None else min(tile, n)
    blocks = -(-n // tile)
    unsoftened = not isinstance(softening, jax.core.Tracer) and float(softening) == 0.0
    length = 1.0 if unsoftened else jnp.asarray(softening, jnp.float64)
    pos = jnp.asarray(pos, jnp.float64) / length

    def by_block(a):  # (3, n) -> (blocks, 3, tile), the last block padded with the last star
        return jnp.pad(a, ((0, 0), (0, blocks * tile - n)), mode="edge").reshape(3, blocks, tile).swapaxes(0, 1)

    centred = (pos - jnp.mean(pos, axis=1, keepdims=True)).astype(f)
    mass = jnp.asarray(masses, f)
    sources = jnp.concatenate([centred * mass[None, :], mass[None, :]])
    column = jnp.arange(n, dtype=jnp.int32)[None, :]

    def block(args):
        first, x_i, c_i = args
        dx, dy, dz = ((pos[k][None, :] - x_i[k][:, None]).astype(f) for k in range(3))
        r2 = dx * dx + dy * dy + dz * dz + (0.0 if unsoftened else 1.0)
        r2 = jnp.where(column == first + jnp.arange(tile, dtype=jnp.int32)[:, None], jnp.inf, r2)
        inverse = lax.rsqrt(r2)
        out = sources @ (inverse * inverse * inverse).T
        return out[:3] - c_i * out[3:]

    first = jnp.arange(0, blocks * tile, tile, dtype=jnp.int32)
    acc = lax.map(block, (first, by_block(pos), by_block(centred)))
    acc = acc.swapaxes(0, 1).reshape(3, blocks * tile)[:, :n].astype(jnp.float64)
    return _zero_net_force(acc * (G / length**2), masses)


def _zero_net_force(acc: Float[Array, "3 n"], masses: Float[ArrayLike, " n"]) -> Float[Array, "3 n"]:
    # Internal forces sum to zero; rounding (float32's ~1e-7) leaves a net force that would
    # drift the total momentum. Removing the mass-weighted mean acceleration restores it.
    masses = jnp.asarray(masses, jnp.float64)
    return acc - (acc @ masses / jnp.sum(masses))[:, None]
