"""The emulator network: a small ReLU MLP, and ensembles of them built with `filter_vmap`.

Equinox's `Linear` initializes weights and biases uniformly in +-1/sqrt(fan_in) (LeCun-style
uniform). We replace that explicitly by Glorot (Xavier) uniform weights,
U(-sqrt(6 / (fan_in + fan_out)), +sqrt(6 / (fan_in + fan_out))), and zero biases.

The network computes in float32 (the simulator needs float64; the emulator does not, and
float32 trains several times faster on CPU).
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)

__all__ = ["DTYPE", "MLP", "architecture", "ensemble_apply", "glorot_linear", "make_ensemble"]

DTYPE = jnp.float32


def glorot_linear(fan_in: int, fan_out: int, *, key: PRNGKeyArray) -> eqx.nn.Linear:
    """An `eqx.nn.Linear` with Glorot-uniform weights and zero biases."""
    # Equinox's own initialization is overwritten, but it gets a key of its own: a key is used once.
    k_default, k_weight = jax.random.split(key)
    layer = eqx.nn.Linear(fan_in, fan_out, key=k_default, dtype=DTYPE)
    limit = (6.0 / (fan_in + fan_out)) ** 0.5
    weight = jax.random.uniform(k_weight, (fan_out, fan_in), minval=-limit, maxval=limit, dtype=DTYPE)
    return eqx.tree_at(lambda lin: (lin.weight, lin.bias), layer, (weight, jnp.zeros_like(layer.bias)))


class MLP(eqx.Module):
    """A fully connected network with ReLU hidden layers and a linear output layer.

    **Arguments:**

    - `sizes`: layer widths from input to output, e.g. `(2, 64, 64, 3)`.
    - `key`: PRNG key for the Glorot initialization.
    """

    layers: tuple[eqx.nn.Linear, ...]

    def __init__(self, sizes: Sequence[int], *, key: PRNGKeyArray):
        keys = jax.random.split(key, len(sizes) - 1)
        self.layers = tuple(glorot_linear(i, o, key=k) for k, i, o in zip(keys, sizes[:-1], sizes[1:], strict=True))

    def __call__(self, x: Float[ArrayLike, " d_in"]) -> Float[Array, " d_out"]:
        for layer in self.layers[:-1]:
            x = jax.nn.relu(layer(x))
        return self.layers[-1](x)


def make_ensemble(n_members: int, sizes: Sequence[int], *, key: PRNGKeyArray) -> MLP:
    """`n_members` independently initialized MLPs stacked along a leading axis."""
    return eqx.filter_vmap(lambda k: MLP(sizes, key=k))(jax.random.split(key, n_members))


def ensemble_apply(ensemble: MLP, x: Float[ArrayLike, "rows d_in"]) -> Float[Array, "members rows d_out"]:
    """Every member's prediction for every row of `x` (normalized units)."""
    x = jnp.asarray(x, dtype=DTYPE)
    return eqx.filter_vmap(lambda model: jax.vmap(model)(x))(ensemble)


def architecture(ensemble: MLP) -> dict[str, list[int] | int]:
    """What rebuilds an ensemble's structure, for a model file's header: layer widths and members."""
    layers = ensemble.layers
    sizes = [int(layers[0].weight.shape[-1])] + [int(layer.weight.shape[-2]) for layer in layers]
    return {"sizes": sizes, "n_members": int(layers[0].weight.shape[0])}
