"""Bayesian inference of (Q0, a) with an emulator as forward model.

The NumPyro model puts the uniform prior of [`ParameterBox`][clusteremu.prior.ParameterBox]
on (Q0, a) over the emulator's training domain (it has no authority outside it) and adds
the log-likelihood of the observed summaries. Every likelihood is a
[`LikelihoodModel`][]: `prepare(theta)` evaluates the forward model at parameter rows
once, `log_prob(obs, prepared)` scores any number of observations against them, so the
same object serves the grid posterior, NUTS and the coverage study. Here: the Gaussian
likelihood in physical units around the mean emulator ([`Likelihood`][]), with three widths
fitted on the validation split and stored in the emulator file:

- `"constant"`: per-output RMSE of the ensemble mean against single validation
  realizations, as a constant diagonal sigma;
- `"input"`: the calibrated predictive variance c^2 sigma_ens^2(theta) + sigma_sim^2(theta);
- `"fullcov"`: a full covariance of the validation residuals (captures correlations).

and [`Selected`][], which conditions any likelihood on the observation being usable.
The learned-noise, flow and Gaussian-process likelihoods live in
[`clusteremu.inference.family`][].

Because the posterior is two-dimensional it is also computed exactly on a grid over the
prior box ([`GridPosterior`][]): this checks the sampler (see [`clusteremu.inference.sampling`][] for
NUTS) and makes the coverage study cheap.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..emulators.mean_ensemble import Emulator, Moments
from ..prior import ParameterBox

__all__ = [
    "VARIANTS",
    "GridPosterior",
    "Likelihood",
    "LikelihoodModel",
    "Selected",
    "cluster_model",
    "grid_posterior",
    "posterior_on_grid",
]

VARIANTS = ("constant", "input", "fullcov")


class LikelihoodModel(eqx.Module):
    """p(y | theta) for observed summaries y = (f_bound, sigma_v [km/s], r_h [AU]).

    Subclasses implement `domain` (the prior box), `prepare(theta)` (the forward model at
    parameter rows, any pytree) and `log_prob(obs, prepared)` (log densities in physical
    units, shape (observations, rows)); all JAX-traceable.
    """

    @property
    @abc.abstractmethod
    def domain(self) -> ParameterBox: ...

    @abc.abstractmethod
    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> Any: ...

    @abc.abstractmethod
    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared: Any) -> Float[Array, "n rows"]: ...


class Likelihood(LikelihoodModel):
    """The emulator plus one likelihood-width variant, as JAX-traceable functions.

    The covariance of an observed summary vector about the emulated mean is the sum of
    the emulator's part (the variant) and the observer's measurement covariance,
    Sigma_obs = diag(`obs_sd`^2), zero for a simulated cluster.

    **Arguments:**

    - `emulator`: the trained emulator (forward model and prior box).
    - `variant`: one of [`VARIANTS`][]; anything else raises `ValueError`.
    - `sigma`: constant per-output sigma (variant `"constant"`), physical units.
    - `cov`: 3 x 3 covariance (variant `"fullcov"`), physical units squared.
    - `obs_sd`: measurement standard deviation of each observed summary, physical units.

    [`Likelihood.of`][] takes the widths the emulator stored when it was fitted.
    """

    emulator: Emulator
    variant: str = eqx.field(static=True)
    sigma: Float[Array, " outputs"]
    cov: Float[Array, "outputs outputs"]
    obs_sd: Float[Array, " outputs"]

    def __init__(self, emulator: Emulator, variant: str, sigma, cov, obs_sd=None):
        if obs_sd is not None and not isinstance(obs_sd, jax.core.Tracer) and np.any(np.asarray(obs_sd) < 0):
            raise ValueError(f"measurement standard deviations must be non-negative, got {np.asarray(obs_sd)}")
        self.emulator, self.variant = emulator, variant
        self.sigma, self.cov = jnp.asarray(sigma, float), jnp.asarray(cov, float)
        self.obs_sd = jnp.zeros_like(self.sigma) if obs_sd is None else jnp.asarray(obs_sd, float)

    def __check_init__(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"likelihood variant {self.variant!r} is not one of {', '.join(VARIANTS)}")

    @classmethod
    def of(cls, emulator: Emulator, variant: str, obs_sd=None) -> Likelihood:
        """The likelihood with the widths fitted on validation data and stored in `emulator`."""
        return cls(emulator, variant, emulator.residual_sd, emulator.residual_cov, obs_sd)

    @property
    def domain(self) -> ParameterBox:
        return self.emulator.domain

    def forward(self, theta: Float[ArrayLike, "rows 2"]) -> Moments:
        """Emulated mean summaries and variances at parameters `theta` (Q0, a in AU)."""
        return self.emulator.moments(theta)

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> Moments:
        return self.forward(theta)

    def distribution(self, mean: Float[ArrayLike, "*rows 3"], var: Float[ArrayLike, "*rows 3"]) -> dist.Distribution:
        """p(y | theta) given the forward model's mean and variance, one event of 3 summaries."""
        obs_var = self.obs_sd**2
        if self.variant == "constant":
            return dist.Normal(mean, jnp.sqrt(self.sigma**2 + obs_var)).to_event(1)
        if self.variant == "input":
            return dist.Normal(mean, jnp.sqrt(var + obs_var)).to_event(1)
        return dist.MultivariateNormal(mean, self.cov + jnp.diag(obs_var))

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared: Moments) -> Float[Array, "n rows"]:
        """log p(obs | theta) for every observation (rows of `obs`) and every theta row."""
        obs = jnp.asarray(obs, float)
        return self.distribution(prepared.mean[None], prepared.total_var[None]).log_prob(obs[:, None, :])


