"""One simulation end to end: initial conditions, leapfrog, summaries; batched with vmap.

[`simulate_batch`][] is the workhorse of the campaign: it runs a batch of independent
clusters (one per seed, Q0 and a) in one jit-compiled, `vmap`-ed call, compiled once per
(settings, batch size). When several devices exist (GPUs, or CPU devices from
`XLA_FLAGS=--xla_force_host_platform_device_count=K`) the batch is sharded over them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .energy import potential_energy
from .integrate import leapfrog
from .plummer import initial_conditions, kroupa_masses
from .summaries import Summary, summarize

__all__ = ["SimulationSettings", "SimulationOutput", "stellar_masses", "simulate_one", "simulate_batch"]


@dataclass(frozen=True)
class SimulationSettings:
    """Everything but (Q0, a, seed) that defines a simulation; see the profile's `simulation`.

    **Arguments:**

    - `n_stars`: number of stars N.
    - `mass_function`: `"equal"` (every star `star_mass_msun`), `"kroupa2001"`, or
      `"kroupa2001-same-mass"` (Kroupa masses rescaled to the equal-mass total, N x `star_mass_msun`).
    - `star_mass_msun`: stellar mass for equal masses (Msun).
    - `kroupa_min_msun`, `kroupa_max_msun`: mass range of the Kroupa IMF (Msun).
    - `plummer_mass_cut`: fraction of the Plummer mass sampled (radial truncation).
    - `softening_over_a`: Plummer softening length in units of the scale radius a.
    - `t_end_yr`: integration time T (yr).
    - `n_steps`: leapfrog steps; the timestep is `t_end_yr / n_steps`.
    - `n_energy_checks`: times at which the energy error is measured (divides `n_steps`).
    - `min_bound_stars`: fewest bound stars for which sigma_v and r_h are defined.
    - `force_precision`: `"float32"` or `"float64"`, the precision of the force
      evaluation (the state is always float64; see [`clusteremu.simulation.integrate`][]).
    """

    n_stars: int
    mass_function: str
    star_mass_msun: float
    kroupa_min_msun: float
    kroupa_max_msun: float
    plummer_mass_cut: float
    softening_over_a: float
    t_end_yr: float
    n_steps: int
    n_energy_checks: int
    min_bound_stars: int
    force_precision: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> SimulationSettings:
        """Settings from a validated profile's `simulation` section, with optional overrides."""
        return cls(**{**config["simulation"], **overrides})

    @property
    def dt_yr(self) -> float:
        return self.t_end_yr / self.n_steps

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SimulationOutput(NamedTuple):
    """Result of one simulation (batched: each field gains a leading axis).

    `energy_error` is max_t |E(t) - E0| / |W0| over the energy checks; `energy_error_final`
    the same at t = T. `state` holds masses (Msun), initial and final positions (AU) and
    velocities (AU/yr), shape `(3, n)`, when requested, else `None`.
    """

    summary: Summary
    energy_error: Float[Array, ""]
    energy_error_final: Float[Array, ""]
    state: dict[str, Array] | None


def stellar_masses(settings: SimulationSettings, *, key: PRNGKeyArray) -> Float[Array, " n"]:
    """The stellar masses (Msun) of one cluster under `settings.mass_function`."""
    if settings.mass_function == "equal":
        return jnp.full(settings.n_stars, settings.star_mass_msun, dtype=jnp.float64)
    masses = kroupa_masses(settings.n_stars, key=key, m_min=settings.kroupa_min_msun, m_max=settings.kroupa_max_msun)
    if settings.mass_function == "kroupa2001-same-mass":  # the spectrum alone differs from equal masses
        return masses * (settings.n_stars * settings.star_mass_msun) / jnp.sum(masses)
    return masses


def simulate_one(
    q0: Float[ArrayLike, ""] | float,
    a_au: Float[ArrayLike, ""] | float,
    settings: SimulationSettings,
    *,
    key: PRNGKeyArray,
    keep_state: bool = False,
) -> SimulationOutput:
    """Evolve one Plummer cluster from virial ratio `q0` and scale radius `a_au` (AU) to T.

    Traceable: `q0`, `a_au` and `key` may be batched with `vmap`.
    """
    k_mass, k_ic = jax.random.split(key)
    masses = stellar_masses(settings, key=k_mass)
    eps = settings.softening_over_a * a_au
    pos0, vel0 = initial_conditions(masses, q0, a_au, eps, key=k_ic, mass_cut=settings.plummer_mass_cut)
    pos, vel, energies = leapfrog(
        pos0, vel0, masses, eps, settings.dt_yr, settings.n_steps, settings.n_energy_checks, settings.force_precision
    )
    w0 = jnp.abs(potential_energy(pos0, masses, eps))
    err = jnp.abs(energies - energies[0]) / w0
    state = None
    if keep_state:
        state = {"masses": masses, "pos0": pos0, "vel0": vel0, "pos": pos, "vel": vel, "softening": eps}
    summary = summarize(pos, vel, masses, eps, settings.min_bound_stars)
    return SimulationOutput(summary, jnp.max(err), err[-1], state)


@functools.lru_cache(maxsize=8)
def _compiled(settings: SimulationSettings, keep_state: bool):
    def one(seed, q0, a):
        return simulate_one(q0, a, settings, key=jax.random.key(seed), keep_state=keep_state)

    return jax.jit(jax.vmap(one))


def simulate_batch(
    seeds: np.ndarray, q0: np.ndarray, a_au: np.ndarray, settings: SimulationSettings, *, keep_state=False
) -> SimulationOutput:
    """Run independent simulations, one per (seed, Q0, a), in one compiled call.

    The batch is sharded over all `jax.devices()` (on CPU, one device per core, see
    [`clusteremu._jaxconfig`][]); a batch whose length is not a multiple of the device count
    is padded by repeating its last row, and the padding is dropped from the result. The
    bits of a result depend on the compiled batch shape, so the campaign always runs
    batches of one fixed size.

    **Returns:**

    A [`SimulationOutput`][] of NumPy arrays with a leading batch axis of `len(seeds)`.
    """
    devices = jax.devices()
    n = len(seeds)
    pad = np.concatenate([np.arange(n), np.full(-n % len(devices), n - 1)])
    args = (
        jnp.asarray(np.asarray(seeds)[pad], dtype=jnp.uint32),
        jnp.asarray(np.asarray(q0)[pad], jnp.float64),
        jnp.asarray(np.asarray(a_au)[pad], jnp.float64),
    )
    if len(devices) > 1:
        sharding = NamedSharding(Mesh(np.array(devices), ("batch",)), PartitionSpec("batch"))
        args = jax.device_put(args, sharding)
    out = _compiled(settings, keep_state)(*args)
    return jax.tree_util.tree_map(lambda a: np.asarray(a)[:n], out)
