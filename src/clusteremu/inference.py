"""Bayesian inference of (Q0, a) with the emulator as forward model.

The NumPyro model puts uniform priors on Q0 and a over the emulator's training domain (it
has no authority outside it), maps (Q0, a) through the saved training normalization,
the ensemble and back to physical summaries, and compares them with the observed
summaries through a Gaussian likelihood in physical units. Three likelihood widths:

- `"constant"`: per-output RMSE of the ensemble mean against single validation
  realizations, as a constant diagonal sigma;
- `"input"`: the calibrated predictive variance c^2 sigma_ens^2(theta) + sigma_sim^2(theta);
- `"fullcov"`: a full covariance of the validation residuals (captures correlations).

Because the posterior is two-dimensional it is also computed exactly on a grid over the
prior box ([`GridPosterior`][]): this checks the sampler and makes the coverage study cheap.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jaxtyping import Array, Float

from .emulator import Emulator

__all__ = ["VARIANTS", "Likelihood", "fit_likelihood", "cluster_model", "GridPosterior", "grid_posterior", "run_nuts"]

VARIANTS = ("constant", "input", "fullcov")


@dataclass(frozen=True)
class Likelihood:
    """The emulator plus one likelihood-width variant, as JAX-traceable functions.

    **Arguments:**

    - `emulator`: the trained ensemble.
    - `variant`: one of [`VARIANTS`][].
    - `sigma`: constant per-output sigma (variant `"constant"`), physical units.
    - `cov`: 3 x 3 residual covariance (variant `"fullcov"`), physical units squared.
    """

    emulator: Emulator
    variant: str
    sigma: np.ndarray
    cov: np.ndarray

    def forward(self, theta: Float[Array, "rows 2"]) -> tuple[Float[Array, "rows 3"], Float[Array, "rows 3"]]:
        """Emulated mean summaries and the calibrated input-dependent variance at `theta`."""
        em = self.emulator
        members = em.members(theta).astype(jnp.float64)
        ens_var = jnp.var(members, axis=0, ddof=1)
        sim_var = em.noise.variance((theta - em.normalizer.x_mean) / em.normalizer.x_std)
        return members.mean(axis=0), jnp.asarray(em.scale) ** 2 * ens_var + sim_var

    def distribution(self, mean: Float[Array, "*rows 3"], var: Float[Array, "*rows 3"]) -> dist.Distribution:
        """p(y | theta) given the forward model's mean and variance, one event of 3 summaries."""
        if self.variant == "constant":
            return dist.Normal(mean, jnp.asarray(self.sigma)).to_event(1)
        if self.variant == "input":
            return dist.Normal(mean, jnp.sqrt(var)).to_event(1)
        return dist.MultivariateNormal(mean, jnp.asarray(self.cov))

    def log_likelihood(self, obs: Float[Array, "n 3"], mean, var) -> Float[Array, "n rows"]:
        """log p(obs | theta) for every observation (rows of `obs`) and every theta row."""
        return self.distribution(mean[None], var[None]).log_prob(obs[:, None, :])


def fit_likelihood(emulator: Emulator, x_val: np.ndarray, y_val: np.ndarray, variant: str) -> Likelihood:
    """Fix the likelihood widths from validation residuals (single realizations) only."""
    if variant not in VARIANTS:
        raise ValueError(f"likelihood variant {variant!r} is not one of {VARIANTS}")
    resid = y_val - emulator.predict(x_val).mean
    return Likelihood(emulator, variant, np.sqrt(np.mean(resid**2, axis=0)), np.cov(resid, rowvar=False))


def cluster_model(like: Likelihood, obs: Float[Array, " 3"] | None = None) -> None:
    """NumPyro model: uniform priors over the training domain, emulator forward model.

    With `obs=None` it draws from the prior predictive, so the same model simulates
    observations.
    """
    d = like.emulator.domain
    q0 = numpyro.sample("q0", dist.Uniform(d["q0_min"], d["q0_max"]))
    a = numpyro.sample("a_au", dist.Uniform(d["a_min_au"], d["a_max_au"]))
    mean, var = like.forward(jnp.stack([q0, a])[None])
    numpyro.sample("y", like.distribution(mean[0], var[0]), obs=obs)


