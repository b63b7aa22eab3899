"""The fused flow density against flowjax's own: same values and gradients, anywhere.

A freshly built flow has identity splines, which would hide a wrong bin or knot; every
array of the flow is therefore perturbed at random (splines with uneven bins and
slopes), and the two evaluations are compared at points inside the splines' interval,
outside it (where the splines are the identity) and exactly on the interval's ends.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flowjax.bijections import Affine
from flowjax.distributions import StandardNormal, Transformed

from clusteremu.emulators.flow import FlowArchitecture
from clusteremu.emulators.flow_kernel import maf_arrays, maf_log_prob


def perturbed_flow(architecture: FlowArchitecture, seed: int):
    flow = architecture.make(jax.random.key(seed))
    arrays, static = eqx.partition(flow, eqx.is_inexact_array)
    leaves, tree = jax.tree_util.tree_flatten(arrays)
    keys = jax.random.split(jax.random.key(seed + 1), len(leaves))
    noisy = [x + 0.5 * jax.random.normal(k, x.shape) for x, k in zip(leaves, keys, strict=True)]
    return eqx.combine(jax.tree_util.tree_unflatten(tree, noisy), static)


def points(interval: float, rows: int = 200):
    rng = np.random.default_rng(5)
    u = rng.normal(size=(rows, 3)) * interval / 2
    u[:20] *= 4  # well outside the interval in some dimensions
    u[20, :], u[21, :] = interval, -interval  # exactly on its ends
    return jnp.asarray(u), jnp.asarray(rng.normal(size=(rows, 2)))


@pytest.mark.parametrize(
    "architecture",
    [FlowArchitecture(4, 8, 5.0, 16), FlowArchitecture(2, 5, 3.0, 8, activation="silu")],
    ids=["paper-like", "other-shape"],
)
def test_the_fused_density_equals_flowjax_in_value_and_gradient(architecture):
    flow = perturbed_flow(architecture, seed=3)
    u, c = points(architecture.interval)

    @eqx.filter_jit  # one compilation each: flowjax evaluated op by op takes tens of seconds
    def both(flow, u, c):
        arrays = maf_arrays(flow, architecture.knots, architecture.interval)

        def evaluate(f):
            return jax.vmap(jax.value_and_grad(f, argnums=(0, 1)))(u, c)

        return evaluate(lambda a, b: maf_log_prob(arrays, a, b)), evaluate(lambda a, b: flow.log_prob(a, condition=b))

    (ours, g_ours), (theirs, g_theirs) = both(flow, u, c)
    assert np.all(np.isfinite(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    for ours_i, theirs_i in zip(g_ours, g_theirs, strict=True):  # d/du and d/dc
        np.testing.assert_allclose(ours_i, theirs_i, rtol=1e-9, atol=1e-9)


def test_the_splines_are_not_identities_in_this_test():
    """Guard for the test above: a perturbed flow's density is far from its base density."""
    architecture = FlowArchitecture(4, 8, 5.0, 16)
    flow = perturbed_flow(architecture, seed=3)
    u, c = points(architecture.interval)
    base = jnp.sum(jax.scipy.stats.norm.logpdf(u), axis=1)
    log_p = eqx.filter_jit(jax.vmap(lambda a, b: flow.log_prob(a, condition=b)))(u, c)
    assert float(jnp.median(jnp.abs(log_p - base))) > 0.5


def test_a_flow_of_another_structure_is_refused_by_name():
    other = Transformed(StandardNormal((3,)), Affine(jnp.zeros(3), jnp.ones(3)))
    with pytest.raises(ValueError, match="masked autoregressive"):
        maf_arrays(other, 8, 5.0)
