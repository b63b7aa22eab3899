"""Fixed-step kick-drift-kick leapfrog with Plummer-softened direct-summation gravity.

Kick-drift-kick is symplectic and time-reversible, second order in the timestep, and
costs one force evaluation per step.

The force kernel is shaped for XLA on CPU in float64 (measured with
`bench/bench_simulator.py`): separations are formed per Cartesian component (no
`(n, n, 3)` broadcast), the pair weight is `1 / (r2 * sqrt(r2))` (XLA's float64 `rsqrt`
and `r2 ** -1.5` both measured slower), and the sum over partners is a matrix product,
a_i = sum_j w_ij x_j - x_i sum_j w_ij, which runs as a vectorized GEMM.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, ArrayLike, Float

from . import _x64  # noqa: F401  (float64 before any array is made)
from .energy import total_energy
from .units import G

__all__ = ["accelerations", "leapfrog"]


def accelerations(
    pos: Float[ArrayLike, "3 n"], masses: Float[ArrayLike, " n"], softening: Float[ArrayLike, ""] | float
) -> Float[Array, "3 n"]:
    """Softened gravitational acceleration on every star (AU/yr^2).

    a_i = G sum_j m_j (x_j - x_i) / (|x_j - x_i|^2 + eps^2)^(3/2). The j = i weight is
    masked to zero: in the split form w_ii x_i - x_i w_ii cancels only up to rounding,
    which for small softening (w_ii ~ 1/eps^3) would swamp the force.
    """
    x, y, z = pos
    off = ~jnp.eye(x.shape[0], dtype=bool)
    dx = x[None, :] - x[:, None]
    dy = y[None, :] - y[:, None]
    dz = z[None, :] - z[:, None]
    r2 = jnp.where(off, dx * dx + dy * dy + dz * dz + softening * softening, 1.0)
    w = jnp.where(off, (G * masses)[None, :] / (r2 * jnp.sqrt(r2)), 0.0)
    return pos @ w.T - pos * jnp.sum(w, axis=1)[None, :]


def leapfrog(
    pos: Float[ArrayLike, "3 n"],
    vel: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
    dt: Float[ArrayLike, ""] | float,
    n_steps: int,
    n_checks: int = 1,
) -> tuple[Float[Array, "3 n"], Float[Array, "3 n"], Float[Array, " n_checks_plus_1"]]:
    """Integrate `n_steps` kick-drift-kick steps of length `dt` (yr).

    **Arguments:**

    - `pos`, `vel`: initial positions (AU) and velocities (AU/yr), shape `(3, n)`.
    - `masses`: stellar masses (Msun).
    - `softening`: Plummer softening length (AU).
    - `dt`: timestep (yr); negative integrates backwards in time.
    - `n_steps`: number of steps (static); must be a multiple of `n_checks`.
    - `n_checks`: number of equally spaced times at which the total energy is recorded.

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
        acc = accelerations(x, masses, softening)
        return x, v + 0.5 * dt * acc, acc

    def block(state, _):
        state = lax.fori_loop(0, per_block, step, state)
        x, v, _ = state
        return state, total_energy(x, v, masses, softening)

    init = (pos, vel, accelerations(pos, masses, softening))
    (x, v, _), energies = lax.scan(block, init, None, length=n_checks)
    e0 = total_energy(pos, vel, masses, softening)
    return x, v, jnp.concatenate([e0[None], energies])
