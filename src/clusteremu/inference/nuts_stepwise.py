"""NumPyro's NUTS with vectorized chains that do not wait for one another.

Vectorizing NumPyro's `sample_kernel` over chains (`jax.vmap`, as `MCMC` does with
`chain_method="vectorized"`) runs every chain's tree building in one batched loop: at each
draw, every chain waits until the chain with the deepest tree has finished. With four chains
whose trees hold 3, 7 or 15 leapfrog steps, the batch computes about 1.7 times the steps
the slowest chain needs in total, and on a CPU, where a small batched gradient costs about
as much as one point's, those waits are most of a posterior's time.

[`run_stepwise_nuts`][] runs the same Markov chains as NumPyro's `hmc(algo="NUTS")`
(multinomial NUTS, iterative tree building, dual-averaging step size and windowed
diagonal or dense mass adaptation) as a loop of single leapfrog steps: each pass through the loop
advances every chain by one step of its own trajectory, and a chain whose trajectory ends
records its draw, adapts, and starts its next trajectory at once. The loop therefore runs
as many passes as the busiest chain has steps. It is built from NumPyro's own pieces
(`numpyro.infer.hmc_util`: leapfrog, tree combination, U-turn checks, warm-up adapter)
and consumes the random keys in the same order, so for the same keys it reproduces
NumPyro's draws (tests/test_nuts_stepwise.py compares them draw for draw).
[`StepwiseNUTS.advance`][clusteremu.inference.nuts_stepwise.StepwiseNUTS.advance] can be called
again on the chains it returns: they continue as if the first call had run longer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax, random
from jaxtyping import Array, Bool, Float, Int
from numpyro.infer.hmc import hmc, momentum_generator
from numpyro.infer.hmc_util import (
    IntegratorState,
    TreeInfo,
    _build_basetree,
    _combine_tree,
    _get_leaf,
    _is_iterative_turning,
    _leaf_idx_to_ckpt_idxs,
    euclidean_kinetic_energy,
    velocity_verlet,
    warmup_adapter,
)

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)

__all__ = ["StepwiseDraws", "StepwiseNUTS", "run_stepwise_nuts"]

#: NumPyro's defaults, which the draw-for-draw comparison relies on.
MAX_TREE_DEPTH, MAX_DELTA_ENERGY, TARGET_ACCEPT = 10, 1000.0, 0.8


class StepwiseDraws(NamedTuple):
    """Every iteration of each chain, warm-up included: `z` (chains, iterations, dim) in the
    sampler's unconstrained space, `diverging` and `num_steps` (leapfrog steps) (chains, iterations)."""

    z: Float[Array, "chains iterations dim"]
    diverging: Bool[Array, "chains iterations"]
    num_steps: Int[Array, "chains iterations"]


class _Chain(NamedTuple):
    """One chain's place in its work: the current draw, the trajectory and the subtree being built."""

    hmc: object  # numpyro.infer.hmc.HMCState: the last draw, adaptation state and key
    trajectory_key: Array  # hmc's key before the current trajectory split it
    r: Array  # the trajectory's initial momentum
    energy0: Array  # its initial Hamiltonian
    tree: object  # hmc_util.TreeInfo: the trajectory so far
    tree_key: Array  # key of the doubling loop
    going_right: Array
    transition_key: Array  # key of the current doubling's final transition
    sub: object  # TreeInfo: the subtree of the current doubling
    sub_turning: Array
    sub_key: Array
    r_ckpts: Array  # momentum checkpoints of the subtree's U-turn checks
    r_sum_ckpts: Array
    new_draw: Array  # the trajectory has just ended: its draw is recorded and the next one begun
    new_doubling: Array  # the next step begins a doubling of the trajectory


def _where(flag, new, old):
    """`new` where `flag` else `old`, leaf by leaf (what a vmapped `cond` computes); keys too."""

    def select(a, b):
        b = jnp.asarray(b)
        is_key = jax.dtypes.issubdtype(b.dtype, jax.dtypes.prng_key)
        return lax.select(flag, a if is_key else jnp.asarray(a, b.dtype), b)

    return jax.tree.map(select, new, old)


