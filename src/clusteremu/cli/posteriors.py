"""The programs `clusteremu infer` runs, and the posteriors it makes of their outputs.

Each is built once per likelihood, model files and settings, and kept between calls
([`clusteremu.cli.programs`][]): the likelihood on the profile's grid
([`grid_programs`][], [`grid_posterior`][]) and the NUTS sampler's first run and its
continuation ([`nuts_programs`][], [`sample`][]). The grid posterior is the one
[`clusteremu.inference.grid.grid_posterior`][] computes (prepare and score in one program
here: equal within 1e-12), the draws are those of
[`clusteremu.inference.sampling.run_nuts`][] for the same key (tested).
"""

from __future__ import annotations

import numpy as np

from .programs import Programs

__all__ = ["grid_posterior", "grid_programs", "model_check", "nuts_programs", "sample"]


def _cells(q0: np.ndarray, a_au: np.ndarray) -> np.ndarray:
    """Every cell centre (Q0, a) of the grid, in the order the density's rows take."""
    return np.stack(np.meshgrid(q0, a_au, indexing="ij"), axis=-1).reshape(-1, 2)


def _log_prob_on_cells(like, theta, obs):
    return like.log_prob(obs, like.prepare(theta))


def grid_programs(like, n_grid: int) -> Programs:
    """The log-likelihood of one observation at every cell of the `n_grid` x `n_grid` grid
    over the prior box; `meta` holds the cell centres."""
    q0, a_au = like.domain.grid(n_grid)
    out = Programs.of(like, {"q0": np.asarray(q0), "a_au": np.asarray(a_au), "check": _has_check(like)})
    out.add("log_prob", _log_prob_on_cells, _cells(q0, a_au), np.zeros((1, 3)))
    _add_check(out)
    return out


def _has_check(like) -> bool:
    from ..inference.predictive_check import flow_of

    return flow_of(like) is not None


def _add_check(out: Programs) -> None:
    """The model check's raw p-value ([`clusteremu.inference.predictive_check.predictive_p`][])
    for posterior draws, where the likelihood has a flow (`meta["check"]`)."""
    if not out.meta["check"]:
        return
    import jax

    from ..inference.model_check import DRAWS
    from ..inference.predictive_check import predictive_p

    def check(like, obs, theta, key_data):
        return predictive_p(like, obs, theta, jax.random.wrap_key_data(key_data))

    out.add("check", check, np.zeros(3), np.zeros((DRAWS, 2)), _key_data(0))


def model_check(programs: Programs, obs: np.ndarray, draws: np.ndarray, seed: int, null):
    """The model check of `obs` (3,) from posterior `draws` (any shape ending in 2; DRAWS of
    them evenly spaced), its replicates from `jax.random.key(seed)`, calibrated against the
    null p-values `null` (or None): a
    [`ModelCheck`][clusteremu.inference.model_check.ModelCheck], or None without a flow."""
    from ..inference.model_check import DRAWS, judged

    if not programs.meta["check"]:
        return None
    flat = np.asarray(draws, np.float64).reshape(-1, 2)
    theta = flat[np.linspace(0, len(flat) - 1, DRAWS).round().astype(int)]
    p = float(programs("check", np.asarray(obs, np.float64), theta, _key_data(seed)))
    return judged(p, null, DRAWS)


def grid_posterior(programs: Programs, obs: np.ndarray):
    """The exact posterior of `obs` (3,) on the grid (uniform prior, normalized by the
    midpoint rule), as [`GridPosterior`][clusteremu.inference.gridded.GridPosterior]."""
    from ..inference.gridded import posterior_from_log_likelihood

    q0, a_au = programs.meta["q0"], programs.meta["a_au"]
    lp = np.array(programs("log_prob", _cells(q0, a_au), np.asarray(obs, float)[None]))
    return posterior_from_log_likelihood(lp, q0, a_au)


def nuts_programs(like, chains: int, warmup: int, samples: int) -> Programs:
    """The sampler of [`clusteremu.inference.sampling.nuts_programs`][] for `like`:
    `first(obs, key_data)` and `more(obs, state)`, the chains' state as a flat list of arrays."""
    import jax

    from ..inference.sampling import nuts_programs as sampler

    structure = {}

    def first(like, obs, key_data):
        run, _ = sampler(like, chains, warmup, samples)
        state, kept = run(obs, jax.random.wrap_key_data(key_data))
        leaves, structure["state"] = jax.tree.flatten(state)
        return leaves, kept

    def more(like, obs, leaves):
        _, run = sampler(like, chains, warmup, samples)
        state, kept = run(obs, jax.tree.unflatten(structure["state"], leaves))
        return jax.tree.leaves(state), kept

    out = Programs.of(like, {"check": _has_check(like)})
    obs = jax.ShapeDtypeStruct((3,), np.float64)
    state, _ = out.add("first", first, obs, _key_data(0))
    out.add("more", more, obs, state)
    _add_check(out)
    return out


def _key_data(seed: int) -> np.ndarray:
    import jax

    return np.asarray(jax.random.key_data(jax.random.key(seed)))


def sample(programs: Programs, obs: np.ndarray, seed: int, extensions: int):
    """NUTS draws of the posterior of `obs` (3,) from `jax.random.key(seed)`, continued as
    [`run_nuts`][clusteremu.inference.sampling.run_nuts] continues them
    ([`continue_chains`][clusteremu.inference.health.continue_chains]): the kept
    `(draws, diverging, num_steps)` and the number of continuations."""
    from ..inference.health import continue_chains

    obs = np.asarray(obs, np.float64)
    state, out = programs("first", obs, _key_data(seed))  # dispatched: the chains run meanwhile
    if programs.meta["check"]:
        programs.load_ahead("check")
    return continue_chains(lambda o, s: programs("more", o, s), obs, state, out, extensions)
