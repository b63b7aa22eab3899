"""Train a [`ConditionalFlow`][clusteremu.emulators.flow.ConditionalFlow] on simulations.

[`fit_flow`][] standardizes theta and z (the summaries in the unbounded space of
[`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform]) on the training
split, then trains with Adam on minibatches, stopping early on the validation negative
log-likelihood and keeping the best parameters; every random draw comes from
`settings.seed`. The whole training loop is one compiled `lax.while_loop`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax
from jaxtyping import ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..prior import ParameterBox
from .flow import ConditionalFlow, FlowArchitecture, non_trainable
from .transforms import SummaryTransform

__all__ = ["FlowHistory", "FlowSettings", "fit_flow"]


@dataclass(frozen=True)
class FlowSettings:
    """The profile's `flow` section: architecture, optimizer and stopping rule.

    **Arguments:**

    - `seed`: seeds the initialization and the minibatch shuffling.
    - `flow_layers`, `knots`, `interval`, `nn_width`: see [`FlowArchitecture`][].
    - `learning_rate`: Adam step size.
    - `max_epochs`: upper limit on passes over the training data.
    - `patience_epochs`: stop after this many epochs without a lower validation NLL.
    - `batch_size`: minibatch size (the whole training set if larger).
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

    def __post_init__(self):
        if min(self.max_epochs, self.patience_epochs, self.batch_size) < 1 or not self.learning_rate > 0:
            raise ValueError(f"flow training needs positive epochs, patience, batch size and learning rate: {self}")
        self.architecture  # noqa: B018  (validates the architecture)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FlowSettings:
        """Settings from a validated profile's `flow` section."""
        return cls(**config["flow"])

    @property
    def architecture(self) -> FlowArchitecture:
        return FlowArchitecture(self.flow_layers, self.knots, self.interval, self.nn_width)


@dataclass(frozen=True)
class FlowHistory:
    """Per-epoch mean negative log-likelihood of z (nats per simulation, in the units of
    [`SummaryTransform.forward`][clusteremu.emulators.transforms.SummaryTransform.forward]):
    `train_nll` averaged over the epoch's minibatches, `val_nll` of the validation split
    after the epoch; `best_epoch` (0-based) whose parameters were kept, and the wall time
    of the whole fit `seconds` (compilation included)."""

    train_nll: np.ndarray
    val_nll: np.ndarray
    best_epoch: int
    seconds: float

    @property
    def epochs(self) -> int:
        return self.train_nll.shape[0]