def _update(c: _Chain, flag, fields: dict) -> _Chain:
    """`c` with the named fields replaced where `flag`."""
    return c._replace(**{k: _where(flag, v, getattr(c, k)) for k, v in fields.items()})


class StepwiseNUTS:
    """NumPyro's NUTS kernel and adaptation for vectorized chains, one leapfrog step per loop pass.

    Traceable (use it inside `jax.jit`); the settings are NumPyro's defaults (target
    acceptance 0.8, maximum tree depth 10, initial step size 1) with a diagonal or dense
    mass matrix.

    **Arguments:**

    - `potential`: the negative log posterior density of one point of the unconstrained
      space (e.g. `numpyro.infer.util.potential_energy` of a model).
    - `warmup`: adaptation iterations per chain; the adaptation windows follow from it.
    - `dense_mass`: adapt a dense mass matrix (the posterior's covariance) instead of a
      diagonal one.
    """

    def __init__(
        self, potential: Callable[[Float[Array, " dim"]], Float[Array, ""]], *, warmup: int, dense_mass: bool = False
    ):
        self.warmup, self.dense_mass = warmup, dense_mass
        self._init_kernel = hmc(potential_fn=potential, algo="NUTS")[0]
        self._adapt = warmup_adapter(warmup, dense_mass=dense_mass, target_accept_prob=TARGET_ACCEPT)[1]
        self._leapfrog = velocity_verlet(potential, euclidean_kinetic_energy)[1]

    def start(self, init: Float[Array, "chains dim"], *, key: Array) -> _Chain:
        """The chains at their starting points, about to begin their first trajectories.

        `init` has shape `(chains, dim)`; `key` holds one PRNG key per chain: chain c then
        draws what `numpyro.infer.hmc.hmc`'s `init_kernel(init[c], warmup, rng_key=key[c])`
        followed by calls of `sample_kernel` would draw.
        """
        zeros = jnp.zeros((MAX_TREE_DEPTH, init.shape[-1]))

        def one(z, k):
            state = self._init_kernel(z, num_warmup=self.warmup, dense_mass=self.dense_mass, rng_key=k)
            f = jnp.array(False)
            c = _Chain(state, k, z, state.energy, None, k, f, k, None, f, k, zeros, zeros, f, f)
            c = c._replace(**self._begin_trajectory(c))
            return c._replace(sub=c.tree)  # a placeholder of the right shapes, replaced before use

        return jax.vmap(one)(init, key)

    def advance(self, chains: _Chain, iterations: int) -> tuple[_Chain, StepwiseDraws]:
        """Run every chain for `iterations` more NUTS iterations (draws).

        The first `warmup` iterations of a chain (counted from its start) adapt its step
        size and mass matrix. Chains advanced again continue the same Markov chains, at
        any iteration, warm-up included. A chain that has made its iterations keeps
        stepping until the others have too, but its steps are discarded.

        **Returns:**

        `(chains, draws)`: the chains' state, to advance them further, and
        [`StepwiseDraws`][] of these iterations.
        """
        first = chains.hmc.i[0]  # every chain starts and ends on the same iteration
        end = first + iterations

        def body(carry):
            chains, out = carry
            chains = jax.vmap(self._step)(chains)
            # A chain that has made its iterations steps on (selecting the state it had would
            # cost ~8% of a pass), but its steps change neither its draw nor its adaptation,
            # and the next advance() begins its trajectory again from those.
            new = chains.new_draw & (chains.hmc.i < end)
            # a draw's row is its iteration; rows of chains without a new draw are dropped
            at = (jnp.arange(len(new)), jnp.where(new, chains.hmc.i - first, iterations))
            # adaptation and the next trajectory only on the steps where some chain ended one
            chains = lax.cond(jnp.any(new), jax.vmap(self._next_draw), lambda c, _: c, chains, new)
            h = chains.hmc
            return chains, StepwiseDraws(
                out.z.at[at].set(h.z, mode="drop"),
                out.diverging.at[at].set(h.diverging, mode="drop"),
                out.num_steps.at[at].set(h.num_steps, mode="drop"),
            )

        chains = jax.vmap(self._begin_again)(chains)
        n, dim = chains.hmc.z.shape
        out = StepwiseDraws(
            jnp.zeros((n, iterations, dim)), jnp.zeros((n, iterations), bool), jnp.zeros((n, iterations), int)
        )
        return lax.while_loop(lambda carry: jnp.any(carry[0].hmc.i < end), body, (chains, out))

    def _begin_trajectory(self, c: _Chain) -> dict:
        # sample_kernel's preamble and build_tree's initial tree
        h = c.hmc
        rng_key, key_momentum, key_transition = random.split(h.rng_key, 3)
        r = momentum_generator(h.z, h.adapt_state.mass_matrix_sqrt, key_momentum)
        energy0 = h.potential_energy + euclidean_kinetic_energy(h.adapt_state.inverse_mass_matrix, r)
        tree = TreeInfo(
            h.z,
            r,
            h.z_grad,
            h.z,
            r,
            h.z_grad,
            h.z,
            h.potential_energy,
            h.z_grad,
            energy0,
            depth=jnp.array(0),
            weight=jnp.zeros(()),
            r_sum=r,
            turning=jnp.array(False),
            diverging=jnp.array(False),
            sum_accept_probs=jnp.zeros(()),
            num_proposals=jnp.array(0),
        )
        return {
            "hmc": h._replace(rng_key=rng_key),
            "trajectory_key": h.rng_key,
            "r": r,
            "energy0": energy0,
            "tree": tree,
            "tree_key": key_transition,
            "new_draw": jnp.array(False),
            "new_doubling": jnp.array(True),
        }

    @staticmethod
    def _begin_doubling(c: _Chain) -> dict:
        # build_tree's loop body up to _iterative_build_subtree's initial state
        tree_key, direction_key, doubling_key = random.split(c.tree_key, 3)
        sub_key, transition_key = random.split(doubling_key)
        zeros = jnp.zeros_like(c.r_ckpts)
        return {
            "tree_key": tree_key,
            "going_right": random.bernoulli(direction_key),
            "transition_key": transition_key,
            "sub": c.tree._replace(num_proposals=jnp.array(0)),
            "sub_turning": jnp.array(False),
            "sub_key": sub_key,
            "r_ckpts": zeros,
            "r_sum_ckpts": zeros,
            "new_doubling": jnp.array(False),
        }

    def _leaf(self, c: _Chain) -> dict:
        # one pass of _iterative_build_subtree's loop: the only gradient evaluation

        imm, step_size = c.hmc.adapt_state.inverse_mass_matrix, c.hmc.adapt_state.step_size
        sub_key, transition_key = random.split(c.sub_key)
        z, r, z_grad = _get_leaf(c.sub, c.going_right)
        new_leaf = _build_basetree(
            self._leapfrog,
            euclidean_kinetic_energy,
            z,
            r,
            z_grad,
            imm,
            step_size,
            c.going_right,
            c.energy0,
            MAX_DELTA_ENERGY,
        )
        combined = _combine_tree(c.sub, new_leaf, imm, c.going_right, transition_key, False)
        sub = _where(c.sub.num_proposals == 0, new_leaf, combined)
        idx = c.sub.num_proposals
        idx_min, idx_max = _leaf_idx_to_ckpt_idxs(idx)
        even = idx % 2 == 0
        r_ckpts = jnp.where(even, c.r_ckpts.at[idx_max].set(new_leaf.r_right), c.r_ckpts)
        r_sum_ckpts = jnp.where(even, c.r_sum_ckpts.at[idx_max].set(sub.r_sum), c.r_sum_ckpts)
        turning = _is_iterative_turning(imm, new_leaf.r_right, sub.r_sum, r_ckpts, r_sum_ckpts, idx_min, idx_max)
        return {"sub": sub, "sub_turning": turning, "sub_key": sub_key, "r_ckpts": r_ckpts, "r_sum_ckpts": r_sum_ckpts}

    @staticmethod
    def _end_doubling(c: _Chain) -> dict:
        # _iterative_build_subtree's result, _double_tree's combination, build_tree's loop test

        sub = c.sub._replace(depth=c.tree.depth, turning=c.sub_turning)
        tree = _combine_tree(c.tree, sub, c.hmc.adapt_state.inverse_mass_matrix, c.going_right, c.transition_key, True)
        done = (tree.depth >= MAX_TREE_DEPTH) | tree.turning | tree.diverging
        return {"tree": tree, "new_doubling": ~done, "new_draw": done}

    def _end_trajectory(self, c: _Chain) -> dict:
        # the rest of sample_kernel: the proposal becomes the draw, then adaptation

        h, tree = c.hmc, c.tree
        accept_prob = tree.sum_accept_probs / tree.num_proposals
        vv = IntegratorState(tree.z_proposal, c.r, tree.z_proposal_pe, tree.z_proposal_grad)
        adapt = _where(h.i < self.warmup, self._adapt(h.i, accept_prob, vv, h.adapt_state), h.adapt_state)
        return {
            "hmc": h._replace(
                i=h.i + 1,
                z=tree.z_proposal,
                z_grad=tree.z_proposal_grad,
                potential_energy=tree.z_proposal_pe,
                energy=tree.z_proposal_energy,
                num_steps=tree.num_proposals,
                accept_prob=accept_prob,
                diverging=tree.diverging,
                adapt_state=adapt,
            )
        }

    def _step(self, c: _Chain) -> _Chain:
        # one leapfrog step of this chain's trajectory, with the bookkeeping around it
        c = _update(c, c.new_doubling, self._begin_doubling(c))
        c = c._replace(**self._leaf(c))
        sub_done = (c.sub.num_proposals >= 2**c.tree.depth) | c.sub_turning | c.sub.diverging
        return _update(c, sub_done, self._end_doubling(c))

    def _next_draw(self, c: _Chain, new: Array) -> _Chain:
        c = _update(c, new, self._end_trajectory(c))
        return _update(c, new, self._begin_trajectory(c))

    def _begin_again(self, c: _Chain) -> _Chain:
        # the current trajectory from its start, as its key and the draw determine it
        c = c._replace(hmc=c.hmc._replace(rng_key=c.trajectory_key))
        return c._replace(**self._begin_trajectory(c))


