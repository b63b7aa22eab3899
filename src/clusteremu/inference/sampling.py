"""NUTS posteriors of (Q0, a), compiled once per likelihood and sampler setting.

The sampler is NumPyro's No-U-Turn kernel and warm-up adaptation (step size by dual
averaging, dense mass matrix) on the potential of the NumPyro model
[`cluster_model`][clusteremu.inference.model.cluster_model] itself
(`numpyro.infer.util.potential_energy`: the same priors, transforms and likelihood), run as
a jit-compiled function for every chain (a second one continues them), with the observation
a traced argument: a new observation costs only the sampling, about ten times less than
`numpyro.infer.MCMC.run`, which recompiles its sampling loop on every call. Chains start at
random points in the middle half of the prior box.

A run whose R-hat or effective sample sizes miss their targets can continue the same chains
(`extensions`). On 100 coverage observations with the flow likelihood, 4 chains of 1000 +
1000 iterations missed them in 6 to 10 runs (R-hat 1.010-1.02, ESS 250-400: posteriors pressed
against the prior box, or bimodal along a; their moments still matched the exact grid's);
with up to three continuations of 1000 draws all 100 passed, five of them continued, and
with 500 warm-up iterations instead of 1000 all 100 passed too (six continued) in 1.16 times
less time. A dense mass matrix took 9% fewer leapfrog steps than a diagonal one on the same
observations.

The chains advance one leapfrog step at a time
([`clusteremu.inference.nuts_stepwise`][]): NumPyro's `sample_kernel` vectorized over chains makes
every chain wait at each draw for the one with the longest trajectory: with the flow
likelihood about 1.7 times the steps the busiest chain needs, and a posterior 1.16 times
slower than stepwise (8 observations sampled in turn by both). For the same keys the
chains make NumPyro's moves (tests/test_nuts_stepwise.py).

The chains stay on one device. Split over the two CPU devices with `jax.shard_map` they
measured 1.4 times faster with the flow likelihood, but the full inference study then hung
with every thread waiting on a futex (the per-device executions of one program compete for
the same two cores), so that lever is left for a backend where devices are real. A
process that only samples runs faster still with one XLA thread ([`clusteremu.inference.threads`][]).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..prior import PARAMETERS
from . import health
from .gridded import GridPosterior
from .health import ESS_MIN, RHAT_MAX, continue_chains, nuts_healthy, nuts_settings
from .model import LikelihoodModel, cluster_model
from .nuts_stepwise import StepwiseNUTS

__all__ = [
    "ESS_MIN",
    "RHAT_MAX",
    "NutsResult",
    "diagnostics",
    "nuts_healthy",
    "nuts_programs",
    "nuts_settings",
    "run_nuts",
    "sampler_check",
]


@dataclass(frozen=True)
class NutsResult:
    """Draws of one posterior: `draws` (chains, samples, 2) of (Q0, a in AU), `diverging`
    (chains, samples) flags, `num_steps` (chains, samples) leapfrog steps per draw and
    `extensions`, how many times the chains were continued because a diagnostic failed."""

    draws: np.ndarray
    diverging: np.ndarray
    num_steps: np.ndarray
    extensions: int = 0

    def to_inference_data(self):
        """The draws as ArviZ InferenceData (posterior and sample statistics)."""
        import arviz as az

        posterior = {p: self.draws[..., j] for j, p in enumerate(PARAMETERS)}
        return az.from_dict(posterior=posterior, sample_stats={"diverging": self.diverging, "n_steps": self.num_steps})


def nuts_programs(like: LikelihoodModel, chains: int, warmup: int, samples: int):
    """The sampler's two jit-compiled programs for `like`: `first(obs, key)` runs `chains`
    new chains (`warmup` iterations, then `samples` kept draws each) and `more(obs, state)`
    continues them for `samples` draws; each returns the chains' state and the kept
    `(draws, diverging, num_steps)`. [`run_nuts`][] keeps them per likelihood; the command
    line compiles them once per model file and keeps the executables between calls."""
    from numpyro.distributions import biject_to, constraints
    from numpyro.infer.util import potential_energy

    box = like.domain
    to_box = [biject_to(constraints.interval(lo, hi)) for lo, hi in zip(box.low, box.high, strict=True)]

    def constrain(z):
        return jnp.stack([t(z[..., j]) for j, t in enumerate(to_box)], axis=-1)

    def kernel(obs):
        def potential(z):
            params = {p: z[j] for j, p in enumerate(PARAMETERS)}
            return potential_energy(cluster_model, (like,), {"obs": obs}, params)

        return StepwiseNUTS(potential, warmup=warmup, dense_mass=True)

    def kept(out):
        return constrain(out.z), out.diverging, out.num_steps

    @jax.jit
    def first(obs, key):
        k_start, k_run = jax.vmap(jax.random.split, out_axes=1)(jax.random.split(key, chains))
        start = jax.vmap(lambda k: jax.random.uniform(k, (2,), minval=-1.1, maxval=1.1))(k_start)  # logit 0.25-0.75
        nuts = kernel(obs)
        state, out = nuts.advance(nuts.start(start, key=k_run), warmup + samples)
        return state, kept(jax.tree.map(lambda x: x[:, warmup:], out))

    @jax.jit
    def more(obs, state):
        state, out = kernel(obs).advance(state, samples)
        return state, kept(out)

    return first, more


@dataclass
class _Compiled:
    """A likelihood's samplers: `first` runs new chains, `more` continues them (compiled
    ahead on first use; the likelihood is kept so that its id, the cache key, stays taken)."""

    like: LikelihoodModel
    first: object
    more: object


_CACHE: dict = {}


def run_nuts(
    like: LikelihoodModel,
    obs: Float[Array, " 3"] | np.ndarray,
    *,
    key,
    chains: int,
    warmup: int,
    samples: int,
    extensions: int = 0,
) -> NutsResult:
    """Sample the posterior of one observation with NUTS.

    NumPyro's kernel and warm-up adaptation with a dense mass matrix (the posteriors of
    Q0 and a are often strongly correlated), in the logits of the prior box.

    **Arguments:**

    - `like`: the likelihood (and, through its emulator, the prior box).
    - `obs`: observed summaries (f_bound, sigma_v in km/s, r_h in AU).
    - `key`: PRNG key of this run (split once per chain).
    - `chains`, `warmup`, `samples`: chains, warm-up iterations and kept draws per chain.
    - `extensions`: while R-hat or an effective sample size misses its target
      ([`RHAT_MAX`][], [`ESS_MIN`][]) and no transition diverged, the same chains continue
      for `samples` more draws each, at most this many times; every draw is kept.

    **Returns:**

    A [`NutsResult`][]. The compiled sampler is kept per (likelihood, settings), so a
    second observation does not recompile; with `extensions`, the first call also compiles
    the continuation, so that later runs' times hold no compilation either.
    """
    cache_key = (id(like), chains, warmup, samples)
    if cache_key not in _CACHE:
        _CACHE[cache_key] = _Compiled(like, *nuts_programs(like, chains, warmup, samples))
    sampler = _CACHE[cache_key]
    obs = jnp.asarray(obs, jnp.float64)
    state, out = sampler.first(obs, key)
    if extensions and not isinstance(sampler.more, jax.stages.Compiled):
        sampler.more = sampler.more.lower(obs, state).compile()
    kept, n = continue_chains(sampler.more, obs, state, out, extensions)
    return NutsResult(*kept, extensions=n)


def diagnostics(result: NutsResult) -> dict[str, dict[str, float]]:
    """Rank-normalized R-hat, bulk and tail ESS and the sd's Monte Carlo error of each parameter
    ([`clusteremu.inference.health`][]: ArviZ's numbers, without importing ArviZ)."""
    return health.diagnostics(result.draws)


def sampler_check(
    like: LikelihoodModel,
    obs: np.ndarray,
    grid: GridPosterior,
    index: int,
    *,
    key,
    chains: int,
    warmup: int,
    samples: int,
    extensions: int = 0,
) -> tuple[dict, np.ndarray, float]:
    """Sample one posterior with NUTS; its diagnostics and its agreement with the grid.

    **Arguments:**

    - `like`, `obs`: the likelihood and the observed summaries (3,).
    - `grid`, `index`: the grid posteriors, and which of them belongs to `obs`.
    - `key`, `chains`, `warmup`, `samples`, `extensions`: the sampler's settings
      ([`run_nuts`][]).

    **Returns:**

    `(row, draws, seconds)`: per parameter R-hat, bulk and tail ESS, the sd's Monte Carlo error, NUTS and grid means,
    sds and 5-95% quantiles, plus the divergence count, the extensions run and `healthy`;
    the draws, shape `(chains * kept draws per chain, 2)`; the wall time of the run (s).
    """
    t0 = time.perf_counter()
    result = run_nuts(like, obs, key=key, chains=chains, warmup=warmup, samples=samples, extensions=extensions)
    seconds = time.perf_counter() - t0
    diag = diagnostics(result)
    mom = grid.moments()
    row = {"index": int(index), "divergences": int(result.diverging.sum()), "extensions": result.extensions}
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
