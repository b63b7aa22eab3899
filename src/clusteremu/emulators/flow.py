"""A mixture of conditional normalizing flows p(z | theta, sd): the simulator's density, for likelihood estimation.

Neural likelihood estimation (Papamakarios, Sterratt & Murray 2019) fits a conditional
density estimator to simulations (theta, y) by maximum likelihood and uses it as the
likelihood of an observation. Here the density is a masked autoregressive flow
(Papamakarios, Pavlakou & Murray 2017) with rational-quadratic spline transformers (Durkan
et al. 2019) from [flowjax](https://danielward27.github.io/flowjax/), over the 3-D summaries
in the unbounded space of [`SummaryTransform`][clusteremu.emulators.transforms.SummaryTransform]
(logit of the bound fraction, log sigma_v, log r_h), standardized, conditioned on the
standardized parameters theta = (Q0, a in AU) and, optionally, on the measurement sds of
the observation. Unlike a Gaussian likelihood around an emulated mean, it can learn skewed,
heavy-tailed or theta-dependent correlated scatter of the simulator.

Several flows (members) trained from different initializations and minibatch orders form
an equal-weight mixture: a single flow's density carries the idiosyncrasies of its own fit
(with a few hundred design points, errors of its shape comparable to the information on a
weakly constrained parameter); the mixture averages them and is wider where members disagree.

- [`ConditionalFlow.log_prob_z`][] is the density of z, [`ConditionalFlow.log_prob`][] the
  density of the physical y (f_bound; sigma_v in km/s; r_h in AU), both traceable and
  differentiable in theta, vectorized over rows of theta. They evaluate the trained flows
  with [`clusteremu.emulators.flow_kernel`][] (flowjax's density, computed faster, for NUTS);
  training and sampling use flowjax itself.
- [`fit_flow`][clusteremu.emulators.flow_fit.fit_flow] (in `flow_fit`) trains the members together.
- [`flow_bytes`][] / [`load_flow`][] write and read one versioned file, as
  [`clusteremu.emulators.modelfile`][] lays out every model file: a JSON header line (format, the
  architecture, `n_stars`, the domain, free-form `info`, the SHA-256 of header and arrays),
  then the arrays written by `eqx.tree_serialise_leaves`.

The bound fraction is discrete (k / N); the flow is the density of its dequantized version
([`clusteremu.datasets.measurement`][]), evaluated at the observed value.
"""

from __future__ import annotations

import dataclasses
import math
from importlib.metadata import version
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from flowjax.distributions import AbstractDistribution
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.measurement import density_point
from ..datasets.table import OUTPUT_NAMES
from ..prior import ParameterBox
from .flow_architecture import FlowArchitecture, non_trainable
from .flow_kernel import maf_arrays, maf_log_prob
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

FORMAT = "clusteremu.flow/3"  # /3: a mixture of members, measurement sds as a condition, dequantized f