class Selected(LikelihoodModel):
    """A likelihood conditioned on the observation being usable (enough stars bound).

    Clusters with fewer bound stars than the minimum are discarded, so the data model of a
    usable observation is p(y | theta, usable) P(usable | theta): the emulators learn the
    first factor from usable simulations, `selection` (a
    [`SelectionModel`][clusteremu.emulators.selection.SelectionModel]) supplies the second.
    """

    inner: LikelihoodModel
    selection: Any

    @property
    def domain(self) -> ParameterBox:
        return self.inner.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> tuple[Any, Float[Array, " rows"]]:
        return self.inner.prepare(theta), self.selection.log_prob_usable(theta)

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared) -> Float[Array, "n rows"]:
        inner, log_usable = prepared
        return self.inner.log_prob(obs, inner) + log_usable[None, :]


def cluster_model(like: LikelihoodModel, obs: Float[ArrayLike, " 3"] | None = None) -> None:
    """NumPyro model: uniform priors over the training domain, emulator forward model.

    With `obs=None` and the Gaussian [`Likelihood`][] it draws summaries `y` from the prior
    predictive, so the same model simulates observations; with `obs` given it adds
    log p(obs | theta) as a factor, for any [`LikelihoodModel`][].
    """
    import numpyro

    q0, a = like.domain.sample_numpyro()
    theta = jnp.stack([q0, a])[None]
    if obs is None:
        if not isinstance(like, Likelihood):
            raise NotImplementedError(f"prior predictive draws need a Gaussian Likelihood, not {type(like).__name__}")
        m = like.forward(theta)
        numpyro.sample("y", like.distribution(m.mean[0], m.total_var[0]))
        return
    numpyro.factor("log_likelihood", like.log_prob(jnp.asarray(obs, float)[None], like.prepare(theta))[0, 0])


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

    def correlation(self) -> np.ndarray:
        """Posterior correlation of Q0 and a, shape `(observations,)`."""
        q, a = np.meshgrid(self.q0, self.a_au, indexing="ij")
        w = self.density / self.density.sum(axis=(1, 2), keepdims=True)
        mq, ma = (w * q).sum((1, 2)), (w * a).sum((1, 2))
        dq, da = q - mq[:, None, None], a - ma[:, None, None]
        return (w * dq * da).sum((1, 2)) / np.sqrt((w * dq**2).sum((1, 2)) * (w * da**2).sum((1, 2)))

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

    def draw(self, index: int, n: int, *, seed: int) -> np.ndarray:
        """`n` independent draws (Q0, a) from posterior `index`: a cell by its probability,
        then a uniform point inside it. Shape `(n, 2)`."""
        rng = np.random.default_rng(seed)
        p = self.density[index].ravel()
        cells = rng.choice(p.size, size=n, p=p / p.sum())
        iq, ia = np.unravel_index(cells, self.density.shape[1:])
        h = np.array([self.q0[1] - self.q0[0], self.a_au[1] - self.a_au[0]])
        centres = np.column_stack([self.q0[iq], self.a_au[ia]])
        return centres + (rng.uniform(size=(n, 2)) - 0.5) * h


def grid_posterior(like: LikelihoodModel, obs: np.ndarray, n_grid: int = 160, chunk: int = 64) -> GridPosterior:
    """Exact (to grid resolution) posteriors of many observations at once, on an `n_grid`
    x `n_grid` grid of cells over the whole prior box (see [`posterior_on_grid`][])."""
    return posterior_on_grid(like, obs, *like.domain.grid(n_grid), chunk=chunk)


def posterior_on_grid(
    like: LikelihoodModel, obs: np.ndarray, q0: np.ndarray, a_au: np.ndarray, *, chunk: int = 64
) -> GridPosterior:
    """Posteriors of many observations on the regular grid of cell centres `q0` x `a_au`
    (uniform prior, normalized on the grid by the midpoint rule).

    The forward model is evaluated once on the grid (`prepare`); each observation then
    costs only the log densities.
    """
    theta = np.stack(np.meshgrid(q0, a_au, indexing="ij"), axis=-1).reshape(-1, 2)
    prepared = _prepare(like, jnp.asarray(theta))
    dens = []
    obs = np.atleast_2d(obs)
    cell = (q0[1] - q0[0]) * (a_au[1] - a_au[0])
    for start in range(0, len(obs), chunk):
        lp = np.array(_log_prob(like, jnp.asarray(obs[start : start + chunk]), prepared))
        lp -= lp.max(axis=1, keepdims=True)
        p = np.exp(lp)
        dens.append(p / (p.sum(axis=1, keepdims=True) * cell))
    return GridPosterior(np.asarray(q0), np.asarray(a_au), np.concatenate(dens).reshape(len(obs), len(q0), len(a_au)))


# Compiled once per likelihood structure and shape, not once per call.
@eqx.filter_jit
def _prepare(like: LikelihoodModel, theta):
    return like.prepare(theta)


@eqx.filter_jit
def _log_prob(like: LikelihoodModel, obs, prepared):
    return like.log_prob(obs, prepared)
