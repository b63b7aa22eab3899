"""Likelihoods beyond the Gaussian around the mean emulator: learned noise, GP, flow.

Each is a [`LikelihoodModel`][clusteremu.inference.model.LikelihoodModel], so the grid
posterior, NUTS and the coverage study use them unchanged:

- [`LearnedLikelihood`][]: a Gaussian in the transformed space z (logit f_bound, log
  sigma_v, log r_h) with the learned-noise ensemble's mean and full, input-dependent
  covariance Sigma_sim + Sigma_emu (calibrated), plus the measurement covariance mapped
  into z by the delta method; the Jacobian |dz/dy| makes it a density in physical units.
- [`GPLikelihood`][]: a Gaussian in physical units with the Gaussian process's predictive
  mean and variance (diagonal), the baseline used as forward model.
- [`FlowLikelihoodModel`][]: the conditional normalizing flow p(y | theta), a reference
  that assumes no Gaussian shape at all (no measurement errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpyro.distributions as dist
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..emulators.gp import GPEmulator
from ..emulators.learned_noise import LearnedEmulator, ZMoments
from ..emulators.mean_ensemble import Emulator
from ..prior import ParameterBox
from .model import Likelihood, LikelihoodModel, Selected
from .registry import LIKELIHOODS, MODEL_FILES, LikelihoodSpec, spec

__all__ = [
    "MODEL_FILES",
    "FlowLikelihoodModel",
    "GPLikelihood",
    "LearnedLikelihood",
    "likelihood_family",
    "load_likelihood",
    "model_files",
]


def _obs_sd(obs_sd, like_sd) -> Array:
    return jnp.zeros_like(like_sd) if obs_sd is None else jnp.asarray(obs_sd, float)


class LearnedLikelihood(LikelihoodModel):
    """The learned-noise ensemble's Gaussian in z, with measurement errors `obs_sd` (physical)."""

    emulator: LearnedEmulator
    obs_sd: Float[Array, " 3"]
    measured: bool = eqx.field(static=True)

    def __init__(self, emulator: LearnedEmulator, obs_sd=None):
        self.emulator = emulator
        self.obs_sd = _obs_sd(obs_sd, emulator.scale)
        self.measured = obs_sd is not None

    @property
    def domain(self) -> ParameterBox:
        return self.emulator.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> ZMoments:
        return self.emulator.moments(theta)

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared: ZMoments) -> Float[Array, "n rows"]:
        t = self.emulator.transform
        obs = jnp.asarray(obs, float)
        z = t.forward(obs)
        if self.measured:  # measurement errors, mapped into z at the observation (delta method)
            var_z = (t.jacobian_diagonal(obs) * self.obs_sd) ** 2
            cov = prepared.total[None] + jax.vmap(jnp.diag)(var_z)[:, None]
            log_p = dist.MultivariateNormal(prepared.mean[None], cov).log_prob(z[:, None, :])
        else:  # one Cholesky factor per theta row, shared by every observation
            log_p = dist.MultivariateNormal(prepared.mean, prepared.total).log_prob(z[:, None, :])
        return log_p + t.log_abs_det_jacobian(obs)[:, None]


class GPLikelihood(LikelihoodModel):
    """Gaussian in physical units with the GP's predictive mean and variance per output."""

    gp: GPEmulator
    obs_sd: Float[Array, " 3"]

    def __init__(self, gp: GPEmulator, obs_sd=None):
        self.gp = gp
        self.obs_sd = _obs_sd(obs_sd, gp.y_std)

    @property
    def domain(self) -> ParameterBox:
        return self.gp.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> tuple[Float[Array, "rows 3"], Float[Array, "rows 3"]]:
        return self.gp.predict(theta)

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared) -> Float[Array, "n rows"]:
        mean, var = prepared
        sd = jnp.sqrt(var + self.obs_sd**2)
        return dist.Normal(mean[None], sd[None]).to_event(1).log_prob(jnp.asarray(obs, float)[:, None, :])


