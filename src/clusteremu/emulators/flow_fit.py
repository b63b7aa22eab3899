"""Train a [`ConditionalFlow`][clusteremu.emulators.flow.ConditionalFlow] on simulations.

[`fit_flow`][] standardizes theta and z (the summaries in the unbounded space of
[`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform]) on the training
split, then trains `members` flows at once (one compiled `lax.while_loop`, vectorized over
the members), each from its own initialization and minibatch order, with Adam on
minibatches, stopping each early on its validation negative log-likelihood and keeping its
best parameters. The density is their equal-weight mixture: where members trained on the
same simulations disagree, the mixture is wider, which a single flow cannot be.

Every minibatch is drawn afresh as an observer would record it
([`observe`][clusteremu.datasets.measurement.observe]): the bound fraction dequantized (so
that the density cannot pile up on the N + 1 values k / N), and, when the flow takes
measurement errors, Gaussian errors with sds drawn at random up to `measurement_sd_max`,
given to the flow as a condition. The validation split is observed once, with a fixed key,
so that its negative log-likelihood is comparable from epoch to epoch. Every random draw
comes from `settings.seed`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.measurement import observe
from ..datasets.table import OUTPUT_NAMES
from ..prior import ParameterBox
from .flow import ConditionalFlow
from .flow_architecture import FlowArchitecture, non_trainable
from .transforms import SummaryTransform

__all__ = ["CLEAN_FRACTION", "FlowHistory", "FlowSettings", "fit_flow", "measurement_sds"]

#: Of the training rows of a flow that takes measurement errors, this fraction is drawn
#: without any; of the others, each summary has none with the same probability, else an sd
#: uniform in [0, its maximum]. Exact summaries stay as well learned as noisy ones.
CLEAN_FRACTION = 0.25


@dataclass(frozen=True)
class FlowSettings:
    """The profile's `flow` section: architecture, members, optimizer, stopping and measurement errors.

    **Arguments:**

    - `seed`: seeds the initializations, the minibatch shuffling, the dequantization and
      the measurement errors drawn in training.
    - `flow_layers`, `knots`, `interval`, `nn_width`: see [`FlowArchitecture`][].
    - `members`: flows trained together; the density is their mixture.
    - `learning_rate`: Adam step size.
    - `max_epochs`: upper limit on passes over the training data.
    - `patience_epochs`: stop a member after this many epochs without a lower validation NLL.
    - `batch_size`: minibatch size (the whole training set if larger).
    - `measurement_sd_max`: the largest measurement sd of each summary the flow is trained
      for (`f_bound`; `sigma_v_kms` in km/s; `r_h_au` in AU); all zero: exact summaries only,
      no measurement-error input.
    - `dequantize`: dequantize the bound fraction (the diagnosis switches it off to show why).
    """

    seed: int
    flow_layers: int
    knots: int
    interval: float
    nn_width: int
    learning_rate: float
    max_epochs: int
    patience_epochs: int
    batch_size: int
    members: int = 1
    measurement_sd_max: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(OUTPUT_NAMES, 0.0))
    dequantize: bool = True

    def __post_init__(self):
        if min(self.max_epochs, self.patience_epochs, self.batch_size) < 1 or not self.learning_rate > 0:
            raise ValueError(f"flow training needs positive epochs, patience, batch size and learning rate: {self}")
        if set(self.measurement_sd_max) != set(OUTPUT_NAMES) or min(self.measurement_sd_max.values()) < 0:
            raise ValueError(f"measurement_sd_max needs a non-negative sd for each of {OUTPUT_NAMES}")
        self.architecture  # noqa: B018  (validates the architecture)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FlowSettings:
        """Settings from a validated profile's `flow` section."""
        return cls(**config["flow"])

    @property
    def sd_max(self) -> np.ndarray:
        return np.array([self.measurement_sd_max[k] for k in OUTPUT_NAMES], float)

    @property
    def architecture(self) -> FlowArchitecture:
        noise = bool(np.any(self.sd_max > 0))
        return FlowArchitecture(self.flow_layers, self.knots, self.interval, self.nn_width, self.members, noise)


