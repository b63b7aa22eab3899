"""Inference on a synthetic problem whose answer is known: data drawn from the model itself."""

import jax
import numpy as np
import pytest
from numpyro.infer import Predictive

from clusteremu.emulator import Emulator
from clusteremu.emulator_data import Normalizer
from clusteremu.ensemble_io import ensemble_bytes
from clusteremu.inference import Likelihood, cluster_model, fit_likelihood, grid_posterior, run_nuts
from clusteremu.mlp import make_ensemble
from clusteremu.uncertainty import NoiseModel

DOMAIN = {"q0_min": 0.5, "q0_max": 1.5, "a_min_au": 50.0, "a_max_au": 200.0}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    norm = Normalizer(np.array([1.0, 125.0]), np.array([0.3, 45.0]), np.array([0.6, 5.0, 400.0]),
                      np.array([0.2, 2.0, 150.0]))  # fmt: skip
    noise = NoiseModel(np.zeros((3, 2)), np.full((3, 3), 1e-4), 1.0)
    header = {"sizes": [2, 16, 3], "n_members": 3, "normalizer": norm.to_dict(), "domain": DOMAIN,
              "noise_model": noise.to_dict(), "calibration_scale": [1.0, 1.0, 1.0],
              "outputs": ["f", "s", "r"]}  # fmt: skip
    path = tmp_path_factory.mktemp("em") / "e.eqx"
    path.write_bytes(ensemble_bytes(make_ensemble(3, (2, 16, 3), key=jax.random.key(3)), header))
    return Emulator.load(path)


def synthetic(em, like, n, seed):
    rng = np.random.default_rng(seed)
    theta = np.column_stack([rng.uniform(0.5, 1.5, n), rng.uniform(50, 200, n)])
    mean = em.predict(theta).mean
    return theta, mean + rng.normal(size=mean.shape) * like.sigma


def test_grid_posterior_is_calibrated_when_the_model_is_right(emulator):
    sigma = np.array([0.1, 1.0, 60.0])
    like = Likelihood(emulator, "constant", sigma, np.diag(sigma**2))
    theta, obs = synthetic(emulator, like, 400, seed=0)
    grid = grid_posterior(like, obs, n_grid=80)
    da, dq = grid.a_au[1] - grid.a_au[0], grid.q0[1] - grid.q0[0]
    np.testing.assert_allclose(grid.density.sum(axis=(1, 2)) * da * dq, 1.0, rtol=1e-9)
    for j, p in enumerate(("q0", "a_au")):
        pit = grid.cdf(p, theta[:, j])
        for level in (0.5, 0.68, 0.95):
            cov = np.mean(np.abs(pit - 0.5) <= level / 2)
            assert abs(cov - level) < 3 * np.sqrt(level * (1 - level) / 400), f"{p} at {level}: {cov}"


def test_nuts_agrees_with_the_grid(emulator):
    sigma = np.array([0.05, 0.5, 30.0])
    like = Likelihood(emulator, "constant", sigma, np.diag(sigma**2))
    _, obs = synthetic(emulator, like, 1, seed=5)
    grid = grid_posterior(like, obs, n_grid=120).moments()
    mcmc = run_nuts(like, obs[0], key=jax.random.key(0), chains=2, warmup=300, samples=600)
    s = mcmc.get_samples()
    for p in ("q0", "a_au"):
        assert float(s[p].mean()) == pytest.approx(grid[f"{p}_mean"][0], abs=0.15 * grid[f"{p}_sd"][0])
        assert float(s[p].std()) == pytest.approx(grid[f"{p}_sd"][0], rel=0.15)


def test_prior_predictive_and_width_variants(emulator):
    like = Likelihood(emulator, "constant", np.array([0.1, 1.0, 60.0]), np.eye(3))
    draws = Predictive(lambda: cluster_model(like), num_samples=500)(jax.random.key(1))
    q0 = np.asarray(draws["q0"])
    assert q0.min() >= 0.5 and q0.max() <= 1.5 and draws["y"].shape == (500, 3)
    theta = np.column_stack([np.linspace(0.6, 1.4, 50), np.linspace(60, 190, 50)])
    y = emulator.predict(theta).mean + np.array([0.1, 0.0, 0.0])
    fitted = fit_likelihood(emulator, theta, y, "fullcov")
    np.testing.assert_allclose(fitted.sigma, [0.1, 0.0, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match="not one of"):
        fit_likelihood(emulator, theta, y, "student")
