"""The per-observation model check and the tempered fallback, against known answers.

A flow fitted to a synthetic simulator (a theta-dependent Gaussian in z, as in test_flow) is
the right model for fresh draws of that simulator and the wrong one for draws whose sigma_v
is three times larger, which no parameter of the model produces: the check must flag most of
those, and the right ones at about the rate it is calibrated to (with a null from other
draws of the right simulator; without it, at most that rate: the p-value is conservative). A
change that mimics other parameters (r_h stretched along what a does) is not detectable by
any check of this kind; the study measures how often that happens for real variants.
"""

import jax
import numpy as np
import pytest
from test_flow import BOX, N_STARS, SETTINGS, draw_z

from clusteremu.datasets.splits import SplitData
from clusteremu.emulators.flow_fit import FlowSettings, fit_flow
from clusteremu.emulators.transforms import SummaryTransform
from clusteremu.evaluation.check_calibration import calibrate_check
from clusteremu.evaluation.robustness import TEMPERING, robustness_row, tempered
from clusteremu.inference.flow_likelihood import FlowLikelihoodModel
from clusteremu.inference.grid import grid_posterior
from clusteremu.inference.model_check import LEVEL, calibrated_p
from clusteremu.inference.predictive_check import posterior_predictive_check


def synthetic(n, seed, stretch=1.0):
    theta = BOX.draw(n, seed=seed)
    y = np.array(SummaryTransform(N_STARS).inverse(draw_z(theta, np.random.default_rng(seed + 50))))
    y[:, 1] *= stretch
    return SplitData(theta, y, np.arange(n))


@pytest.fixture(scope="module")
def like():
    train, val = synthetic(3000, 1), synthetic(600, 2)
    flow, _ = fit_flow(train.x, train.y, val.x, val.y, n_stars=N_STARS, settings=FlowSettings(**SETTINGS), domain=BOX)
    return FlowLikelihoodModel(flow)


@pytest.mark.slow
def test_the_check_flags_the_wrong_physics_and_the_right_one_at_its_calibrated_rate(like):
    n = 200
    null = calibrate_check(like, "flow", synthetic(300, 7), n_grid=40, seed=8)
    assert null.n_used == 300 and null.raw_false_alarms <= LEVEL  # conservative before calibration
    assert null.threshold > LEVEL, "calibration raises the threshold of the raw p-value"
    rates = {}
    for name, held in (("right", synthetic(n, 3)), ("stretched", synthetic(n, 4, stretch=3.0))):
        grid = grid_posterior(like, held.y, n_grid=40)
        for calibrated in (False, True):
            row = robustness_row(name, name, like, grid, held, BOX, seed=5, null=null.null_p if calibrated else None)
            rates[name, calibrated] = row.flagged
            assert row.n_unflagged == round((1 - row.flagged) * n) and len(row.p_values) == n
            assert row.flagged_lo <= row.flagged <= row.flagged_hi
    se = np.sqrt(LEVEL * (1 - LEVEL) / n)
    assert rates["right", False] <= LEVEL + 3 * se
    assert abs(rates["right", True] - LEVEL) <= 3 * se + 1 / 300  # null's own sampling error
    assert rates["stretched", True] >= rates["stretched", False] > 0.9


def test_a_calibrated_p_value_is_the_fraction_of_the_null_at_or_below_it():
    null = np.array([0.1, 0.2, 0.2, 0.5])
    assert calibrated_p(0.05, null) == pytest.approx(1 / 5)
    assert calibrated_p(0.2, null) == pytest.approx(4 / 5)
    assert calibrated_p(0.9, null) == pytest.approx(1.0)
    assert calibrated_p(0.3, None) is None and calibrated_p(0.3, np.array([])) is None


def test_a_p_value_is_a_fraction_of_the_draws_and_is_seeded(like):
    held = synthetic(2, 6)
    grid = grid_posterior(like, held.y, n_grid=30)
    theta = grid.draw(0, 64, seed=1)
    a = posterior_predictive_check(like, held.y[0], theta, key=jax.random.key(3))
    b = posterior_predictive_check(like, held.y[0], theta, key=jax.random.key(3))
    assert a == b and a.draws == 64 and 1 / 65 <= a.p_value <= 1 and (a.p_value * 65) % 1 < 1e-9
    assert a.calibrated is None and a.flagged == (a.p_value < LEVEL)
    far = held.y[0] * np.array([1.0, 1.0, 3.0])  # r_h three times what any theta gives
    assert posterior_predictive_check(like, far, theta, key=jax.random.key(3)).p_value == pytest.approx(1 / 65)


def test_tempering_a_gaussian_posterior_widens_it_by_one_over_root_beta():
    q0, a = BOX.grid(200)
    qq, aa = np.meshgrid(q0, a, indexing="ij")
    density = np.exp(-0.5 * ((qq - 1.0) / 0.05) ** 2 - 0.5 * ((aa - 120.0) / 10.0) ** 2)[None]
    from clusteremu.inference.gridded import GridPosterior

    grid = GridPosterior(q0, a, density / (density.sum() * (q0[1] - q0[0]) * (a[1] - a[0])))
    assert tempered(grid, 1.0) is grid
    for beta in TEMPERING[1:]:
        m = tempered(grid, beta).moments()
        np.testing.assert_allclose(m["q0_sd"][0], 0.05 / np.sqrt(beta), rtol=5e-3)  # the box truncates a little
        np.testing.assert_allclose(m["a_au_sd"][0], 10.0 / np.sqrt(beta), rtol=5e-3)
