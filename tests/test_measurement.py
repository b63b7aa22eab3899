"""The measurement model and the dequantized bound fraction (clusteremu.datasets.measurement)."""

import jax
import jax.numpy as jnp
import numpy as np

from clusteremu.datasets.measurement import MIN_SIZE_FRACTION, density_point, keep_physical, observe, perturbed

N = 100


def lattice(rows: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = rng.integers(0, N + 1, rows)
    return np.column_stack([k / N, rng.uniform(0.5, 3.0, rows), rng.uniform(50, 400, rows)])


def test_without_errors_the_bound_fraction_is_spread_uniformly_over_its_own_bin():
    y = lattice(20000)
    obs = np.asarray(observe(y, np.zeros_like(y), N, key=jax.random.key(1)))
    np.testing.assert_array_equal(obs[:, 1:], y[:, 1:])  # exact sizes stay exact
    k = np.round(y[:, 0] * N)
    offset = (obs[:, 0] - y[:, 0]) * N  # in units of one star
    inner = (k > 0) & (k < N)
    assert np.all(np.abs(offset[inner]) <= 0.5) and abs(np.mean(offset[inner])) < 0.01
    assert abs(np.var(offset[inner]) - 1 / 12) < 0.003  # uniform on (-1/2, 1/2)
    # k = 0 and k = N: the half bin inside [0, 1], uniformly (the other half is clipped and moved in)
    assert np.all((offset[k == 0] >= 0) & (offset[k == 0] <= 0.5))
    assert np.all((offset[k == N] <= 0) & (offset[k == N] >= -0.5))
    assert abs(np.mean(offset[k == N]) + 0.25) < 0.02
    assert np.all((obs[:, 0] > 0) & (obs[:, 0] < 1))  # continuous, never exactly on an edge


def test_measurement_errors_have_the_stated_sd_and_sizes_stay_positive():
    y = np.tile([0.5, 2.0, 200.0], (40000, 1))
    sd = np.array([0.02, 0.3, 25.0])
    obs = np.asarray(observe(y, np.tile(sd, (len(y), 1)), N, key=jax.random.key(2)))
    dequantization = np.array([1 / (N * np.sqrt(12)), 0.0, 0.0])
    np.testing.assert_allclose(obs.std(axis=0), np.sqrt(sd**2 + dequantization**2), rtol=0.02)
    assert np.all(np.abs(obs.mean(axis=0) - y[0]) < 4 * sd / np.sqrt(len(y)))
    tiny = np.asarray(observe(np.array([[0.9, 0.01, 1.0]]), np.array([[0.0, 5.0, 500.0]]), N, key=jax.random.key(3)))
    assert np.all(tiny[:, 1:] >= MIN_SIZE_FRACTION * np.array([0.01, 1.0]))


def test_one_rule_keeps_noisy_summaries_physical_in_numpy_and_jax():
    y = lattice(500, seed=4)
    noisy = y + np.random.default_rng(5).normal(size=y.shape) * np.array([0.2, 5.0, 500.0])
    a, b = keep_physical(noisy, y), np.asarray(keep_physical(jnp.asarray(noisy), jnp.asarray(y), jnp))
    np.testing.assert_array_equal(a, b)
    assert np.all((a[:, 0] >= 0) & (a[:, 0] <= 1)) and np.all(a[:, 1:] >= MIN_SIZE_FRACTION * y[:, 1:])
    assert np.any(a[:, 0] == 1.0) and np.any(a[:, 0] == 0.0)  # this sd clips often: the test sees both ends
    again = perturbed(y, np.array([0.2, 5.0, 500.0]), seed=9)
    np.testing.assert_array_equal(again, perturbed(y, np.array([0.2, 5.0, 500.0]), seed=9))  # seeded


def test_densities_are_evaluated_inside_the_half_bins_at_the_edges():
    y = np.array([[0.0, 1.0, 100.0], [1.0, 1.0, 100.0], [0.37, 1.0, 100.0], [0.999, 2.0, 50.0]])
    p = np.asarray(density_point(y, N))
    np.testing.assert_array_equal(p[:, 0], [0.25 / N, 1 - 0.25 / N, 0.37, 1 - 0.25 / N])
    np.testing.assert_array_equal(p[:, 1:], y[:, 1:])
