"""Fixed-step kick-drift-kick leapfrog with Plummer-softened direct-summation gravity.

Kick-drift-kick is symplectic and time-reversible, second order in the timestep, and
costs one force evaluation per step.

The force is [`clusteremu.simulation.forces.accelerations`][]: direct summation, by the
dense kernel for the profiles' N and a tiled one for every other N. The state (positions,
velocities, the kicks and drifts) is always float64. The force itself may be evaluated in
float32 (`force_dtype`) from float64 separations; it is about twice as fast, and its
rounding (~1e-7 relative) is far below the truncation error of the leapfrog at the
production timestep (the paper compares the summaries of both precisions for the same
seeds).
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .energy import total_energy
from .forces import accelerations

__all__ = ["accelerations", "leapfrog"]


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
