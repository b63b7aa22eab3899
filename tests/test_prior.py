import jax
import numpy as np
import pytest
from numpyro.infer import Predictive

from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)


def test_draws_are_uniform_in_the_box_and_extend_stably():
    theta = BOX.draw(20000, seed=1)
    assert BOX.contains(theta).all()
    np.testing.assert_allclose(theta.std(axis=0), BOX.prior_sd, rtol=0.02)
    np.testing.assert_array_equal(BOX.draw(50, seed=1), theta[:50]), "a longer set keeps the first draws"
    assert not BOX.contains(np.array([[0.49, 100.0], [1.0, 201.0]])).any()


def test_numpyro_sites_follow_the_same_prior():
    draws = Predictive(lambda: BOX.sample_numpyro(), num_samples=4000)(jax.random.key(0))
    q0, a = np.asarray(draws["q0"]), np.asarray(draws["a_au"])
    assert q0.min() >= 0.5 and q0.max() <= 1.5 and a.min() >= 50 and a.max() <= 200
    np.testing.assert_allclose([q0.std(), a.std()], BOX.prior_sd, rtol=0.05)


def test_grid_and_bad_boxes():
    q0, a = BOX.grid(4)
    np.testing.assert_allclose(q0, [0.625, 0.875, 1.125, 1.375])
    assert a[0] == pytest.approx(50 + 150 / 8)
    assert ParameterBox.from_domain(BOX.as_dict()) == BOX
    with pytest.raises(ValueError, match="empty parameter box"):
        ParameterBox(1.0, 1.0, 50.0, 200.0)
