"""A conditional normalizing flow p(z | theta): the simulator's density, for neural likelihood estimation.

Neural likelihood estimation (Papamakarios, Sterratt & Murray 2019) fits a conditional
density estimator to simulations (theta, y) by maximum likelihood and uses it as the
likelihood of an observation. Here the density is a masked autoregressive flow with
rational-quadratic spline transformers (Durkan et al. 2019) from
[flowjax](https://danielward27.github.io/flowjax/), over the 3-D summaries in the unbounded
space of [`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform] (logit of the bound
fraction, log sigma_v, log r_h), standardized, conditioned on the standardized parameters
theta = (Q0, a in AU). Unlike a Gaussian likelihood around an emulated mean, it can learn
skewed, heavy-tailed or theta-dependent correlated scatter of the simulator.

- [`ConditionalFlow.log_prob_z`][] is the density of z, [`ConditionalFlow.log_prob`][] the
  density of the physical y (f_bound; sigma_v in km/s; r_h in AU), both traceable and
  differentiable in theta, vectorized over rows of theta. They evaluate the trained flow
  with [`clusteremu.emulators.flow_kernel`][] (flowjax's density, computed faster, for NUTS);
  training and sampling use flowjax itself.
- [`fit_flow`][clusteremu.emulators.flow_fit.fit_flow] (in `flow_fit`) trains it with Adam on
  minibatches, stopping early on the validation negative log-likelihood.
- [`flow_bytes`][] / [`load_flow`][] write and read one versioned file, as
  [`clusteremu.emulators.modelfile`][] lays out every model file: a JSON header line (format, the
  architecture, `n_stars`, the domain, free-form `info`, the SHA-256 of the arrays), then
  the arrays written by `eqx.tree_serialise_leaves`.

The bound fraction is discrete (k / N); its density is that of the continuity-corrected
continuous variable that the transform defines, as for the emulator's likelihoods.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import paramax
from flowjax.distributions import AbstractDistribution, StandardNormal
from flowjax.flows import masked_autoregressive_flow
from flowjax.utils import get_ravelled_pytree_constructor
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.table import OUTPUT_NAMES
from ..prior import ParameterBox
from .flow_kernel import maf_arrays, maf_log_prob, spline_transformer
from .modelfile import ModelFileError, model_bytes, read_arrays, read_model_file
from .transforms import SummaryTransform

__all__ = [
    "FORMAT",
    "ConditionalFlow",
    "FlowArchitecture",
    "FlowFileError",
    "FlowLikelihood",
    "flow_bytes",
    "load_flow",
    "non_trainable",
    "read_flow_header",
]

FORMAT = "clusteremu.flow/2"  # /2: the checksum covers the header

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
    - `activation`: the networks' activation, `"tanh"` (smooth in theta, for NUTS),
      `"silu"` or `"relu"`.
    """

    flow_layers: int
    knots: int
    interval: float
    nn_width: int
    activation: str = "tanh"

    def __post_init__(self):
        if min(self.flow_layers, self.knots, self.nn_width) < 1 or not self.interval > 0:
            raise ValueError(f"flow architecture needs positive sizes and interval: {self}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r} is not one of {sorted(_ACTIVATIONS)}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def make(self, key: PRNGKeyArray) -> AbstractDistribution:
        """A freshly initialized flowjax flow over 3-D z conditioned on 2-D theta (eager, as flowjax builds it)."""
        return masked_autoregressive_flow(
            key,
            base_dist=StandardNormal((len(OUTPUT_NAMES),)),
            transformer=spline_transformer(self.knots, float(self.interval)),
            cond_dim=2,
            flow_layers=self.flow_layers,
            nn_width=self.nn_width,
            nn_depth=1,
            nn_activation=_ACTIVATIONS[self.activation],
            invert=True,  # log_prob (training, inference) in one pass; sampling is sequential over 3 dims
        )

    def _build(self, key: PRNGKeyArray, *, shapes_only: bool = False) -> AbstractDistribution:
        """[`make`][], compiled in one piece (or only its shapes, for loading a file).

        Built eagerly, flowjax's constructor compiles some sixty small operations (seconds);
        traced instead, it is one compilation, or none with `shapes_only`. Tracing leaves one
        non-array leaf holding tracers: each autoregressive layer's `transformer_constructor`,
        a closure over the spline's initial parameters, which depend on the architecture
        alone and are rebuilt here concretely. Should flowjax's structure differ from that,
        the eager build is used.
        """
        shapes = eqx.filter_eval_shape(self.make, key)  # traced only: the key is not consumed
        constructor = _spline_constructor(self.knots, float(self.interval))
        replaced = []

        def concrete(leaf):
            if getattr(leaf, "__code__", None) is constructor.__code__:
                replaced.append(leaf)
                return constructor
            return leaf

        skeleton = jax.tree_util.tree_map(concrete, shapes)
        if len(replaced) != 1:  # not the structure this was written for
            return self.make(key)
        if shapes_only:
            return skeleton
        arrays = eqx.filter(eqx.filter_jit(self.make)(key), eqx.is_array)
        return eqx.combine(arrays, eqx.filter(skeleton, _is_shape, inverse=True))


class ConditionalFlow(eqx.Module):
    """A trained conditional flow p(z | theta) with its standardization, transform and domain.

    **Arguments:**

    - `flow`: the flowjax distribution of standardized z given standardized theta.
    - `theta_mean`, `theta_std`: standardization of theta = (Q0, a [AU]), training split only.
    - `z_mean`, `z_std`: standardization of z, training split only.
    - `transform`: the map between physical summaries y and z.
    - `domain`: the training box (static); the flow has no authority outside it.
    - `architecture`: the flow's structure (static), needed to read its file back.
    """

    flow: AbstractDistribution
    theta_mean: Float[Array, " 2"]
    theta_std: Float[Array, " 2"]
    z_mean: Float[Array, " 3"]
    z_std: Float[Array, " 3"]
    transform: SummaryTransform
    domain: ParameterBox = eqx.field(static=True)
    architecture: FlowArchitecture = eqx.field(static=True)

    def log_prob_z(self, z: Float[ArrayLike, "*zrows 3"], theta: Float[ArrayLike, "rows 2"]) -> Float[Array, " rows"]:
        """Log density of z given theta (traceable, differentiable in theta and z).

        **Arguments:**

        - `z`: summaries in the transformed space, one row per row of `theta`, or one
          row `(3,)` shared by every theta (an observation on a grid of parameters).
        - `theta`: parameters (Q0, a [AU]), shape `(rows, 2)`.

        **Returns:**

        log p(z | theta) in nats per unit volume of z, shape `(rows,)`.
        """
        return _log_prob_z(self, jnp.asarray(z, float), jnp.asarray(theta, float))

    def log_prob(self, y: Float[ArrayLike, "*yrows 3"], theta: Float[ArrayLike, "rows 2"]) -> Float[Array, " rows"]:
        """Log density of the physical summaries y given theta (traceable, differentiable in theta).

        log p(y | theta) = log p(z(y) | theta) + log |dz/dy|, see [`log_prob_z`][].

        **Arguments:**

        - `y`: (f_bound, sigma_v [km/s], r_h [AU]), one row per row of `theta` or one row `(3,)`.
        - `theta`: parameters (Q0, a [AU]), shape `(rows, 2)`.

        **Returns:**

        log p(y | theta) in nats per unit of f_bound x km/s x AU, shape `(rows,)`.
        """
        return _log_prob_y(self, jnp.asarray(y, float), jnp.asarray(theta, float))

    def sample(self, theta: Float[ArrayLike, "*rows 2"], *, key: PRNGKeyArray, n: int) -> Float[Array, "n *rows 3"]:
        """Draw `n` simulated summaries per theta from the flow.

        **Arguments:**

        - `theta`: parameters (Q0, a [AU]), shape `(2,)` or `(rows, 2)`.
        - `key`: a JAX PRNG key (consumed).
        - `n`: draws per theta.

        **Returns:**

        Physical summaries (f_bound in [0, 1]; sigma_v [km/s]; r_h [AU]), shape `(n, 3)` or
        `(n, rows, 3)`.
        """
        return _sample(self, jnp.asarray(theta, float), key, n)

    def in_domain(self, theta: Float[np.ndarray, "rows 2"]) -> np.ndarray:
        """Whether each row (Q0, a) lies in the training domain."""
        return self.domain.contains(np.asarray(theta, float))

    def to_bytes(self, info: dict | None = None) -> bytes:
        """The flow file's bytes (see [`flow_bytes`][]); `info` is stored as-is."""
        return flow_bytes(self, info or {})

    @classmethod
    def load(cls, path: str | Path) -> ConditionalFlow:
        return load_flow(path)


# One compiled function per input shape (also inside a caller's jit, grad or vmap): evaluated
# eagerly, the flow would compile each of its many small operations separately. The density
# comes from flow_kernel, which computes flowjax's log_prob in fewer, fused operations (NUTS).
@eqx.filter_jit
def _log_prob_z(model: ConditionalFlow, z, theta):
    u = (z - model.z_mean) / model.z_std
    c = (theta - model.theta_mean) / model.theta_std
    arrays = maf_arrays(model.flow, model.architecture.knots, float(model.architecture.interval))
    rows = jax.vmap(maf_log_prob, in_axes=(None, 0 if u.ndim == 2 else None, 0))(arrays, u, c)
    return rows - jnp.sum(jnp.log(model.z_std))


@eqx.filter_jit
def _log_prob_y(model: ConditionalFlow, y, theta):
    return _log_prob_z(model, model.transform.forward(y), theta) + model.transform.log_abs_det_jacobian(y)


@eqx.filter_jit
def _sample(model: ConditionalFlow, theta, key, n: int):
    c = (theta - model.theta_mean) / model.theta_std
    u = model.flow.sample(key, (n,), condition=c)
    return model.transform.inverse(u * model.z_std + model.z_mean)


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


class FlowFileError(ModelFileError):
    """A flow file is malformed, of another format version, or inconsistent."""


def _structure(flow: ConditionalFlow) -> dict[str, Any]:
    return {
        "architecture": flow.architecture.as_dict(),
        "n_stars": flow.transform.n_stars,
        "domain": flow.domain.as_dict(),
        "outputs": list(OUTPUT_NAMES),
        "flowjax": version("flowjax"),
    }


def flow_bytes(flow: ConditionalFlow, info: dict[str, Any]) -> bytes:
    """Serialize a flow likelihood as one versioned file ([`clusteremu.emulators.modelfile`][]).

    **Arguments:**

    - `flow`: the trained [`ConditionalFlow`][].
    - `info`: JSON-able facts about the fit, stored in the header unread.

    **Returns:**

    The file's bytes: one line of JSON (format, structure, `info`, SHA-256 of the arrays),
    then the arrays written by `eqx.tree_serialise_leaves`.
    """
    return model_bytes(flow, {"format": FORMAT, **_structure(flow), "info": info})


def _read(path: str | Path) -> tuple[dict[str, Any], bytes]:
    return read_model_file(path, (FORMAT,), kind="a flow", error=FlowFileError)


def read_flow_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of a flow file (checks its format and checksum; reads no array)."""
    header, _ = _read(path)
    return header


def load_flow(path: str | Path) -> ConditionalFlow:
    """Read a flow file written by [`flow_bytes`][].

    **Arguments:**

    - `path`: the file.

    **Returns:**

    The [`ConditionalFlow`][], exactly as saved. Raises [`FlowFileError`][] if the file is
    not a flow file of this format, its arrays do not match the header's SHA-256, or they
    do not fit the header's architecture.
    """
    header, blob = _read(path)
    try:
        architecture = FlowArchitecture(**header["architecture"])
        skeleton = ConditionalFlow(
            architecture._build(jax.random.key(0), shapes_only=True),  # the arrays come from the file
            jnp.zeros(2),
            jnp.ones(2),
            jnp.zeros(3),
            jnp.ones(3),
            SummaryTransform(int(header["n_stars"])),
            domain=ParameterBox.from_domain(header["domain"]),
            architecture=architecture,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FlowFileError(f"{path}: header does not describe a flow ({exc})") from None
    structure = (
        f"{header['architecture']} (written with flowjax {header.get('flowjax')}, reading with {version('flowjax')})"
    )
    return read_arrays(path, blob, skeleton, structure=structure, error=FlowFileError)


#: The name of [`ConditionalFlow`][] before version 0.2 (it is a density, not a likelihood;
#: the likelihood built on it is [`clusteremu.inference.family.FlowLikelihoodModel`][]).
FlowLikelihood = ConditionalFlow
