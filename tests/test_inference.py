"""Inference on a synthetic problem whose answer is known: data drawn from the model itself."""

import jax
import numpy as np
import pytest
from numpyro.infer import Predictive

from clusteremu.inference.gaussian import Likelihood
from clusteremu.inference.grid import grid_posterior
from clusteremu.inference.model import cluster_model


def synthetic(em, sigma, n, seed):
    theta = em.domain.draw(n, seed=seed)
    mean = em.predict(theta).mean
    return theta, mean + np.random.default_rng(seed).normal(size=mean.shape) * sigma


def constant(em, sigma):
    sigma = np.asarray(sigma)
    return Likelihood(em, "constant", sigma, np.diag(sigma**2))


def test_grid_posterior_is_calibrated_when_the_model_is_right(tiny_emulator):
    sigma = np.array([0.1, 1.0, 60.0])
    theta, obs = synthetic(tiny_emulator, sigma, 400, seed=0)
    grid = grid_posterior(constant(tiny_emulator, sigma), obs, n_grid=80)
    da, dq = grid.a_au[1] - grid.a_au[0], grid.q0[1] - grid.q0[0]
    np.testing.assert_allclose(grid.density.sum(axis=(1, 2)) * da * dq, 1.0, rtol=1e-9)
    for j, p in enumerate(("q0", "a_au")):
        pit = grid.cdf(p, theta[:, j])
        for level in (0.5, 0.68, 0.95):
            cov = np.mean(np.abs(pit - 0.5) <= level / 2)
            assert abs(cov - level) < 3 * np.sqrt(level * (1 - level) / 400), f"{p} at {level}: {cov}"


def test_widths_come_from_the_emulator_and_variants_are_checked(tiny_emulator):
    like = Likelihood.of(tiny_emulator, "fullcov")
    np.testing.assert_array_equal(np.asarray(like.cov), np.asarray(tiny_emulator.residual_cov))
    draws = Predictive(lambda: cluster_model(Likelihood.of(tiny_emulator, "input")), num_samples=200)(jax.random.key(1))
    assert draws["y"].shape == (200, 3) and np.all((draws["q0"] >= 0.5) & (draws["q0"] <= 1.5))
    with pytest.raises(ValueError, match="'fulcov' is not one of constant, input, fullcov"):
        Likelihood.of(tiny_emulator, "fulcov")


def test_measurement_errors_widen_every_variant(tiny_emulator):
    obs_sd = np.array([0.05, 0.5, 20.0])
    m = tiny_emulator.moments(np.array([[1.0, 120.0]]))

    def variances(like):
        d = like.distribution(m.mean[0], m.total_var[0])
        return np.diag(np.asarray(d.covariance_matrix)) if like.variant == "fullcov" else np.asarray(d.variance)

    for variant in ("constant", "input", "fullcov"):
        plain, noisy = Likelihood.of(tiny_emulator, variant), Likelihood.of(tiny_emulator, variant, obs_sd)
        np.testing.assert_allclose(variances(noisy) - variances(plain), obs_sd**2, rtol=1e-9)
    with pytest.raises(ValueError, match="non-negative"):
        Likelihood.of(tiny_emulator, "input", -obs_sd)


def test_grid_draws_follow_the_grid_posterior(tiny_emulator):
    like = Likelihood.of(tiny_emulator, "input")
    obs = tiny_emulator.predict(np.array([[1.1, 90.0]])).mean
    grid = grid_posterior(like, obs, n_grid=100)
    draws = grid.draw(0, 20000, seed=0)
    mom = grid.moments()
    assert tiny_emulator.domain.contains(draws).all()
    assert draws[:, 0].mean() == pytest.approx(mom["q0_mean"][0], abs=0.03 * mom["q0_sd"][0] + 1e-3)
    assert draws[:, 1].std() == pytest.approx(mom["a_au_sd"][0], rel=0.03)