class FlowLikelihoodModel(LikelihoodModel):
    """The conditional flow's density p(y | theta) in physical units (no measurement errors)."""

    flow: eqx.Module

    @property
    def domain(self) -> ParameterBox:
        return self.flow.domain

    def prepare(self, theta: Float[ArrayLike, "rows 2"]) -> Float[Array, "rows 2"]:
        return jnp.atleast_2d(jnp.asarray(theta, float))

    def log_prob(self, obs: Float[ArrayLike, "n 3"], prepared) -> Float[Array, "n rows"]:
        theta = prepared

        def one(y):
            return self.flow.log_prob(jnp.broadcast_to(y, (theta.shape[0], 3)), theta)

        return jax.lax.map(one, jnp.asarray(obs, float))


def _build(entry: LikelihoodSpec, models: Mapping[str, Any], obs_sd) -> LikelihoodModel:
    """The likelihood `entry` describes, on loaded `models` (by role)."""
    if entry.model == "mean":
        like: LikelihoodModel = Likelihood.of(models["mean"], entry.width, obs_sd)
    elif entry.model == "gp":
        like = GPLikelihood(models["gp"], obs_sd)
    elif entry.model == "learned":
        like = LearnedLikelihood(models["learned"], obs_sd)
    else:
        like = FlowLikelihoodModel(models["flow"])
    return Selected(like, models["learned"].selection) if entry.selection else like


def likelihood_family(
    em: Emulator, learned: LearnedEmulator, gp: GPEmulator, flow=None, obs_sd=None
) -> dict[str, LikelihoodModel]:
    """Every likelihood of [`clusteremu.inference.registry.LIKELIHOODS`][] that the models allow.

    The three Gaussian widths around the mean emulator, the GP as forward model, the
    learned-noise Gaussian with and without the selection factor, and (if given) the flow
    with and without it. `obs_sd`, the measurement sds (physical units), enters every
    likelihood that models measurement errors; with `obs_sd` the others are left out.
    """
    models = {"mean": em, "learned": learned, "gp": gp, "flow": flow}
    return {
        s.name: _build(s, models, obs_sd)
        for s in LIKELIHOODS
        if models[s.model] is not None and (obs_sd is None or s.measurement_errors)
    }


def model_files(args) -> dict[str, str]:
    """The model files of a script's arguments `--model`, `--learned`, `--gp`, `--flow`, by role."""
    return {"mean": args.model, "learned": args.learned, "gp": args.gp, "flow": args.flow}


def _load(role: str, path: str | Path):
    if role == "mean":
        return Emulator.load(path)
    if role == "gp":
        return GPEmulator.load(path)
    if role == "learned":
        from ..emulators.learned_noise import load_learned

        return load_learned(path)
    from ..emulators.flow import load_flow

    return load_flow(path)


def load_likelihood(name: str, files: Mapping[str, str | Path], obs_sd=None) -> LikelihoodModel:
    """One likelihood of the registry, reading only the model files it needs.

    **Arguments:**

    - `name`: a key of [`clusteremu.inference.registry.LIKELIHOOD_NAMES`][].
    - `files`: model file by role (`mean`, `learned`, `gp`, `flow`; see [`MODEL_FILES`][]).
    - `obs_sd`: measurement sds of (f_bound, sigma_v km/s, r_h AU), or None.

    **Returns:**

    The likelihood. Raises `ValueError` for an unknown name or measurement errors with a
    likelihood that has no measurement model, `FileNotFoundError` naming a missing file.
    """
    entry = spec(name)
    if obs_sd is not None and not entry.measurement_errors:
        raise ValueError(
            f"the {name!r} likelihood has no measurement-error model; allowed with measurement "
            f"sds: {', '.join(s.name for s in LIKELIHOODS if s.measurement_errors)}"
        )
    for role in entry.needs:
        if not Path(files[role]).exists():
            raise FileNotFoundError(f"the {name!r} likelihood needs {files[role]}, which does not exist")
    return _build(entry, {role: _load(role, files[role]) for role in entry.needs}, obs_sd)
