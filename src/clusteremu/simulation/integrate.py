"""Fixed-step kick-drift-kick leapfrog with Plummer-softened direct-summation gravity.

Kick-drift-kick is symplectic and time-reversible, second order in the timestep, and
costs one force evaluation per step.

The force kernel is shaped for XLA on CPU (measured with `bench/bench_simulator.py`):
separations are formed per Cartesian component (no `(n, n, 3)` broadcast), the pair
weight is `1 / (r2 * sqrt(r2))` (`rsqrt` and `r2 ** -1.5` measured slower), and the sum
over partners is a matrix product, a_i = sum_j w_ij x_j - x_i sum_j w_ij, which runs as a
vectorized GEMM. The state (positions, velocities, the kicks and drifts) is always
float64. The force itself may be evaluated in float32 (`force_dtype`): the separations
are formed in float64 and only then rounded, so close pairs keep their precision, and
the positions entering the GEMM are taken about their mean, so the cancellation in
x_j - x_i costs float32's relative precision of the cluster's size, not of its distance
from the origin. The float32 force is about twice as fast; its rounding (~1e-7 relative)
is far below the truncation error of the leapfrog at the production timestep, and the
paper compares the summaries of both precisions for the same seeds.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..units import G
from .energy import total_energy

__all__ = ["accelerations", "leapfrog"]


def accelerations(
    pos: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
    force_dtype: str = "float64",
) -> Float[Array, "3 n"]:
    """Softened gravitational acceleration on every star (AU/yr^2), returned in float64.

    a_i = G sum_j m_j (x_j - x_i) / (|x_j - x_i|^2 + eps^2)^(3/2), evaluated in
    `force_dtype` ("float64" or "float32", see the module docs). The j = i weight is
    exactly zero (r2 is infinite on the diagonal): in the split form w_ii x_i - x_i w_ii
    would cancel only up to rounding, which for small softening (w_ii ~ 1/eps^3) would
    swamp the force. The mass-weighted mean acceleration, zero in exact arithmetic, is
    subtracted, so total momentum is conserved to float64 rounding in either precision.
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
    # Internal forces sum to zero; rounding (float32's ~1e-7) leaves a net force that would
    # drift the total momentum. Removing the mass-weighted mean acceleration restores it.
    masses = jnp.asarray(masses, jnp.float64)
    return acc - (acc @ masses / jnp.sum(masses))[:, None]


def leapfrog(
    pos: Float[ArrayLike, "3 n"],
    vel: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
    dt: Float[ArrayLike, ""] | float,
    n_steps: int,
    n_checks: int = 1,
    force_dtype: str = "float64",
) -> tuple[Float[Array, "3 n"], Float[Array, "3 n"], Float[Array, " n_checks_plus_1"]]:
    """Integrate `n_steps` kick-drift-kick steps of length `dt` (yr).

    **Arguments:**

    - `pos`, `vel`: initial positions (AU) and velocities (AU/yr), shape `(3, n)`.
    - `masses`: stellar masses (Msun).
    - `softening`: Plummer softening length (AU).
    - `dt`: timestep (yr); negative integrates backwards in time.
    - `n_steps`: number of steps (static); must be a multiple of `n_checks`.
    - `n_checks`: number of equally spaced times at which the total energy is recorded.
    - `force_dtype`: precision of the force evaluation, "float64" or "float32" (static).

    **Returns:**

    Final positions and velocities, and the total energy at t = 0 and after each block of
    `n_steps / n_checks` steps (Msun AU^2 yr^-2), shape `(n_checks + 1,)`.
    """
    if n_steps % n_checks:
        raise ValueError(f"n_steps={n_steps} must be a multiple of n_checks={n_checks}")
    per_block = n_steps // n_checks

    def step(_, state):
        x, v, acc = state
        v = v + 0.5 * dt * acc
        x = x + dt * v
        acc = accelerations(x, masses, softening, force_dtype)
        return x, v + 0.5 * dt * acc, acc

    def block(state, _):
        state = lax.fori_loop(0, per_block, step, state)
        x, v, _ = state
        return state, total_energy(x, v, masses, softening)

    init = (pos, vel, accelerations(pos, masses, softening, force_dtype))
    (x, v, _), energies = lax.scan(block, init, None, length=n_checks)
    e0 = total_energy(pos, vel, masses, softening)
    return x, v, jnp.concatenate([e0[None], energies])
