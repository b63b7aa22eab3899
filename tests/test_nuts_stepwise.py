"""The stepwise NUTS runs NumPyro's chains: the same draws for the same keys, the right posterior.

Both samplers select between a chain's old and new keys (NumPyro through vmapped `cond`s),
which the key-reuse checker reports, so it is suspended here.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from numpyro.infer.hmc import hmc

from clusteremu.inference.nuts_stepwise import StepwiseNUTS, run_stepwise_nuts
from tests.helpers import numpyro_keys


def numpyro_chains(potential, init, keys, warmup, samples, dense_mass):
    """NumPyro's own kernel, vectorized over chains: every iteration's z, divergence and step count."""
    init_kernel, sample_kernel = hmc(potential_fn=potential, algo="NUTS")

    def chain(z0, key):
        state = init_kernel(z0, num_warmup=warmup, dense_mass=dense_mass, rng_key=key)

        def step(s, _):
            s = sample_kernel(s)
            return s, (s.z, s.diverging, s.num_steps)

        return lax.scan(step, state, None, length=warmup + samples)[1]

    return jax.vmap(chain)(init, keys)


def banana(z):
    return 0.5 * (z[0] / 2) ** 2 + 0.5 * ((z[1] - 0.3 * z[0] ** 2) / 0.5) ** 2


def funnel(z):
    # Neal's funnel: its neck makes early trajectories diverge
    return 0.5 * (z[0] / 3) ** 2 + 0.5 * z[1] ** 2 * jnp.exp(-z[0]) + 0.5 * z[0]


@pytest.mark.parametrize(("potential", "dense_mass"), [(banana, False), (funnel, False), (banana, True)])
def test_same_draws_as_numpyro(potential, dense_mass):
    init = jax.random.uniform(jax.random.key(3), (3, 2), minval=-1, maxval=1)
    keys = jax.random.split(jax.random.key(7), 3)
    warmup, samples = 30, 30
    with numpyro_keys():
        z, diverging, steps = jax.jit(lambda i, k: numpyro_chains(potential, i, k, warmup, samples, dense_mass))(
            init, keys
        )
        ours = jax.jit(
            lambda i, k: run_stepwise_nuts(potential, i, key=k, warmup=warmup, samples=samples, dense_mass=dense_mass)
        )(init, keys)
    # chains of different trajectory lengths: the chains really are out of step
    assert not np.array_equal(np.asarray(steps).sum(1)[0], np.asarray(steps).sum(1)[1])
    np.testing.assert_array_equal(ours.num_steps, steps)
    np.testing.assert_array_equal(ours.diverging, diverging)
    # rounding differs (other fusions), and a chain amplifies it over its iterations
    np.testing.assert_allclose(ours.z, z, rtol=0, atol=1e-6)
    if potential is funnel:
        assert np.asarray(diverging).any()  # the divergence bookkeeping is exercised


def test_gaussian_moments():
    cov = np.array([[1.0, -0.8 * 0.5], [-0.8 * 0.5, 0.25]])
    prec, mean = jnp.linalg.inv(cov), jnp.array([0.3, -1.0])

    def potential(z):
        d = z - mean
        return 0.5 * d @ prec @ d

    warmup, samples, chains = 500, 1000, 4
    with numpyro_keys():
        out = jax.jit(
            lambda k: run_stepwise_nuts(
                potential, jnp.zeros((chains, 2)), key=jax.random.split(k, chains), warmup=warmup, samples=samples
            )
        )(jax.random.key(0))
    draws = np.asarray(out.z)[:, warmup:].reshape(-1, 2)
    assert out.z.shape == (chains, warmup + samples, 2) and not np.asarray(out.diverging)[:, warmup:].any()
    # 4000 correlated draws: ESS of a few thousand, so the mean is known to ~0.02 sd
    assert (np.abs(draws.mean(0) - mean) < 4 * np.sqrt(np.diag(cov) / 1000)).all()
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.08)
    assert (np.asarray(out.num_steps) >= 1).all()


@pytest.mark.parametrize("dense_mass", [False, True])
def test_advancing_again_continues_the_same_chains(dense_mass):
    """Chains advanced twice make the draws of one longer run: the state carries everything."""
    init = jax.random.uniform(jax.random.key(4), (3, 2), minval=-1, maxval=1)
    keys = jax.random.split(jax.random.key(8), 3)

    def twice(i, k):
        nuts = StepwiseNUTS(banana, warmup=30, dense_mass=dense_mass)
        chains, first = nuts.advance(nuts.start(i, key=k), 50)
        return first, nuts.advance(chains, 25)[1]

    with numpyro_keys():
        first, second = jax.jit(twice)(init, keys)
        whole = jax.jit(lambda i, k: run_stepwise_nuts(banana, i, key=k, warmup=30, samples=45, dense_mass=dense_mass))(
            init, keys
        )
    np.testing.assert_array_equal(np.concatenate([first.num_steps, second.num_steps], 1), whole.num_steps)
    np.testing.assert_allclose(np.concatenate([first.z, second.z], 1), whole.z, rtol=0, atol=1e-6)
    # the chains took trajectories of different lengths, so some waited for the others
    assert len({int(s) for s in np.asarray(first.num_steps).sum(1)}) > 1
