"""The structure of a mixture of conditional flows: how it is built, and so how its file is laid out.

[`FlowArchitecture`][] names everything that fixes the arrays of a
[`ConditionalFlow`][clusteremu.emulators.flow.ConditionalFlow]: layers, spline knots and
interval, network width, the number of members of the mixture and whether the measurement
sds are part of the condition. [`FlowArchitecture.build`][] makes the members with flowjax,
their arrays stacked along a leading axis, in one compilation (or only their shapes, the
skeleton a file is read into).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import Any

import equinox as eqx
import jax
import paramax
from flowjax.distributions import AbstractDistribution, StandardNormal
from flowjax.flows import masked_autoregressive_flow
from flowjax.utils import get_ravelled_pytree_constructor
from jaxtyping import PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.table import OUTPUT_NAMES
from .flow_kernel import spline_transformer

__all__ = ["FlowArchitecture", "non_trainable"]

_ACTIVATIONS = {"tanh": jax.nn.tanh, "silu": jax.nn.silu, "relu": jax.nn.relu}


@dataclass(frozen=True)
class FlowArchitecture:
    """What fixes the flow's structure (and so the layout of its file).

    **Arguments:**

    - `flow_layers`: masked autoregressive layers, each followed by a fixed permutation.
    - `knots`: inner knots of each rational-quadratic spline.
    - `interval`: the splines act on [-interval, interval] of the standardized z (the
      identity outside), in standard deviations of the training data.
    - `nn_width`: hidden width of each layer's autoregressive network (one hidden layer).
    - `members`: flows of the same structure whose equal-weight mixture is the density.
    - `noise_inputs`: whether the flow is also conditioned on the measurement sds of the
      three summaries (a density of *observed* summaries for any sds in its range).
    - `activation`: the networks' activation, `"tanh"` (smooth in theta, for NUTS),
      `"silu"` or `"relu"`.
    """

    flow_layers: int
    knots: int
    interval: float
    nn_width: int
    members: int = 1
    noise_inputs: bool = False
    activation: str = "tanh"

    def __post_init__(self):
        if min(self.flow_layers, self.knots, self.nn_width, self.members) < 1 or not self.interval > 0:
            raise ValueError(f"flow architecture needs positive sizes, members and interval: {self}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r} is not one of {sorted(_ACTIVATIONS)}")

    @property
    def condition_dim(self) -> int:
        """Inputs of the condition: (Q0, a), then the three measurement sds if `noise_inputs`."""
        return 2 + len(OUTPUT_NAMES) * self.noise_inputs

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def make(self, key: PRNGKeyArray) -> AbstractDistribution:
        """One freshly initialized flowjax flow over 3-D z (eager, as flowjax builds it)."""
        return masked_autoregressive_flow(
            key,
            base_dist=StandardNormal((len(OUTPUT_NAMES),)),
            transformer=spline_transformer(self.knots, float(self.interval)),
            cond_dim=self.condition_dim,
            flow_layers=self.flow_layers,
            nn_width=self.nn_width,
            nn_depth=1,
            nn_activation=_ACTIVATIONS[self.activation],
            invert=True,  # log_prob (training, inference) in one pass; sampling is sequential over 3 dims
        )

    def build(self, key: PRNGKeyArray, *, shapes_only: bool = False) -> AbstractDistribution:
        """`members` flows from [`make`][], their arrays stacked along a leading axis, compiled
        in one piece (or only their shapes, for loading a file).

        Built eagerly, flowjax's constructor compiles some sixty small operations per flow
        (seconds); traced instead, it is one compilation, or none with `shapes_only`.
        Tracing leaves one non-array leaf holding tracers: each autoregressive layer's
        `transformer_constructor`, a closure over the spline's initial parameters, which
        depend on the architecture alone and are rebuilt here concretely.
        """
        keys = jax.random.split(key, self.members)
        stacked = eqx.filter_vmap(self.make)
        shapes = eqx.filter_eval_shape(stacked, keys)  # traced only: the keys are not consumed
        constructor = _spline_constructor(self.knots, float(self.interval))
        replaced = []

        def concrete(leaf):
            if getattr(leaf, "__code__", None) is constructor.__code__:
                replaced.append(leaf)
                return constructor
            return leaf

        skeleton = jax.tree_util.tree_map(concrete, shapes)
        if len(replaced) != 1:  # flowjax's structure is not the one this was written for
            raise ValueError(f"flowjax {version('flowjax')} builds a flow this module cannot read")
        if shapes_only:
            return skeleton
        arrays = eqx.filter_jit(lambda k: eqx.filter(stacked(k), eqx.is_array))(keys)
        return eqx.combine(arrays, eqx.filter(skeleton, _is_shape, inverse=True))


@functools.cache
def _spline_constructor(knots: int, interval: float):
    """flowjax's map from a layer's network output to its splines (one per architecture)."""
    transformer = spline_transformer(knots, interval)
    return get_ravelled_pytree_constructor(transformer, filter_spec=eqx.is_inexact_array, is_leaf=non_trainable)[0]


def non_trainable(leaf) -> bool:
    """Whether a leaf of a flowjax flow is frozen (paramax's `NonTrainable`): not optimized."""
    return isinstance(leaf, paramax.NonTrainable)


def _is_shape(leaf) -> bool:
    return isinstance(leaf, jax.ShapeDtypeStruct)