@dataclass(frozen=True)
class FlowHistory:
    """Per-epoch mean negative log-likelihood of the observed z (nats per simulation, in the
    units of [`SummaryTransform.forward`][clusteremu.emulators.transforms.SummaryTransform.forward]),
    one row per member: `train_nll` averaged over the epoch's minibatches and `val_nll` of
    the validation split after the epoch, shape `(members, max_epochs)`, NaN after the
    member stopped; `epochs` run and `best_epoch` kept (0-based) per member, and the wall
    time of the whole fit `seconds` (compilation included)."""

    train_nll: np.ndarray
    val_nll: np.ndarray
    epochs: np.ndarray
    best_epoch: np.ndarray
    seconds: float

    def curves(self, max_points: int = 500) -> dict[str, list]:
        """Every member's curves over the epochs it ran, thinned to about `max_points`, JSON-able."""
        stride = max(1, int(self.epochs.max()) // max_points)
        out: dict[str, list] = {"stride": [stride], "train": [], "validation": []}
        for m, e in enumerate(self.epochs):
            out["train"].append(self.train_nll[m, :e:stride].tolist())
            out["validation"].append(self.val_nll[m, :e:stride].tolist())
        return out


def _standardize(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = a.mean(axis=0), a.std(axis=0)
    if not np.all(std > 0):
        raise ValueError(f"a column of the training data is constant (std {std}); cannot standardize")
    return mean, std


def measurement_sds(key: PRNGKeyArray, rows: int, sd_max: Float[ArrayLike, " 3"]) -> Float[Array, "rows 3"]:
    """Measurement sds for `rows` training rows (see [`CLEAN_FRACTION`][]), shape `(rows, 3)`."""
    k_clean, k_none, k_sd = jax.random.split(key, 3)
    clean = jax.random.uniform(k_clean, (rows, 1)) < CLEAN_FRACTION
    none = jax.random.uniform(k_none, (rows, 3)) < CLEAN_FRACTION
    sd = jax.random.uniform(k_sd, (rows, 3)) * jnp.asarray(sd_max)
    return jnp.where(clean | none, 0.0, sd)


def fit_flow(
    theta_train: Float[ArrayLike, "n 2"],
    y_train: Float[ArrayLike, "n 3"],
    theta_val: Float[ArrayLike, "m 2"],
    y_val: Float[ArrayLike, "m 3"],
    *,
    n_stars: int,
    settings: FlowSettings,
    domain: ParameterBox,
) -> tuple[ConditionalFlow, FlowHistory]:
    """Fit a mixture of conditional flows p(z | theta[, sd]) by maximum likelihood, with early stopping.

    The standardization of theta and z comes from the training split alone. Each epoch
    shuffles the training rows (per member) and takes `n // batch_size` Adam steps on
    minibatches observed afresh (see the module's text), then evaluates the validation NLL;
    a member stops after `max_epochs` or `patience_epochs` epochs without improvement and
    keeps the parameters of its best validation epoch.

    **Arguments:**

    - `theta_train`, `theta_val`: parameters (Q0, a [AU]), one row per simulation.
    - `y_train`, `y_val`: physical summaries (f_bound = k / N; sigma_v [km/s]; r_h [AU]), finite.
    - `n_stars`: N, for the transform and the dequantization of the bound fraction.
    - `settings`: architecture, members, optimizer, stopping rule and measurement errors.
    - `domain`: the training box, stored with the flow.

    **Returns:**

    The [`ConditionalFlow`][] (every member at its best validation epoch) and its [`FlowHistory`][].
    """
    t0 = time.perf_counter()
    transform = SummaryTransform(n_stars)
    t_train, t_val = np.asarray(theta_train, float), np.asarray(theta_val, float)
    y_train, y_val = np.asarray(y_train, float), np.asarray(y_val, float)
    for name, t, y in (("training", t_train, y_train), ("validation", t_val, y_val)):
        if t.shape[0] != y.shape[0]:
            raise ValueError(f"{name} split: {t.shape[0]} rows of theta but {y.shape[0]} of y")
        bad = int(np.sum(~np.all(np.isfinite(y), axis=1) | ~np.all(np.isfinite(t), axis=1)))
        if bad:
            raise ValueError(f"{name} split: {bad} rows with non-finite theta or summaries (drop them first)")
    theta_mean, theta_std = _standardize(t_train)
    z_mean, z_std = _standardize(np.asarray(transform.forward(y_train)))
    arch, sd_max = settings.architecture, settings.sd_max
    init_key, train_key, val_key = jax.random.split(jax.random.key(settings.seed), 3)
    stats = tuple(jnp.asarray(a) for a in (theta_mean, theta_std, z_mean, z_std))
    blank = ConditionalFlow(
        arch.build(init_key), *stats, jnp.asarray(sd_max), transform, domain=domain, architecture=arch
    )
    k_sd, k_obs = jax.random.split(val_key)
    sd_val = measurement_sds(k_sd, len(y_val), sd_max) if arch.noise_inputs else jnp.zeros_like(y_val)
    observed_val = observe(y_val, sd_val, n_stars, key=k_obs) if settings.dequantize else jnp.asarray(y_val)
    data = (jnp.asarray(t_train), jnp.asarray(y_train), jnp.asarray(t_val), observed_val, sd_val)
    keys = jax.random.split(train_key, arch.members)
    best, train_nll, val_nll, best_epoch, epochs = _train(blank, data, keys, settings, n_stars)
    history = FlowHistory(
        *(np.asarray(a, float) for a in (train_nll, val_nll)),
        np.asarray(epochs, int),
        np.asarray(best_epoch, int),
        time.perf_counter() - t0,
    )
    if np.any(history.best_epoch < 0):
        raise ValueError("flow training failed: a member's validation NLL was never finite (lower the learning rate)")
    return eqx.tree_at(lambda f: f.flow, blank, best), history


def _train(blank: ConditionalFlow, data, keys, settings: FlowSettings, n_stars: int):
    """Minibatch Adam in one `while_loop` over epochs per member, vectorized over members."""
    opt = optax.adam(settings.learning_rate)
    t_train, y_train, t_val, observed_val, sd_val = data
    n = t_train.shape[0]
    size = min(settings.batch_size, n)
    batches = n // size
    max_epochs, patience, sd_max = settings.max_epochs, settings.patience_epochs, blank.sd_max

    def nll(flow, y, theta, sd):  # of standardized z, with flowjax's own density (a constant log_det from z's)
        return -jnp.mean(flow.log_prob(blank.standardized(y), condition=blank.condition(theta, sd)))

    def member(flow, key):
        params, static = eqx.partition(flow, eqx.is_inexact_array, is_leaf=non_trainable)

        def loss(p, y, theta, sd):
            return nll(eqx.combine(p, static), y, theta, sd)

        def step(inner, batch):
            p, state = inner
            rows, raw = batch
            k_sd, k_obs = jax.random.split(jax.random.wrap_key_data(raw))
            sd = measurement_sds(k_sd, size, sd_max) if blank.architecture.noise_inputs else jnp.zeros((size, 3))
            y = observe(y_train[rows], sd, n_stars, key=k_obs) if settings.dequantize else y_train[rows]
            value, grads = jax.value_and_grad(loss)(p, y, t_train[rows], sd)
            updates, state = opt.update(grads, state, p)
            return (optax.apply_updates(p, updates), state), value

        def epoch(carry):
            # Keys travel as raw data through the loops: vectorized over members, a typed key
            # carried by the while loop or scanned over trips JAX's key-reuse check.
            p, state, raw, best_p, best_v, best_e, e, train_h, val_h = carry
            key, shuffle_key, batch_key = jax.random.split(jax.random.wrap_key_data(raw), 3)
            rows = jax.random.permutation(shuffle_key, n)[: batches * size].reshape(batches, size)
            raw_keys = jax.random.key_data(jax.random.split(batch_key, batches))
            (p, state), losses = lax.scan(step, (p, state), (rows, raw_keys))
            val = loss(p, observed_val, t_val, sd_val)
            better = val < best_v  # False for a NaN loss
            best_p = jax.tree_util.tree_map(lambda new, old: jnp.where(better, new, old), p, best_p)
            best_v, best_e = jnp.where(better, val, best_v), jnp.where(better, e, best_e)
            train_h, val_h = train_h.at[e].set(jnp.mean(losses)), val_h.at[e].set(val)
            return p, state, jax.random.key_data(key), best_p, best_v, best_e, e + 1, train_h, val_h

        def go_on(carry):
            best_e, e = carry[5], carry[6]
            return (e < max_epochs) & (e - 1 - best_e < patience)

        nan = jnp.full(max_epochs, jnp.nan)
        raw = jax.random.key_data(key)
        init = (params, opt.init(params), raw, params, jnp.array(jnp.inf), jnp.array(-1), jnp.array(0), nan, nan)
        _, _, _, best_p, _, best_e, e, train_h, val_h = lax.while_loop(go_on, epoch, init)
        return eqx.combine(best_p, static), train_h, val_h, best_e, e

    best, train_h, val_h, best_e, e = eqx.filter_jit(eqx.filter_vmap(member))(blank.flow, keys)
    log_det = jnp.sum(jnp.log(blank.z_std))  # standardized NLL + log_det = NLL of z
    return best, train_h + log_det, val_h + log_det, best_e, e
