"""The GP forward model: the JAX port predicts what scikit-learn predicts, and round-trips."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.emulators.baselines import GPBaseline
from clusteremu.emulators.gp import GPEmulator
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    x = BOX.draw(60, seed=1)
    y = np.column_stack([1.2 - 0.8 * x[:, 0], 6.0 / np.sqrt(x[:, 1] / 50) + x[:, 0], 1.4 * x[:, 1] * x[:, 0]])
    y = y + rng.normal(size=y.shape) * [0.02, 0.1, 5.0]
    x_mean, x_std, y_mean, y_std = x.mean(0), x.std(0), y.mean(0), y.std(0)
    sk = GPBaseline(n_restarts=0, seed=0).fit((x - x_mean) / x_std, (y - y_mean) / y_std)
    return sk, GPEmulator.from_sklearn(sk.gps, (x - x_mean) / x_std, x_mean, x_std, y_mean, y_std, BOX)


def test_jax_predictions_equal_scikit_learn_including_the_noise(fitted):
    sk, gp = fitted
    x = BOX.draw(25, seed=2)
    mean, var = gp.predict(x)
    u = (x - np.asarray(gp.x_mean)) / np.asarray(gp.x_std)
    sk_mean, sk_sd = sk.predict(u, return_std=True)
    y_mean, y_std = np.asarray(gp.y_mean), np.asarray(gp.y_std)
    np.testing.assert_allclose(np.asarray(mean), sk_mean * y_std + y_mean, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.asarray(var)), sk_sd * y_std, rtol=1e-5)


def test_saved_arrays_reload_to_the_same_predictions_and_gradients_exist(fitted, tmp_path):
    _, gp = fitted
    (tmp_path / "gp.eqx").write_bytes(gp.to_bytes())
    again = GPEmulator.load(tmp_path / "gp.eqx")
    x = BOX.draw(5, seed=3)
    np.testing.assert_array_equal(np.asarray(again.predict(x)[0]), np.asarray(gp.predict(x)[0]))
    assert again.domain == gp.domain
    grad = jax.grad(lambda t: jnp.sum(gp.predict(t[None])[0]))(jnp.array([1.0, 120.0]))
    assert np.all(np.isfinite(np.asarray(grad))) and float(grad[0]) != 0.0