class ConditionalFlow(eqx.Module):
    """A trained mixture of conditional flows p(z | theta[, sd]) with its standardization, transform and domain.

    **Arguments:**

    - `flow`: the flowjax flows of standardized z given the condition, arrays stacked over
      the members (see [`FlowArchitecture.build`][]).
    - `theta_mean`, `theta_std`: standardization of theta = (Q0, a [AU]), training split only.
    - `z_mean`, `z_std`: standardization of z, training split only.
    - `sd_max`: the largest measurement sds (f_bound; km/s; AU) the flow was trained for;
      the condition holds sd / sd_max (unused without `noise_inputs`).
    - `transform`: the map between physical summaries y and z.
    - `domain`: the training box (static); the flow has no authority outside it.
    - `architecture`: the flow's structure (static), needed to read its file back.
    """

    flow: AbstractDistribution
    theta_mean: Float[Array, " 2"]
    theta_std: Float[Array, " 2"]
    z_mean: Float[Array, " 3"]
    z_std: Float[Array, " 3"]
    sd_max: Float[Array, " 3"]
    transform: SummaryTransform
    domain: ParameterBox = eqx.field(static=True)
    architecture: FlowArchitecture = eqx.field(static=True)

    def condition(self, theta: Float[ArrayLike, "rows 2"], sd: Float[ArrayLike, "*rows 3"] | None = None):
        """The flows' standardized condition for parameter rows and measurement sds (traceable)."""
        c = (jnp.asarray(theta, float) - self.theta_mean) / self.theta_std
        if not self.architecture.noise_inputs:
            return c
        s = jnp.zeros(3) if sd is None else jnp.asarray(sd, float)
        return jnp.concatenate(
            [c, jnp.broadcast_to(s / jnp.where(self.sd_max > 0, self.sd_max, 1.0), (*c.shape[:-1], 3))], -1
        )

    def standardized(self, y: Float[ArrayLike, "*rows 3"]) -> Float[Array, "*rows 3"]:
        """The flows' standardized z of observed summaries y (traceable; no clipping)."""
        return (self.transform.forward(y) - self.z_mean) / self.z_std

    def check_sd(self, sd) -> np.ndarray | None:
        """Measurement sds (physical units) this flow can take, as an array; `ValueError` naming
        the summary and the allowed range otherwise. All zeros mean none (returns None)."""
        if sd is None or not np.any(np.asarray(sd, float) != 0):
            return None
        sd = np.asarray(sd, float)
        if not self.architecture.noise_inputs:
            raise ValueError("this flow was trained without measurement errors; allowed: none (or all zero)")
        limit = np.asarray(self.sd_max)
        for name, s, hi in zip(OUTPUT_NAMES, sd, limit, strict=True):
            if not 0.0 <= s <= hi:
                raise ValueError(
                    f"measurement sd {s:g} of {name} is outside what the flow was trained for; allowed: [0, {hi:g}]"
                )
        return sd

    def log_prob_z(
        self,
        z: Float[ArrayLike, "*zrows 3"],
        theta: Float[ArrayLike, "rows 2"],
        sd: Float[ArrayLike, " 3"] | None = None,
    ) -> Float[Array, " rows"]:
        """Log density of z given theta (and the measurement sds), traceable and differentiable.

        **Arguments:**

        - `z`: summaries in the transformed space, one row per row of `theta`, or one
          row `(3,)` shared by every theta (an observation on a grid of parameters).
        - `theta`: parameters (Q0, a [AU]), shape `(rows, 2)`.
        - `sd`: measurement sds (f_bound; km/s; AU) of the observation, or None for none.

        **Returns:**

        log p(z | theta) of the mixture, in nats per unit volume of z, shape `(rows,)`.
        """
        return _log_prob_z(self, jnp.asarray(z, float), jnp.asarray(theta, float), sd)

    def log_prob(
        self,
        y: Float[ArrayLike, "*yrows 3"],
        theta: Float[ArrayLike, "rows 2"],
        sd: Float[ArrayLike, " 3"] | None = None,
    ) -> Float[Array, " rows"]:
        """Log density of the observed physical summaries y given theta (traceable, differentiable in theta).

        log p(y | theta) = log p(z(y) | theta) + log |dz/dy|, see [`log_prob_z`][]; a bound
        fraction of exactly 0 or 1 is evaluated at its half bin's middle
        ([`density_point`][clusteremu.datasets.measurement.density_point]).

        **Arguments:**

        - `y`: (f_bound, sigma_v [km/s], r_h [AU]), one row per row of `theta` or one row `(3,)`.
        - `theta`: parameters (Q0, a [AU]), shape `(rows, 2)`.
        - `sd`: measurement sds of the observation, or None.

        **Returns:**

        log p(y | theta) in nats per unit of f_bound x km/s x AU, shape `(rows,)`.
        """
        return _log_prob_y(self, jnp.asarray(y, float), jnp.asarray(theta, float), sd)

    def sample(
        self, theta: Float[ArrayLike, "*rows 2"], *, key: PRNGKeyArray, n: int, sd: Float[ArrayLike, " 3"] | None = None
    ) -> Float[Array, "n *rows 3"]:
        """Draw `n` observed summaries per theta from the mixture (each draw from a member chosen at random).

        **Arguments:**

        - `theta`: parameters (Q0, a [AU]), shape `(2,)` or `(rows, 2)`.
        - `key`: a JAX PRNG key (consumed).
        - `n`: draws per theta.
        - `sd`: measurement sds of the observations, or None.

        **Returns:**

        Physical summaries (f_bound in [0, 1]; sigma_v [km/s]; r_h [AU]), shape `(n, 3)` or
        `(n, rows, 3)`.
        """
        return _sample(self, jnp.asarray(theta, float), key, n, sd)

    def member(self, m: int) -> ConditionalFlow:
        """Member `m` of the mixture alone, as a one-member [`ConditionalFlow`][]."""
        if not 0 <= m < self.architecture.members:
            raise ValueError(f"member {m} of a mixture of {self.architecture.members}")
        one = jax.tree_util.tree_map(lambda x: x[m : m + 1] if eqx.is_array(x) else x, self.flow)
        arch = dataclasses.replace(self.architecture, members=1)
        return eqx.tree_at(lambda f: f.flow, dataclasses.replace(self, architecture=arch), one)

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
# Rows from which the members are evaluated in turn rather than vmapped (measured on 2 CPU
# cores: a 100 x 100 grid 1.5x faster in turn; a NUTS posterior, one row per chain, 1.4x
# slower in turn), and in float32: a grid posterior's density needs no more than float32's
# ~1e-4 nats (the grid's own resolution moves a PIT by ~3e-3), and the grid, the cost of
# every coverage study, runs 1.6x faster (tests/test_flow_mixture.py bounds the difference).
# NUTS (few rows, gradients) stays in float64.
_MANY_ROWS = 256
_GRID_DTYPE = jnp.float32


