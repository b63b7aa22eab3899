"""The summary transform: a bijection onto R^3 whose inverse is always physical."""

import jax
import numpy as np
import pytest

from clusteremu.emulators.transforms import SummaryTransform

T = SummaryTransform(100)


def test_round_trip_including_the_bound_fraction_edges():
    y = np.array([[0.0, 2.0, 100.0], [1.0, 3.0, 50.0], [0.37, 0.5, 400.0]])
    np.testing.assert_allclose(np.asarray(T.inverse(T.forward(y))), y, rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(np.asarray(T.forward(y))))


def test_inverse_is_physical_for_any_input():
    z = np.random.default_rng(0).normal(scale=30.0, size=(10_000, 3))
    y = np.asarray(T.inverse(z))
    assert y[:, 0].min() >= 0.0 and y[:, 0].max() <= 1.0 and y[:, 1:].min() > 0.0


def test_jacobian_matches_autodiff():
    y = np.array([0.83, 2.4, 180.0])
    jac = np.asarray(jax.jacfwd(T.forward)(y))
    assert np.allclose(jac, np.diag(np.diag(jac))), "the map acts on each summary separately"
    np.testing.assert_allclose(np.diag(jac), np.asarray(T.jacobian_diagonal(y)), rtol=1e-12)
    assert float(T.log_abs_det_jacobian(y)) == pytest.approx(np.log(np.abs(np.linalg.det(jac))), rel=1e-12)