def _standardize(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = a.mean(axis=0), a.std(axis=0)
    if not np.all(std > 0):
        raise ValueError(f"a column of the training data is constant (std {std}); cannot standardize")
    return mean, std


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
    """Fit a conditional flow p(z | theta) by maximum likelihood, with early stopping.

    The standardization of theta and z comes from the training split alone. Each epoch
    shuffles the training rows and takes `n // batch_size` Adam steps on minibatches of
    `batch_size` (the rows left over change from epoch to epoch), then evaluates the
    validation NLL; training stops after `max_epochs` or `patience_epochs` epochs without
    improvement and returns the parameters of the best validation epoch. The whole loop is
    one compiled call; the initialization and the shuffles derive from `settings.seed`.

    **Arguments:**

    - `theta_train`, `theta_val`: parameters (Q0, a [AU]), one row per simulation.
    - `y_train`, `y_val`: physical summaries (f_bound; sigma_v [km/s]; r_h [AU]), finite.
    - `n_stars`: stars per cluster, for the transform of the bound fraction.
    - `settings`: architecture, optimizer and stopping rule.
    - `domain`: the training box, stored with the flow.

    **Returns:**

    The [`ConditionalFlow`][] with the best validation parameters, and its [`FlowHistory`][].
    """
    t0 = time.perf_counter()
    transform = SummaryTransform(n_stars)
    t_train, t_val = np.asarray(theta_train, float), np.asarray(theta_val, float)
    z_train, z_val = np.asarray(transform.forward(y_train)), np.asarray(transform.forward(y_val))
    for name, t, z in (("training", t_train, z_train), ("validation", t_val, z_val)):
        if t.shape[0] != z.shape[0]:
            raise ValueError(f"{name} split: {t.shape[0]} rows of theta but {z.shape[0]} of y")
        bad = int(np.sum(~np.all(np.isfinite(z), axis=1) | ~np.all(np.isfinite(t), axis=1)))
        if bad:
            raise ValueError(f"{name} split: {bad} rows with non-finite theta or summaries (drop them first)")
    theta_mean, theta_std = _standardize(t_train)
    z_mean, z_std = _standardize(z_train)
    log_det = float(np.sum(np.log(z_std)))  # standardized NLL + log_det = NLL of z

    init_key, train_key = jax.random.split(jax.random.key(settings.seed))
    flow = settings.architecture._build(init_key)
    best, train_nll, val_nll, best_epoch, epochs = _train(
        flow,
        (z_train - z_mean) / z_std,
        (t_train - theta_mean) / theta_std,
        (z_val - z_mean) / z_std,
        (t_val - theta_mean) / theta_std,
        train_key,
        settings,
    )
    epochs, best_epoch = int(epochs), int(best_epoch)
    seconds = time.perf_counter() - t0
    if best_epoch < 0:
        raise ValueError("flow training failed: the validation NLL was never finite (lower the learning rate)")
    history = FlowHistory(
        np.asarray(train_nll)[:epochs] + log_det, np.asarray(val_nll)[:epochs] + log_det, best_epoch, seconds
    )
    stats = (jnp.asarray(a) for a in (theta_mean, theta_std, z_mean, z_std))
    likelihood = ConditionalFlow(best, *stats, transform, domain=domain, architecture=settings.architecture)
    return likelihood, history


def _train(flow, u_train, c_train, u_val, c_val, key, settings: FlowSettings):
    """Minibatch Adam in one `while_loop` over epochs; returns the best parameters and the history."""
    params, static = eqx.partition(flow, eqx.is_inexact_array, is_leaf=non_trainable)
    opt = optax.adam(settings.learning_rate)
    n = u_train.shape[0]
    size = min(settings.batch_size, n)
    batches = n // size
    max_epochs, patience = settings.max_epochs, settings.patience_epochs

    def nll(p, u, c):
        return -jnp.mean(eqx.combine(p, static).log_prob(u, condition=c))

    def epoch(carry, data):
        u_train, c_train, u_val, c_val = data

        def step(inner, rows):
            p, state = inner
            value, grads = jax.value_and_grad(nll)(p, u_train[rows], c_train[rows])
            updates, state = opt.update(grads, state, p)
            return (optax.apply_updates(p, updates), state), value

        p, state, key, best_p, best_v, best_e, e, train_h, val_h = carry
        key, shuffle_key = jax.random.split(key)
        rows = jax.random.permutation(shuffle_key, n)[: batches * size].reshape(batches, size)
        (p, state), losses = lax.scan(step, (p, state), rows)
        val = nll(p, u_val, c_val)
        better = val < best_v  # False for a NaN loss
        best_p = jax.tree_util.tree_map(lambda new, old: jnp.where(better, new, old), p, best_p)
        best_v, best_e = jnp.where(better, val, best_v), jnp.where(better, e, best_e)
        train_h, val_h = train_h.at[e].set(jnp.mean(losses)), val_h.at[e].set(val)
        return p, state, key, best_p, best_v, best_e, e + 1, train_h, val_h

    def go_on(carry):
        best_e, e = carry[5], carry[6]
        return (e < max_epochs) & (e - 1 - best_e < patience)

    @jax.jit
    def run(params, key, data):
        nan = jnp.full(max_epochs, jnp.nan)
        init = (params, opt.init(params), key, params, jnp.array(jnp.inf), jnp.array(-1), jnp.array(0), nan, nan)
        return lax.while_loop(go_on, lambda carry: epoch(carry, data), init)

    data = tuple(jnp.asarray(a, float) for a in (u_train, c_train, u_val, c_val))
    _, _, _, best_p, _, best_e, e, train_h, val_h = run(params, key, data)
    return eqx.combine(best_p, static), train_h, val_h, best_e, e
