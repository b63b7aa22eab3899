"""Initial conditions: a Plummer sphere scaled to an exact virial ratio.

Positions follow the Plummer (1911) density by inverting the enclosed-mass profile,
M(<r)/M = r^3 / (r^2 + a^2)^(3/2), so r = a (X^(-2/3) - 1)^(-1/2) for X uniform in
(0, X_max). `X_max < 1` truncates the otherwise infinite sphere: with X_max = 0.999 the
outermost 0.1% of the mass is not sampled (r < 38.7 a).

Speeds follow the isotropic Plummer distribution function exactly: the ratio q = v / v_esc(r)
has density proportional to q^2 (1 - q^2)^(7/2), i.e. q^2 ~ Beta(3/2, 9/2), which needs no
rejection loop. After moving the centre of mass to rest at the origin, all velocities are
rescaled so that K / |W| equals the requested Q0 exactly, with W the *softened* potential
energy that the integrator conserves.

Arrays are laid out as `(3, n)` (one row per Cartesian component): the force kernel
works on per-component rows, which is several times faster on CPU than `(n, 3)`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..units import G
from .energy import kinetic_energy, potential_energy

__all__ = ["initial_conditions", "kroupa_masses", "plummer_positions", "plummer_velocities", "truncation_radius"]

_KROUPA_BREAK = 0.5  # Msun


def truncation_radius(mass_cut: float) -> float:
    """Radius r_max / a within which a Plummer sphere holds the fraction `mass_cut` of its mass.

    From M(<r) / M = r^3 / (r^2 + a^2)^(3/2) = X: r_max / a = 1 / sqrt(X^(-2/3) - 1).
    """
    return 1 / (mass_cut ** (-2 / 3) - 1) ** 0.5


def kroupa_masses(n: int, *, key: PRNGKeyArray, m_min: float = 0.08, m_max: float = 10.0) -> Float[Array, " n"]:
    """Draw `n` stellar masses (Msun) from the Kroupa (2001) IMF between `m_min` and `m_max`.

    The IMF is the two-segment power law dN/dm ∝ m^-1.3 below 0.5 Msun and ∝ m^-2.3 above,
    continuous at 0.5 Msun, sampled by inverting its cumulative distribution. Requires
    `m_min < 0.5 < m_max`.
    """
    if not m_min < _KROUPA_BREAK < m_max:
        raise ValueError(f"Kroupa IMF needs m_min < {_KROUPA_BREAK} < m_max, got [{m_min}, {m_max}]")
    mb, a1, a2 = _KROUPA_BREAK, 1.3, 2.3
    c = mb ** (a2 - a1)  # joins c m^-a2 to m^-a1 continuously at mb
    w1 = (mb ** (1 - a1) - m_min ** (1 - a1)) / (1 - a1)
    w2 = c * (m_max ** (1 - a2) - mb ** (1 - a2)) / (1 - a2)
    u = jax.random.uniform(key, (n,), dtype=jnp.float64) * (w1 + w2)
    low = (m_min ** (1 - a1) + (1 - a1) * u) ** (1 / (1 - a1))
    high = (mb ** (1 - a2) + (1 - a2) * (u - w1) / c) ** (1 / (1 - a2))
    return jnp.where(u < w1, low, high)


def _isotropic(key: PRNGKeyArray, length: Float[ArrayLike, " n"]) -> Float[Array, "3 n"]:
    k1, k2 = jax.random.split(key)
    cos_t = jax.random.uniform(k1, length.shape, minval=-1.0, maxval=1.0, dtype=jnp.float64)
    phi = jax.random.uniform(k2, length.shape, maxval=2 * jnp.pi, dtype=jnp.float64)
    sin_t = jnp.sqrt(1.0 - cos_t**2)
    return length * jnp.stack([sin_t * jnp.cos(phi), sin_t * jnp.sin(phi), cos_t])


def plummer_positions(
    n: int, a: Float[ArrayLike, ""] | float, *, key: PRNGKeyArray, mass_cut: float = 0.999
) -> Float[Array, "3 n"]:
    """Sample `n` positions (AU) from a Plummer sphere of scale radius `a` (AU).

    `mass_cut` is X_max, the fraction of the total mass sampled (see module docs).
    """
    k_r, k_dir = jax.random.split(key)
    x = jax.random.uniform(k_r, (n,), dtype=jnp.float64, minval=1e-12, maxval=mass_cut)
    r = a / jnp.sqrt(x ** (-2.0 / 3.0) - 1.0)
    return _isotropic(k_dir, r)


def plummer_velocities(
    pos: Float[ArrayLike, "3 n"], a: Float[ArrayLike, ""] | float, total_mass: Float[ArrayLike, ""] | float, *, key
) -> Float[Array, "3 n"]:
    """Sample isotropic velocities (AU/yr) from the Plummer distribution function.

    **Arguments:**

    - `pos`: positions (AU) relative to the cluster centre, shape `(3, n)`.
    - `a`: Plummer scale radius (AU).
    - `total_mass`: cluster mass M (Msun) setting the escape speed
      v_esc(r) = sqrt(2 G M) (r^2 + a^2)^(-1/4).
    """
    k_q, k_dir = jax.random.split(key)
    n = pos.shape[1]
    q = jnp.sqrt(jax.random.beta(k_q, 1.5, 4.5, (n,), dtype=jnp.float64))
    r2 = jnp.sum(pos**2, axis=0)
    v_esc = jnp.sqrt(2.0 * G * total_mass) * (r2 + a**2) ** -0.25
    return _isotropic(k_dir, q * v_esc)


def initial_conditions(
    masses: Float[ArrayLike, " n"],
    q0: Float[ArrayLike, ""] | float,
    a: Float[ArrayLike, ""] | float,
    softening: Float[ArrayLike, ""] | float,
    *,
    key: PRNGKeyArray,
    mass_cut: float = 0.999,
) -> tuple[Float[Array, "3 n"], Float[Array, "3 n"]]:
    """A Plummer cluster at rest at the origin with virial ratio exactly `q0`.

    **Arguments:**

    - `masses`: stellar masses (Msun), shape `(n,)`.
    - `q0`: the initial virial ratio Q0 = K / |W| (0.5 is equilibrium).
    - `a`: Plummer scale radius (AU).
    - `softening`: Plummer softening length epsilon (AU) used in W, as in the integrator.
    - `key`: PRNG key of this realization.
    - `mass_cut`: fraction of the Plummer mass sampled (truncation).

    **Returns:**

    Positions (AU) and velocities (AU/yr), each of shape `(3, n)`.
    """
    k_pos, k_vel = jax.random.split(key)
    n = masses.shape[0]
    pos = plummer_positions(n, a, key=k_pos, mass_cut=mass_cut)
    vel = plummer_velocities(pos, a, jnp.sum(masses), key=k_vel)
    mtot = jnp.sum(masses)
    pos = pos - (pos @ masses / mtot)[:, None]
    vel = vel - (vel @ masses / mtot)[:, None]
    scale = jnp.sqrt(q0 * jnp.abs(potential_energy(pos, masses, softening)) / kinetic_energy(vel, masses))
    return pos, vel * scale
