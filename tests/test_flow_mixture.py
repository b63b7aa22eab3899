"""The flow as a mixture of members, and as a density of observations with measurement errors.

Known answers: the mixture's density is the mean of its members' (each evaluated with
flowjax itself); a flow trained with measurement errors matches, at a given sd, the true
density of noisy observations of a synthetic simulator (a theta-dependent Gaussian in z),
computed by Monte Carlo over the noise-free summaries.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_flow import BOX, N_STARS, SETTINGS, draw_z

from clusteremu.emulators.flow import _MANY_ROWS
from clusteremu.emulators.flow_fit import FlowSettings, fit_flow
from clusteremu.emulators.transforms import SummaryTransform
from clusteremu.inference.flow_likelihood import FlowLikelihoodModel

SD_MAX = {"f_bound": 0.05, "sigma_v_kms": 0.3, "r_h_au": 60.0}


def synthetic(n, seed):
    theta = BOX.draw(n, seed=seed)
    return theta, np.asarray(SummaryTransform(N_STARS).inverse(draw_z(theta, np.random.default_rng(seed + 100))))


@pytest.fixture(scope="module")
def noisy_flow():
    (theta, y), (theta_val, y_val) = synthetic(4000, 1), synthetic(800, 2)
    settings = FlowSettings(
        **{**SETTINGS, "max_epochs": 120, "patience_epochs": 20}, members=2, measurement_sd_max=SD_MAX
    )
    flow, history = fit_flow(theta, y, theta_val, y_val, n_stars=N_STARS, settings=settings, domain=BOX)
    return flow, history


@pytest.mark.parametrize("rows", [50, 2 * _MANY_ROWS], ids=["members-vmapped", "members-in-turn"])
def test_the_mixture_is_the_mean_of_its_members_densities(noisy_flow, rows):
    """Both ways of evaluating the members (few rows: vmapped, float64; many: in turn, in
    float32 for the grid) give flowjax's mixture, to the rounding of their precision."""
    flow, history = noisy_flow
    assert flow.architecture.members == 2 and history.val_nll.shape[0] == 2
    theta, y = synthetic(rows, 7)
    sd = np.array([0.01, 0.1, 20.0])
    u = flow.standardized(y)
    c = flow.condition(theta, sd)
    members = []
    for m in range(2):
        single = jax.tree_util.tree_map(lambda x, m=m: x[m] if eqx.is_array(x) else x, flow.flow)
        members.append(np.asarray(eqx.filter_vmap(lambda a, b, f=single: f.log_prob(a, condition=b))(u, c)))
    expected = np.logaddexp(*members) - np.log(2) - np.sum(np.log(np.asarray(flow.z_std)))
    got = np.asarray(flow.log_prob_z(flow.transform.forward(y), theta, sd))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, atol=1e-9 if rows < _MANY_ROWS else 1e-4)
    assert np.max(np.abs(members[0] - members[1])) > 0.01  # the members differ: the test could fail


def true_noisy_log_prob(y_obs, theta, sd, draws=40000):
    """log p(y_obs | theta, sd) of the synthetic simulator, by Monte Carlo over noise-free y."""
    transform = SummaryTransform(N_STARS)
    out = []
    for yo, t in zip(y_obs, theta, strict=True):
        y = np.asarray(transform.inverse(draw_z(np.tile(t, (draws, 1)), np.random.default_rng(11))))
        log_kernel = -0.5 * np.sum(((yo - y) / sd) ** 2, axis=1) - np.sum(np.log(sd)) - 1.5 * np.log(2 * np.pi)
        out.append(np.logaddexp.reduce(log_kernel) - np.log(draws))
    return np.array(out)


@pytest.mark.slow
def test_a_flow_with_measurement_errors_matches_the_noisy_density(noisy_flow):
    flow, _ = noisy_flow
    sd = np.array([0.02, 0.08, 15.0])  # within the trained range; f stays far from 0 and 1 here
    theta, y = synthetic(40, 9)
    rng = np.random.default_rng(3)
    y_obs = y + rng.normal(size=y.shape) * sd
    ours = np.asarray(FlowLikelihoodModel(flow, sd).flow.log_prob(y_obs, theta, sd))
    gap = true_noisy_log_prob(y_obs, theta, sd) - ours  # per observation, estimates the KL's integrand
    assert abs(np.mean(gap)) < 0.2
    # the same flow asked for exact summaries is a worse description of the noisy ones
    exact = np.asarray(flow.log_prob(y_obs, theta))
    assert np.mean(true_noisy_log_prob(y_obs, theta, sd) - exact) > np.mean(gap) + 0.2


def test_measurement_sds_outside_the_trained_range_are_refused_by_name(noisy_flow):
    flow, _ = noisy_flow
    with pytest.raises(ValueError, match=r"r_h_au .* allowed: \[0, 60\]"):
        FlowLikelihoodModel(flow, np.array([0.01, 0.1, 100.0]))
    assert FlowLikelihoodModel(flow, np.zeros(3)).obs_sd is None  # all zero: no errors
    plain = FlowSettings(**SETTINGS).architecture
    assert not plain.noise_inputs and plain.condition_dim == 2
    assert FlowSettings(**SETTINGS, measurement_sd_max=SD_MAX).architecture.condition_dim == 5
    with pytest.raises(ValueError, match="measurement_sd_max"):
        FlowSettings(**SETTINGS, measurement_sd_max={"f_bound": 0.1})
    assert jnp.all(flow.sd_max == jnp.array(list(SD_MAX.values())))
