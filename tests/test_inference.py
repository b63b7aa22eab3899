"""Inference on a synthetic problem whose answer is known: data drawn from the model itself."""

import jax
import numpy as np
import pytest
from numpyro.infer import Predictive

from clusteremu.inference import Likelihood, cluster_model, grid_posterior, nuts_healthy, run_nuts, sampler_check
from tests.conftest import numpyro_keys


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


def test_nuts_agrees_with_the_grid_and_reports_diagnostics(tiny_emulator):
    sigma = np.array([0.05, 0.5, 30.0])
    like = constant(tiny_emulator, sigma)
    _, obs = synthetic(tiny_emulator, sigma, 1, seed=5)
    grid = grid_posterior(like, obs, n_grid=120)
    with numpyro_keys():
        row, draws, seconds = sampler_check(like, obs[0], grid, 0, key=jax.random.key(0), chains=2, warmup=300,
                                            samples=600)  # fmt: skip
    assert draws.shape == (1200, 2) and seconds > 0
    for p in ("q0", "a_au"):
        r = row[p]
        assert r["nuts_mean"] == pytest.approx(r["grid_mean"], abs=0.15 * r["grid_sd"])
        assert r["nuts_sd"] == pytest.approx(r["grid_sd"], rel=0.15)
    assert row["healthy"] == nuts_healthy(row)
    with numpyro_keys():  # new observations reuse the compiled kernel
        a = run_nuts(like, obs[0] * 1.01, key=jax.random.key(1), chains=2, warmup=300, samples=600)
        b = run_nuts(like, obs[0] * 0.99, key=jax.random.key(2), chains=2, warmup=300, samples=600)
    assert a is b
    sick = row | {"divergences": 1}
    assert not nuts_healthy(sick)
    slow = row | {"q0": row["q0"] | {"r_hat": 1.0100001}}
    assert not nuts_healthy(slow), "1.0100001 fails R-hat < 1.01 even though it rounds to 1.010"


def test_widths_come_from_the_emulator_and_variants_are_checked(tiny_emulator):
    like = Likelihood.of(tiny_emulator, "fullcov")
    np.testing.assert_array_equal(np.asarray(like.cov), np.asarray(tiny_emulator.residual_cov))
    draws = Predictive(lambda: cluster_model(Likelihood.of(tiny_emulator, "input")), num_samples=200)(jax.random.key(1))
    assert draws["y"].shape == (200, 3) and np.all((draws["q0"] >= 0.5) & (draws["q0"] <= 1.5))
    with pytest.raises(ValueError, match="'fulcov' is not one of constant, input, fullcov"):
        Likelihood.of(tiny_emulator, "fulcov")
