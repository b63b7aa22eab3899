"""Train an ensemble: full-batch Adam, all members at once, with early stopping.

The loss is the mean squared error by default, or any per-member loss `loss(model, x, y)`
(the learned-noise ensemble uses a Gaussian negative log-likelihood).

All members are trained in one compiled loop (`vmap` over the members' parameters and
optimizer states), not a Python loop of separate trainings. Each member keeps the weights
of its lowest validation loss; training stops once every member has gone `patience`
epochs without improving, or after `max_epochs`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax
from jaxtyping import Array, ArrayLike, Float

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .mlp import MLP

__all__ = ["EnsembleSettings", "FitResult", "TrainingHistory", "loss_curves", "mse", "train_ensemble"]


@dataclass(frozen=True)
class EnsembleSettings:
    """What every MLP ensemble's profile section holds: seed, architecture, optimizer, stopping.

    Subclasses name their section (`section`), their networks' output count (`n_outputs`)
    and add their own fields.
    """

    section: ClassVar[str]
    n_outputs: ClassVar[int]

    seed: int
    n_members: int
    hidden_width: int
    hidden_layers: int
    learning_rate: float
    max_epochs: int
    patience_epochs: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EnsembleSettings:
        """Settings from a validated profile's section `cls.section`."""
        return cls(**config[cls.section])

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths of each member, inputs (Q0, a) to outputs."""
        return (2, *[self.hidden_width] * self.hidden_layers, self.n_outputs)


@dataclass(frozen=True)
class TrainingHistory:
    """Per-epoch losses, shape `(epochs, members)`, and each member's best epoch."""

    train_loss: np.ndarray
    val_loss: np.ndarray
    best_epoch: np.ndarray

    @property
    def epochs(self) -> int:
        return self.train_loss.shape[0]


@dataclass(frozen=True)
class FitResult:
    """A fitted emulator (mean or learned-noise), its training history and the training wall time (s)."""

    emulator: Any
    history: TrainingHistory
    train_seconds: float


def loss_curves(train: np.ndarray, validation: np.ndarray, max_points: int = 1000) -> dict[str, list]:
    """Loss curves thinned to at most about `max_points` epochs, as JSON-able lists.

    **Arguments:**

    - `train`, `validation`: per-epoch losses, shape `(epochs,)` or `(epochs, members)`.
    - `max_points`: every k-th epoch is kept, k = max(1, epochs // max_points).

    **Returns:**

    `{"epoch": [...], "train": [...], "validation": [...]}`, the losses one list per
    member (or one list) over the kept epochs.
    """
    epochs = np.shape(train)[0]
    stride = max(1, epochs // max_points)
    return {
        "epoch": np.arange(0, epochs, stride).tolist(),
        "train": np.asarray(train)[::stride].T.tolist(),
        "validation": np.asarray(validation)[::stride].T.tolist(),
    }


def mse(model: MLP, x: Float[Array, "n d_in"], y: Float[Array, "n d_out"]) -> Float[Array, ""]:
    """Mean squared error of one member on a split (normalized units)."""
    return jnp.mean((jax.vmap(model)(x) - y) ** 2)


def train_ensemble(
    ensemble: MLP,
    x_train: Float[ArrayLike, "n 2"],
    y_train: Float[ArrayLike, "n 3"],
    x_val: Float[ArrayLike, "m 2"],
    y_val: Float[ArrayLike, "m 3"],
    *,
    learning_rate: float,
    max_epochs: int,
    patience: int,
    chunk: int = 100,
    loss: Callable[[MLP, Array, Array], Array] | None = None,
    val_loss: Callable[[MLP, Array, Array], Array] | None = None,
) -> tuple[MLP, TrainingHistory]:
    """Train every member on the same normalized data (different initializations).

    **Arguments:**

    - `ensemble`: stacked members from [`make_ensemble`][].
    - `x_train`, `y_train`: normalized training inputs and outputs.
    - `x_val`, `y_val`: normalized validation inputs and outputs (early stopping only).
    - `learning_rate`: Adam step size.
    - `max_epochs`, `patience`: stopping rule; one epoch is one full-batch step.
    - `chunk`: epochs per compiled call between stopping checks.
    - `loss`: per-member loss `loss(model, x, y)` on a whole split; default: mean squared
      error of `jax.vmap(model)(x)` against `y`.
    - `val_loss`: the criterion of early stopping on the validation split, when it differs
      from the training objective (a weighted loss is not a fair score); default: `loss`.

    **Returns:**

    The ensemble with each member's best-validation weights, and the loss history.
    """
    params, static = eqx.partition(ensemble, eqx.is_array)
    opt = optax.adam(learning_rate)

    member_loss = loss or mse
    member_val_loss = val_loss or member_loss

    def split_loss(p, x, y):
        return member_loss(eqx.combine(p, static), x, y)

    def step(p, state):
        value, grads = jax.value_and_grad(split_loss)(p, x_train, y_train)
        updates, state = opt.update(grads, state, p)
        return optax.apply_updates(p, updates), state, value

    vstep = jax.vmap(step)
    vval = jax.vmap(lambda p: member_val_loss(eqx.combine(p, static), x_val, y_val))

    def keep(mask, new, old):
        return jax.tree_util.tree_map(lambda n, o: jnp.where(mask.reshape((-1,) + (1,) * (n.ndim - 1)), n, o), new, old)

    @jax.jit
    def run(carry):
        def body(c, _):
            p, state, best_p, best_v, best_e, epoch = c
            val = vval(p)  # validation loss of the weights *before* this epoch's update
            better = val < best_v
            best_p, best_v = keep(better, p, best_p), jnp.where(better, val, best_v)
            best_e = jnp.where(better, epoch, best_e)
            p, state, train = vstep(p, state)
            return (p, state, best_p, best_v, best_e, epoch + 1), (train, val)

        return lax.scan(body, carry, None, length=chunk)

    members = jax.tree_util.tree_leaves(params)[0].shape[0]
    carry = (
        params,
        jax.vmap(opt.init)(params),
        params,
        jnp.full(members, jnp.inf),
        jnp.zeros(members, int),
        jnp.array(0),
    )
    train_hist, val_hist = [], []
    while True:
        carry, (train, val) = run(carry)
        train_hist.append(np.asarray(train))
        val_hist.append(np.asarray(val))
        epoch, best_e = int(carry[5]), np.asarray(carry[4])
        if epoch >= max_epochs or np.all(epoch - best_e > patience):
            break
    best = eqx.combine(carry[2], static)
    history = TrainingHistory(np.concatenate(train_hist), np.concatenate(val_hist), np.asarray(carry[4]))
    return best, history
