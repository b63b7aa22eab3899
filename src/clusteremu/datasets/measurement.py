"""The measurement model: an observer's errors on a cluster's summaries, and the discrete bound fraction.

An observed cluster's summaries are y_obs = keep_physical(y + sd * eps), eps ~ N(0, I):
Gaussian errors with standard deviations `sd` = (f_bound; sigma_v in km/s; r_h in AU) in
physical units, then kept physical ([`keep_physical`][]: the bound fraction clipped to
[0, 1], the sizes floored at a thousandth of their true value). [`perturbed`][] applies it
to a table of summaries (the coverage studies' noisy observations); [`observe`][] applies
it inside a compiled training loop, where the flow learns the density of observed summaries
for any sds in its range.

The bound fraction of N stars is k / N: a continuous density fitted to it by maximum
likelihood can pile up on the N + 1 values and grow without bound there, and the validation
likelihood, on the same lattice, rewards that. [`observe`][] therefore *dequantizes* it
(Uria, Murray & Larochelle 2013; Theis, van den Oord & Bethge 2016): f + u / N with
u ~ U(-1/2, 1/2), before the measurement errors, and spreads an atom that the clip to
[0, 1] leaves at 0 or 1 over the half bin inside. The density of that continuous variable at
the centre of k's bin is P(k) divided by the bin's width, a constant that cancels in any
posterior; [`density_point`][] says where an observed bound fraction is evaluated (k / N,
or the middle of the half bin for 0 and 1).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)

__all__ = ["MIN_SIZE_FRACTION", "density_point", "keep_physical", "observe", "perturbed"]

#: A noisy sigma_v or r_h is floored at this fraction of its true value (sizes stay positive).
MIN_SIZE_FRACTION = 1e-3


def keep_physical(noisy, y, xp=np):
    """Noisy summaries kept physical: f in [0, 1], sizes at least [`MIN_SIZE_FRACTION`][] of the true `y`.

    `xp` is the array module (NumPy or `jax.numpy`), so the study's tables and the compiled
    training loop share one rule.
    """
    f = xp.clip(noisy[..., :1], 0.0, 1.0)
    return xp.concatenate([f, xp.maximum(noisy[..., 1:], MIN_SIZE_FRACTION * y[..., 1:])], axis=-1)


def perturbed(obs: Float[np.ndarray, "n 3"], sd: Float[np.ndarray, " 3"], seed: int) -> Float[np.ndarray, "n 3"]:
    """Observations with Gaussian measurement errors of `sd`, kept physical; the errors from `seed`."""
    noisy = obs + np.random.default_rng(seed).normal(size=obs.shape) * sd
    return keep_physical(noisy, obs)


def observe(
    y: Float[ArrayLike, "n 3"], sd: Float[ArrayLike, "n 3"], n_stars: int, *, key: PRNGKeyArray
) -> Float[Array, "n 3"]:
    """Simulated summaries as an observer records them, with a dequantized bound fraction.

    **Arguments:**

    - `y`: simulated summaries (f_bound = k / N; sigma_v [km/s]; r_h [AU]).
    - `sd`: measurement sds per row and summary, same units (zeros: exact summaries).
    - `n_stars`: N.
    - `key`: a JAX PRNG key (consumed).

    **Returns:**

    keep_physical(y + u e_f / N + sd * eps) with u ~ U(-1/2, 1/2) and eps ~ N(0, I), a value
    clipped to exactly 0 or 1 then moved uniformly into the half bin inside; continuous, so
    that a density can be fitted to it.
    """
    y, sd = jnp.asarray(y, float), jnp.asarray(sd, float)
    k_jitter, k_noise, k_atom = jax.random.split(key, 3)
    jitter = jax.random.uniform(k_jitter, y.shape[:-1], minval=-0.5, maxval=0.5) / n_stars
    noisy = y.at[..., 0].add(jitter) + sd * jax.random.normal(k_noise, y.shape)
    out = keep_physical(noisy, y, jnp)
    inward = jax.random.uniform(k_atom, y.shape[:-1], maxval=0.5) / n_stars
    f = out[..., 0]
    return out.at[..., 0].set(jnp.where(f <= 0.0, inward, jnp.where(f >= 1.0, 1.0 - inward, f)))


def density_point(y: Float[ArrayLike, "*rows 3"], n_stars: int) -> Float[Array, "*rows 3"]:
    """Where the density of an observation is evaluated: its bound fraction moved into
    [1/(4N), 1 - 1/(4N)], the middle of the half bins at 0 and 1 (see [`observe`][]);
    every other value, k / N or a noisy one, stays."""
    y = jnp.asarray(y, float)
    return y.at[..., 0].set(jnp.clip(y[..., 0], 0.25 / n_stars, 1.0 - 0.25 / n_stars))