@eqx.filter_jit
def _log_prob_z(model: ConditionalFlow, z, theta, sd):
    u = (z - model.z_mean) / model.z_std
    c = model.condition(theta, sd)
    knots, interval = model.architecture.knots, float(model.architecture.interval)
    arrays = eqx.filter_vmap(lambda f: maf_arrays(f, knots, interval))(model.flow)
    shape = jnp.broadcast_shapes(u.shape[:-1], c.shape[:-1])
    u, c = jnp.broadcast_to(u, (*shape, u.shape[-1])), jnp.broadcast_to(c, (*shape, c.shape[-1]))
    if math.prod(shape) < _MANY_ROWS:  # NUTS: few rows, where the number of kernels sets the time
        rows = jax.vmap(maf_log_prob, in_axes=(0, None, None))(arrays, u, c)  # (members, rows)
    else:  # one member after another on all rows: fewer batched products of tiny matrices;
        # a loop in the program, not unrolled (unrolled, the command line's stored programs grew
        # and a warm `clusteremu infer` took 0.8 s longer)
        low = jax.tree_util.tree_map(lambda x: x.astype(_GRID_DTYPE) if eqx.is_inexact_array(x) else x, arrays)
        u_low, c_low = u.astype(_GRID_DTYPE), c.astype(_GRID_DTYPE)
        rows = jax.lax.map(lambda a: maf_log_prob(a, u_low, c_low), low).astype(u.dtype)
    mixture = jax.scipy.special.logsumexp(rows, axis=0) - jnp.log(rows.shape[0])
    return mixture - jnp.sum(jnp.log(model.z_std))


@eqx.filter_jit
def _log_prob_y(model: ConditionalFlow, y, theta, sd):
    y = density_point(y, model.transform.n_stars)
    return _log_prob_z(model, model.transform.forward(y), theta, sd) + model.transform.log_abs_det_jacobian(y)


@eqx.filter_jit
def _sample(model: ConditionalFlow, theta, key, n: int, sd):
    c = model.condition(theta, sd)
    pick_key, draw_key = jax.random.split(key)
    members = model.architecture.members
    keys = jax.random.split(draw_key, members)
    u = eqx.filter_vmap(lambda f, k: f.sample(k, (n,), condition=c))(model.flow, keys)  # (members, n, *rows, 3)
    pick = jax.random.randint(pick_key, u.shape[1:-1], 0, members)
    u = jnp.take_along_axis(u, pick[None, ..., None], axis=0)[0]
    return model.transform.inverse(u * model.z_std + model.z_mean)


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
            architecture.build(jax.random.key(0), shapes_only=True),  # the arrays come from the file
            jnp.zeros(2),
            jnp.ones(2),
            jnp.zeros(3),
            jnp.ones(3),
            jnp.zeros(3),
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
