"""A conditional normalizing flow p(z | theta) as a flexible likelihood (neural likelihood estimation).

Neural likelihood estimation (Papamakarios, Sterratt & Murray 2019) fits a conditional
density estimator to simulations (theta, y) by maximum likelihood and uses it as the
likelihood of an observation. Here the density is a masked autoregressive flow with
rational-quadratic spline transformers (Durkan et al. 2019) from
[flowjax](https://danielward27.github.io/flowjax/), over the 3-D summaries in the unbounded
space of [`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform] (logit of the bound
fraction, log sigma_v, log r_h), standardized, conditioned on the standardized parameters
theta = (Q0, a in AU). Unlike a Gaussian likelihood around an emulated mean, it can learn
skewed, heavy-tailed or theta-dependent correlated scatter of the simulator.

- [`FlowLikelihood.log_prob_z`][] is the density of z, [`FlowLikelihood.log_prob`][] the
  density of the physical y (f_bound; sigma_v in km/s; r_h in AU), both traceable and
  differentiable in theta, vectorized over rows of theta. They evaluate the trained flow
  with [`clusteremu.emulators.flow_kernel`][] (flowjax's density, computed faster, for NUTS);
  training and sampling use flowjax itself.
- [`fit_flow`][] trains with Adam on minibatches, stopping early on the validation
  negative log-likelihood and keeping the best parameters; every random draw comes from
  `settings.seed`.
- [`flow_bytes`][] / [`load_flow`][] write and read one versioned file, as
  [`clusteremu.emulators.modelfile`][] lays out every model file: a JSON header line (format, the
  architecture, `n_stars`, the domain, free-form `info`, the SHA-256 of the arrays), then
  the arrays written by `eqx.tree_serialise_leaves`.

The bound fraction is discrete (k / N); its density is that of the continuity-corrected
continuous variable that the transform defines, as for the emulator's likelihoods.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import paramax
from flowjax.distributions import AbstractDistribution, StandardNormal
from flowjax.flows import masked_autoregressive_flow
from flowjax.utils import get_ravelled_pytree_constructor
from jax import lax
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.table import OUTPUT_NAMES
from ..prior import ParameterBox
from .flow_kernel import maf_arrays, maf_log_prob, spline_transformer
from .modelfile import ModelFileError, model_bytes, read_arrays, read_model_file
from .transforms import SummaryTransform

__all__ = [
    "FORMAT",
    "FlowArchitecture",
    "FlowFileError",
    "FlowHistory",
    "FlowLikelihood",
    "FlowSettings",
    "fit_flow",
    "flow_bytes",
    "load_flow",
    "read_flow_header",
]

FORMAT = "clusteremu.flow/1"

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


class FlowLikelihood(eqx.Module):
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
    def load(cls, path: str | Path) -> FlowLikelihood:
        return load_flow(path)


# One compiled function per input shape (also inside a caller's jit, grad or vmap): evaluated
# eagerly, the flow would compile each of its many small operations separately. The density
# comes from flow_kernel, which computes flowjax's log_prob in fewer, fused operations (NUTS).
@eqx.filter_jit
def _log_prob_z(model: FlowLikelihood, z, theta):
    u = (z - model.z_mean) / model.z_std
    c = (theta - model.theta_mean) / model.theta_std
    arrays = maf_arrays(model.flow, model.architecture.knots, float(model.architecture.interval))
    rows = jax.vmap(maf_log_prob, in_axes=(None, 0 if u.ndim == 2 else None, 0))(arrays, u, c)
    return rows - jnp.sum(jnp.log(model.z_std))


@eqx.filter_jit
def _log_prob_y(model: FlowLikelihood, y, theta):
    return _log_prob_z(model, model.transform.forward(y), theta) + model.transform.log_abs_det_jacobian(y)


@eqx.filter_jit
def _sample(model: FlowLikelihood, theta, key, n: int):
    c = (theta - model.theta_mean) / model.theta_std
    u = model.flow.sample(key, (n,), condition=c)
    return model.transform.inverse(u * model.z_std + model.z_mean)


@functools.cache
def _spline_constructor(knots: int, interval: float):
    """flowjax's map from a layer's network output to its splines (one per architecture)."""
    transformer = spline_transformer(knots, interval)
    return get_ravelled_pytree_constructor(transformer, filter_spec=eqx.is_inexact_array, is_leaf=_frozen)[0]


def _frozen(leaf) -> bool:
    return isinstance(leaf, paramax.NonTrainable)


def _is_shape(leaf) -> bool:
    return isinstance(leaf, jax.ShapeDtypeStruct)


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
) -> tuple[FlowLikelihood, FlowHistory]:
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

    The [`FlowLikelihood`][] with the best validation parameters, and its [`FlowHistory`][].
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
    likelihood = FlowLikelihood(best, *stats, transform, domain=domain, architecture=settings.architecture)
    return likelihood, history


def _train(flow, u_train, c_train, u_val, c_val, key, settings: FlowSettings):
    """Minibatch Adam in one `while_loop` over epochs; returns the best parameters and the history."""
    params, static = eqx.partition(flow, eqx.is_inexact_array, is_leaf=_frozen)
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


class FlowFileError(ModelFileError):
    """A flow file is malformed, of another format version, or inconsistent."""


def _structure(flow: FlowLikelihood) -> dict[str, Any]:
    return {
        "architecture": flow.architecture.as_dict(),
        "n_stars": flow.transform.n_stars,
        "domain": flow.domain.as_dict(),
        "outputs": list(OUTPUT_NAMES),
        "flowjax": version("flowjax"),
    }


def flow_bytes(flow: FlowLikelihood, info: dict[str, Any]) -> bytes:
    """Serialize a flow likelihood as one versioned file ([`clusteremu.emulators.modelfile`][]).

    **Arguments:**

    - `flow`: the trained [`FlowLikelihood`][].
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


def load_flow(path: str | Path) -> FlowLikelihood:
    """Read a flow file written by [`flow_bytes`][].

    **Arguments:**

    - `path`: the file.

    **Returns:**

    The [`FlowLikelihood`][], exactly as saved. Raises [`FlowFileError`][] if the file is
    not a flow file of this format, its arrays do not match the header's SHA-256, or they
    do not fit the header's architecture.
    """
    header, blob = _read(path)
    try:
        architecture = FlowArchitecture(**header["architecture"])
        skeleton = FlowLikelihood(
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