def run_stepwise_nuts(
    potential: Callable[[Float[Array, " dim"]], Float[Array, ""]],
    init: Float[Array, "chains dim"],
    *,
    key: Array,
    warmup: int,
    samples: int,
    dense_mass: bool = False,
) -> StepwiseDraws:
    """Run NUTS chains with NumPyro's kernel and adaptation, one leapfrog step per loop pass.

    [`StepwiseNUTS`][] started and advanced once; traceable (call it inside `jax.jit`).

    **Arguments:**

    - `potential`: the negative log posterior density of one point of the unconstrained
      space (e.g. `numpyro.infer.util.potential_energy` of a model).
    - `init`: each chain's starting point, shape `(chains, dim)`.
    - `key`: PRNG key of each chain, shape `(chains,)`; chain c draws what
      `numpyro.infer.hmc.hmc`'s `init_kernel(init[c], warmup, rng_key=key[c])` followed by
      `warmup + samples` calls of `sample_kernel` would draw.
    - `warmup`, `samples`: adaptation iterations and kept draws per chain.
    - `dense_mass`: adapt a dense mass matrix instead of a diagonal one.

    **Returns:**

    [`StepwiseDraws`][] of all `warmup + samples` iterations (the caller drops the warm-up).
    """
    nuts = StepwiseNUTS(potential, warmup=warmup, dense_mass=dense_mass)
    return nuts.advance(nuts.start(init, key=key), warmup + samples)[1]
