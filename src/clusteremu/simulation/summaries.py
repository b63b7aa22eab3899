"""Summaries of an evolved cluster: bound fraction, velocity dispersion, half-mass radius.

Boundness is decided iteratively, as an observer would peel off escapers: start with all
stars; take the centre-of-mass velocity of the current bound set; a star is bound if its
kinetic energy relative to that velocity plus its softened potential energy from the
*other bound* stars is negative; repeat until the set stops changing. With the bound set:

- `f_bound`: bound mass fraction... by number (equal to the mass fraction for equal masses);
- `sigma_v`: 1-D velocity dispersion of the bound stars about their centre-of-mass
  velocity, sqrt(sum |v - v_cm|^2 / (3 n_bound)), in km/s;
- `r_h`: radius about the bound centre of mass enclosing half the bound mass, in AU.

If fewer than `min_bound` stars stay bound, `sigma_v` and `r_h` are undefined: they are
NaN and `few_bound` is set, never a made-up number.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, ArrayLike, Bool, Float, Int

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..units import KM_S_PER_AU_YR, G
from .energy import pair_inverse_distances

__all__ = ["Summary", "bound_mask", "summarize"]


class Summary(NamedTuple):
    """Summaries of one cluster snapshot (batched: each field gains a leading axis)."""

    f_bound: Float[Array, ""]
    sigma_v_kms: Float[Array, ""]
    r_h_au: Float[Array, ""]
    n_bound: Int[Array, ""]
    few_bound: Bool[Array, ""]
    iterations: Int[Array, ""]


def _weighted_mean(q: Float[ArrayLike, "3 n"], w: Float[ArrayLike, " n"]) -> Float[Array, 3]:
    return (q @ w) / jnp.maximum(jnp.sum(w), 1e-300)


def bound_mask(
    pos: Float[ArrayLike, "3 n"],
    vel: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
) -> tuple[Bool[Array, " n"], Int[Array, ""]]:
    """The self-consistent bound set and the number of iterations it took.

    The loop is capped at n + 1 iterations; each iteration that changes the set must
    remove or add at least one star, and in practice it converges in a handful.
    """
    n = masses.shape[0]
    phi_pair = -G * pair_inverse_distances(pos, softening) * masses[None, :]  # per unit mass of i

    def energies(bound):
        w = masses * bound
        v_cm = _weighted_mean(vel, w)
        kin = 0.5 * jnp.sum((vel - v_cm[:, None]) ** 2, axis=0)
        pot = phi_pair @ bound.astype(pos.dtype)
        return kin + pot < 0.0

    def cond(state):
        _, changed, it = state
        return changed & (it <= n)

    def body(state):
        bound, _, it = state
        new = energies(bound)
        return new, jnp.any(new != bound), it + 1

    bound, _, it = lax.while_loop(cond, body, (jnp.ones(n, dtype=bool), jnp.array(True), jnp.array(0)))
    return bound, it


def summarize(
    pos: Float[ArrayLike, "3 n"],
    vel: Float[ArrayLike, "3 n"],
    masses: Float[ArrayLike, " n"],
    softening: Float[ArrayLike, ""] | float,
    min_bound: int,
) -> Summary:
    """Bound fraction, sigma_v (km/s) and r_h (AU) of a snapshot; see the module docs.

    **Arguments:**

    - `pos`, `vel`: positions (AU) and velocities (AU/yr), shape `(3, n)`.
    - `masses`: stellar masses (Msun).
    - `softening`: the integrator's softening length (AU), used in the potential.
    - `min_bound`: fewest bound stars for which sigma_v and r_h are defined.
    """
    bound, it = bound_mask(pos, vel, masses, softening)
    n = masses.shape[0]
    n_bound = jnp.sum(bound)
    w = masses * bound
    x_cm, v_cm = _weighted_mean(pos, w), _weighted_mean(vel, w)
    dv2 = jnp.sum((vel - v_cm[:, None]) ** 2, axis=0)
    sigma = jnp.sqrt(jnp.sum(dv2 * bound) / (3.0 * jnp.maximum(n_bound, 1))) * KM_S_PER_AU_YR
    # Unbound stars sort to the end with zero mass, so they never enter the half-mass sum.
    r = jnp.where(bound, jnp.sqrt(jnp.sum((pos - x_cm[:, None]) ** 2, axis=0)), jnp.inf)
    order = jnp.argsort(r)
    cum = jnp.cumsum(w[order])
    r_h = jnp.interp(0.5 * cum[-1], cum, jnp.where(jnp.isfinite(r[order]), r[order], 0.0))
    few = n_bound < min_bound
    return Summary(
        f_bound=n_bound / n,
        sigma_v_kms=jnp.where(few, jnp.nan, sigma),
        r_h_au=jnp.where(few, jnp.nan, r_h),
        n_bound=n_bound,
        few_bound=few,
        iterations=it,
    )
