"""The selection model P(usable | theta) against a known logistic truth."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.emulators.selection import SelectionModel
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)


def true_logit(theta):
    """Usable mostly at low Q0 (bound clusters), a little less at large a; quadratic in Q0."""
    return 8.0 - 6.0 * theta[:, 0] - 0.02 * (theta[:, 1] - 125.0) - 3.0 * (theta[:, 0] - 1.0) ** 2


def box_grid(n=15):
    q0, a = BOX.grid(n)
    return np.stack(np.meshgrid(q0, a, indexing="ij"), axis=-1).reshape(-1, 2)


@pytest.fixture(scope="module")
def fitted():
    theta = BOX.draw(4000, seed=3)
    p = 1.0 / (1.0 + np.exp(-true_logit(theta)))
    usable = np.random.default_rng(4).uniform(size=len(theta)) < p
    return SelectionModel.fit(theta, usable), usable


def test_recovers_a_known_logistic_truth(fitted):
    model, usable = fitted
    assert 0.2 < usable.mean() < 0.9  # both outcomes are well represented
    grid = box_grid()
    truth = 1.0 / (1.0 + np.exp(-true_logit(grid)))
    got = np.asarray(model.prob_usable(grid))
    assert truth.min() < 0.3 and truth.max() > 0.99  # the truth spans a wide range over the box
    # with 4000 simulations the error is statistical, ~0.02 rms; over many seeds the largest error on
    # this grid has median ~0.04 (worst at the corners, where data are few): this seed's is 0.02
    assert np.max(np.abs(got - truth)) < 0.05
    assert np.sqrt(np.mean((got - truth) ** 2)) < 0.03
    assert np.asarray(model.log_prob_usable(grid)) == pytest.approx(np.log(got), rel=1e-12)


def test_all_usable_data_give_a_finite_fit_near_one():
    theta = BOX.draw(500, seed=8)
    model = SelectionModel.fit(theta, np.ones(len(theta), bool))
    assert np.all(np.isfinite(np.asarray(model.coef)))
    assert np.all(np.abs(np.asarray(model.coef)) < 50)
    assert np.all(np.asarray(model.prob_usable(box_grid())) > 0.99)
    # separable data (usable exactly where Q0 < 1) stay finite too, thanks to the ridge
    sep = SelectionModel.fit(theta, theta[:, 0] < 1.0)
    assert np.all(np.isfinite(np.asarray(sep.coef)))
    p = np.asarray(sep.prob_usable(np.array([[0.6, 125.0], [1.4, 125.0]])))
    assert p[0] > 0.95 and p[1] < 0.05


def test_log_prob_usable_is_differentiable_and_stable(fitted):
    model, _ = fitted

    def f(t):
        return model.log_prob_usable(t[None])[0]

    t = jnp.array([1.2, 100.0])
    g = jax.grad(f)(t)
    assert np.all(np.isfinite(np.asarray(g)))
    # usable becomes rarer as Q0 grows: the gradient in Q0 is negative, and matches finite differences
    assert g[0] < 0
    eps = 1e-6
    fd = (f(t + jnp.array([eps, 0.0])) - f(t - jnp.array([eps, 0.0]))) / (2 * eps)
    assert float(g[0]) == pytest.approx(float(fd), rel=1e-6)
    assert np.all(np.isfinite(np.asarray(jax.jit(jax.vmap(jax.grad(f)))(jnp.asarray(box_grid(4))))))
    # far outside the data the probability underflows, but its log stays finite
    far = model.log_prob_usable(np.array([[50.0, 125.0]]))
    assert np.isfinite(float(far[0])) and float(far[0]) < -100


def test_round_trip_through_json(fitted):
    model, _ = fitted
    d = json.loads(json.dumps(model.to_dict()))
    assert set(d) == {"coef", "x_mean", "x_std"} and len(d["coef"]) == 6
    again = SelectionModel.from_dict(d)
    grid = box_grid()
    assert np.array_equal(np.asarray(again.prob_usable(grid)), np.asarray(model.prob_usable(grid)))
    assert np.array_equal(np.asarray(again.log_prob_usable(grid)), np.asarray(model.log_prob_usable(grid)))
