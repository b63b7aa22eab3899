"""NUTS posteriors of (Q0, a), compiled once per likelihood and sampler setting.

The sampler is NumPyro's No-U-Turn kernel and warm-up adaptation (step size by dual
averaging, diagonal mass matrix) on the potential of the NumPyro model
[`cluster_model`][clusteremu.inference.cluster_model] itself
(`numpyro.infer.util.potential_energy`: the same priors, transforms and likelihood), run as
one jit-compiled function for every chain, with the observation a traced argument: a new
observation costs only the sampling, about ten times less than `numpyro.infer.MCMC.run`,
which recompiles its sampling loop on every call. Chains start at random points in the
middle half of the prior box.

The chains advance one leapfrog step at a time
([`clusteremu.nuts_stepwise`][]): NumPyro's `sample_kernel` vectorized over chains makes
every chain wait at each draw for the one with the longest trajectory: with the flow
likelihood about 1.7 times the steps the busiest chain needs, and a posterior 1.16 times
slower than stepwise (8 observations sampled in turn by both). For the same keys the
chains make NumPyro's moves (tests/test_nuts_stepwise.py).

The chains stay on one device. Split over the two CPU devices with `jax.shard_map` they
measured 1.4 times faster with the flow likelihood, but the full inference study then hung
with every thread waiting on a futex (the per-device executions of one program compete for
the same two cores), so that lever is left for a backend where devices are real. A
process that only samples runs faster still with one XLA thread ([`clusteremu.threads`][]).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from . import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .inference import GridPosterior, LikelihoodModel, cluster_model
from .nuts_stepwise import run_stepwise_nuts
from .prior import PARAMETERS

__all__ = ["ESS_MIN", "RHAT_MAX", "NutsResult", "diagnostics", "nuts_healthy", "run_nuts", "sampler_check"]

#: Diagnostic thresholds a NUTS run must meet (Vehtari et al. 2021): rank-normalized R-hat
#: below this, bulk and tail effective sample sizes above that, and no divergence.
RHAT_MAX, ESS_MIN = 1.01, 400


@dataclass(frozen=True)
class NutsResult:
    """Draws of one posterior: `draws` (chains, samples, 2) of (Q0, a in AU), `diverging`
    (chains, samples) flags and `num_steps` (chains, samples) leapfrog steps per draw."""

    draws: np.ndarray
    diverging: np.ndarray
    num_steps: np.ndarray

    def to_inference_data(self):
        """The draws as ArviZ InferenceData (posterior and sample statistics)."""
        import arviz as az

        posterior = {p: self.draws[..., j] for j, p in enumerate(PARAMETERS)}
        return az.from_dict(posterior=posterior, sample_stats={"diverging": self.diverging, "n_steps": self.num_steps})


def _sampler(like: LikelihoodModel, chains: int, warmup: int, samples: int):
    from numpyro.distributions import biject_to, constraints
    from numpyro.infer.util import potential_energy

    box = like.domain
    to_box = [biject_to(constraints.interval(lo, hi)) for lo, hi in zip(box.low, box.high, strict=True)]

    def constrain(z):
        return jnp.stack([t(z[..., j]) for j, t in enumerate(to_box)], axis=-1)

    @jax.jit
    def run(obs, key):
        def potential(z):
            params = {p: z[j] for j, p in enumerate(PARAMETERS)}
            return potential_energy(cluster_model, (like,), {"obs": obs}, params)

        k_start, k_run = jax.vmap(jax.random.split, out_axes=1)(jax.random.split(key, chains))
        start = jax.vmap(lambda k: jax.random.uniform(k, (2,), minval=-1.1, maxval=1.1))(k_start)  # logit 0.25-0.75
        out = run_stepwise_nuts(potential, start, key=k_run, warmup=warmup, samples=samples)
        return constrain(out.z[:, warmup:]), out.diverging[:, warmup:], out.num_steps[:, warmup:]

    return run


_CACHE: dict = {}


def run_nuts(
    like: LikelihoodModel, obs: Float[Array, " 3"] | np.ndarray, *, key, chains: int, warmup: int, samples: int
) -> NutsResult:
    """Sample the posterior of one observation with NUTS.

    **Arguments:**

    - `like`: the likelihood (and, through its emulator, the prior box).
    - `obs`: observed summaries (f_bound, sigma_v in km/s, r_h in AU).
    - `key`: PRNG key of this run (split once per chain).
    - `chains`, `warmup`, `samples`: chains, warm-up iterations and kept draws per chain.

    **Returns:**

    A [`NutsResult`][]. The compiled sampler is kept per (likelihood, settings), so a
    second observation does not recompile.
    """
    cache_key = (id(like), chains, warmup, samples)
    if cache_key not in _CACHE:  # the likelihood is kept too, so its id cannot be reused
        _CACHE[cache_key] = (like, _sampler(like, chains, warmup, samples))
    draws, diverging, steps = _CACHE[cache_key][1](jnp.asarray(obs, jnp.float64), key)
    return NutsResult(np.asarray(draws), np.asarray(diverging), np.asarray(steps))


def diagnostics(result: NutsResult) -> dict[str, dict[str, float]]:
    """Rank-normalized R-hat and bulk and tail ESS of each parameter (ArviZ)."""
    import arviz as az

    out = {}
    for j, p in enumerate(PARAMETERS):
        x = result.draws[..., j]
        out[p] = {"r_hat": float(az.rhat(x)), "ess_bulk": float(az.ess(x, method="bulk")),
                  "ess_tail": float(az.ess(x, method="tail"))}  # fmt: skip
    return out


def nuts_healthy(row: dict) -> bool:
    """Whether a [`sampler_check`][] row passes every diagnostic, on unrounded numbers."""
    return row["divergences"] == 0 and all(
        row[p]["r_hat"] < RHAT_MAX and row[p]["ess_bulk"] > ESS_MIN and row[p]["ess_tail"] > ESS_MIN for p in PARAMETERS
    )


def sampler_check(like: LikelihoodModel, obs: np.ndarray, grid: GridPosterior, index: int, *, key, chains: int,
                  warmup: int, samples: int) -> tuple[dict, np.ndarray, float]:  # fmt: skip
    """Sample one posterior with NUTS; its diagnostics and its agreement with the grid.

    **Arguments:**

    - `like`, `obs`: the likelihood and the observed summaries (3,).
    - `grid`, `index`: the grid posteriors, and which of them belongs to `obs`.
    - `key`, `chains`, `warmup`, `samples`: the sampler's settings.

    **Returns:**

    `(row, draws, seconds)`: per parameter R-hat, bulk and tail ESS, NUTS and grid means,
    sds and 5-95% quantiles, plus the divergence count and `healthy`; the draws, shape
    `(chains * samples, 2)`; the wall time of the run (s).
    """
    t0 = time.perf_counter()
    result = run_nuts(like, obs, key=key, chains=chains, warmup=warmup, samples=samples)
    seconds = time.perf_counter() - t0
    diag = diagnostics(result)
    mom = grid.moments()
    row = {"index": int(index), "divergences": int(result.diverging.sum())}
    for j, p in enumerate(PARAMETERS):
        s = result.draws[..., j].ravel()
        row[p] = diag[p] | {
            "nuts_mean": float(s.mean()),
            "nuts_sd": float(s.std(ddof=1)),
            "grid_mean": float(mom[f"{p}_mean"][index]),
            "grid_sd": float(mom[f"{p}_sd"][index]),
            "nuts_q05_q95": np.quantile(s, [0.05, 0.95]).tolist(),
            "grid_q05_q95": grid.quantile(p, [0.05, 0.95])[index].tolist(),
        }
    row["healthy"] = nuts_healthy(row)
    return row, result.draws.reshape(-1, 2), seconds