@dataclass(frozen=True)
class GridPosterior:
    """Posteriors on a regular grid of cell centres, normalized by the midpoint rule.

    `density` has shape `(observations, n_q0, n_a)`; `q0` and `a_au` are the cell centres.
    """

    q0: np.ndarray
    a_au: np.ndarray
    density: np.ndarray

    def marginals(self) -> tuple[np.ndarray, np.ndarray]:
        dq, da = self.q0[1] - self.q0[0], self.a_au[1] - self.a_au[0]
        return self.density.sum(axis=2) * da, self.density.sum(axis=1) * dq

    def moments(self) -> dict[str, np.ndarray]:
        """Posterior mean and sd of each parameter, shape `(observations,)` each."""
        out = {}
        for name, grid, marg in zip(("q0", "a_au"), (self.q0, self.a_au), self.marginals(), strict=True):
            w = marg / marg.sum(axis=1, keepdims=True)
            mean = w @ grid
            out[f"{name}_mean"] = mean
            out[f"{name}_sd"] = np.sqrt(np.maximum(w @ grid**2 - mean**2, 0.0))
        return out

    def _cumulative(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Cell edges and the marginal CDF at them (piecewise linear within cells)."""
        grid, marg = (self.q0, self.marginals()[0]) if name == "q0" else (self.a_au, self.marginals()[1])
        h = grid[1] - grid[0]
        edges = np.concatenate([[grid[0] - h / 2], grid + h / 2])
        cum = np.concatenate([np.zeros((len(marg), 1)), np.cumsum(marg, axis=1) * h], axis=1)
        return edges, cum / cum[:, -1:]

    def cdf(self, name: str, values: np.ndarray) -> np.ndarray:
        """Marginal posterior CDF of parameter `name` at `values` (one per observation)."""
        edges, cum = self._cumulative(name)
        return np.array([np.interp(v, edges, c) for v, c in zip(values, cum, strict=True)])

    def quantile(self, name: str, probs) -> np.ndarray:
        """Marginal quantiles, shape `(observations, len(probs))`."""
        edges, cum = self._cumulative(name)
        return np.array([np.interp(probs, c, edges) for c in cum])


def grid_posterior(like: Likelihood, obs: np.ndarray, n_grid: int = 160, chunk: int = 64) -> GridPosterior:
    """Exact (to grid resolution) posteriors of many observations at once.

    The emulator is evaluated once on the grid; each observation then costs only the
    Gaussian log densities.
    """
    d = like.emulator.domain
    q0 = d["q0_min"] + (np.arange(n_grid) + 0.5) * (d["q0_max"] - d["q0_min"]) / n_grid
    a = d["a_min_au"] + (np.arange(n_grid) + 0.5) * (d["a_max_au"] - d["a_min_au"]) / n_grid
    theta = np.stack(np.meshgrid(q0, a, indexing="ij"), axis=-1).reshape(-1, 2)
    mean, var = jax.jit(like.forward)(jnp.asarray(theta))
    loglike = jax.jit(like.log_likelihood)
    dens = []
    for start in range(0, len(obs), chunk):
        lp = np.array(loglike(jnp.asarray(obs[start : start + chunk]), mean, var))
        lp -= lp.max(axis=1, keepdims=True)
        p = np.exp(lp)
        dens.append(p / (p.sum(axis=1, keepdims=True) * (q0[1] - q0[0]) * (a[1] - a[0])))
    return GridPosterior(q0, a, np.concatenate(dens).reshape(len(obs), n_grid, n_grid))


def run_nuts(like: Likelihood, obs: np.ndarray, *, key, chains: int, warmup: int, samples: int):
    """NUTS for one observation; returns the MCMC object (samples grouped by chain).

    The model's observation is a traced argument and the kernel is built once per
    likelihood, so repeated calls for new observations do not recompile.
    """
    mcmc = _mcmc(like, chains, warmup, samples)
    mcmc.run(key, obs=jnp.asarray(obs, dtype=jnp.float64), extra_fields=("diverging",))
    return mcmc


_MCMC_CACHE: dict = {}


def _mcmc(like: Likelihood, chains: int, warmup: int, samples: int):
    from numpyro.infer import MCMC, NUTS

    key = (id(like), chains, warmup, samples)
    if key not in _MCMC_CACHE:
        kernel = NUTS(functools.partial(cluster_model, like))
        _MCMC_CACHE[key] = MCMC(
            kernel,
            num_warmup=warmup,
            num_samples=samples,
            num_chains=chains,
            chain_method="vectorized",
            progress_bar=False,
            jit_model_args=True,
        )
    return _MCMC_CACHE[key]
