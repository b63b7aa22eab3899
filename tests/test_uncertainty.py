import numpy as np
import pytest
from scipy import stats

from clusteremu.emulators.uncertainty import NoiseModel, fit_scale, predictive_variance
from clusteremu.evaluation.metrics import (
    central_coverage,
    coverage_curve,
    gaussian_crps,
    gaussian_nlpd,
    noise_floor_ratios,
    perfect_emulator_ratios,
    point_metrics,
    running_mean,
)


@pytest.mark.parametrize("factor", [0.5, 1.0, 2.5])
def test_fit_scale_recovers_a_known_inflation_or_deflation(factor):
    rng = np.random.default_rng(0)
    var_ens, var_sim = rng.uniform(0.5, 2.0, 20000), np.full(20000, 0.3)
    err = rng.normal(size=20000) * factor * np.sqrt(var_ens + var_sim)
    c = fit_scale(err, var_ens, var_sim)
    assert c == pytest.approx(factor, rel=0.03)
    z2 = err**2 / predictive_variance(var_ens, var_sim, c)
    assert np.mean(z2) == pytest.approx(1.0, rel=1e-9), "the calibrated total variance has mean z^2 = 1"


def test_gaussian_scores_against_known_answers():
    rng = np.random.default_rng(1)
    y = rng.normal(size=200000)
    assert np.mean(central_coverage(y, 0.0, 1.0, 0.68)) == pytest.approx(0.68, abs=0.005)
    curve = coverage_curve(y[:, None], 0.0, 1.0, [0.1, 0.5, 0.9])
    np.testing.assert_allclose(curve[:, 0], [0.1, 0.5, 0.9], atol=0.005)
    assert np.mean(gaussian_nlpd(y, 0.0, 1.0)) == pytest.approx(0.5 * np.log(2 * np.pi) + 0.5, abs=0.01)
    # CRPS of N(0,1) at its own draws: E|X - Y| / 2 = 1/sqrt(pi).
    assert np.mean(gaussian_crps(y, 0.0, 1.0)) == pytest.approx(1 / np.sqrt(np.pi), rel=0.01)
    draws = rng.normal(1.0, 2.0, size=(400000,))
    mc = np.mean(np.abs(draws - 0.3)) - 0.5 * np.mean(np.abs(draws[::2] - draws[1::2]))
    assert gaussian_crps(0.3, 1.0, 2.0) == pytest.approx(mc, rel=0.02)


def test_noise_model_is_a_local_smooth_average():
    x = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 10.0]])
    nm = NoiseModel.fit(x, np.array([[1.0], [3.0], [100.0]]), neighbours=1)
    assert float(nm.bandwidth) == pytest.approx(1.0)  # median distance to the nearest other point
    assert float(nm.variance(np.array([[0.5, 0.0]]))[0, 0]) == pytest.approx(2.0, rel=1e-6)  # midway
    assert float(nm.variance(np.array([[10.0, 10.0]]))[0, 0]) == pytest.approx(100.0, rel=1e-6)


def test_point_metrics_and_noise_floor_reference():
    y = np.array([[1.0], [2.0], [3.0]])
    m = point_metrics(y + 0.5, y)
    assert m["rmse"][0] == pytest.approx(0.5) and m["mae"][0] == pytest.approx(0.5)
    assert m["r2"][0] == pytest.approx(1 - 0.75 / 2)
    q = noise_floor_ratios(np.zeros((4, 1)), np.array([[1.0], [2.0], [3.0], [4.0]]), np.ones((4, 1)))
    assert q[0, 0] == pytest.approx(np.quantile([1, 2, 3, 4], 0.68))
    perfect = perfect_emulator_ratios(np.full(20, 4))
    assert perfect[0] == pytest.approx(stats.t.ppf(0.84, 3) / 2, rel=0.05)


def test_running_mean_shows_a_trend():
    x = np.linspace(0, 1, 100)
    xm, rm = running_mean(x, 2 * x, bins=5)
    np.testing.assert_allclose(rm, 2 * xm)
    assert len(xm) == 5 and np.all(np.diff(xm) > 0)


def test_truth_evaluation_of_a_perfect_and_a_biased_model():
    from clusteremu.datasets.splits import SplitData
    from clusteremu.evaluation.truth import gaussian_intervals, truth_evaluation

    rng = np.random.default_rng(3)
    x = np.repeat(np.array([[0.7, 80.0], [1.1, 150.0], [1.3, 100.0]]), 400, axis=0)
    mean = np.column_stack([2 - x[:, 0], x[:, 1] / 40, x[:, 1]])
    sd = np.array([0.1, 0.2, 10.0])
    truth = SplitData(x, mean + rng.normal(size=mean.shape) * sd, np.repeat(np.arange(3), 400))
    pts = truth.point_statistics().x
    true_mean = np.column_stack([2 - pts[:, 0], pts[:, 1] / 40, pts[:, 1]])
    res = truth_evaluation(
        truth,
        {
            "perfect": gaussian_intervals(true_mean, np.tile(sd, (3, 1))),
            "biased": gaussian_intervals(true_mean + sd, np.tile(sd, (3, 1))),
        },
    )
    perfect, biased = res["models"]["perfect"], res["models"]["biased"]
    assert max(perfect["ratio95"]) < 0.2 and min(biased["ratio68"]) > 0.8
    np.testing.assert_allclose(perfect["coverage95"], 0.95, atol=0.02)
    assert max(biased["coverage68"]) < 0.6


def test_the_cluster_bootstrap_error_counts_design_points_not_rows():
    """Known answers: rows of one design point that are exact copies carry no more information
    than one row, so the error of their mean is that of the points' means; independent rows
    give the usual sigma / sqrt(n)."""
    from clusteremu.evaluation.metrics import cluster_se

    rng = np.random.default_rng(0)
    points, copies = 400, 5
    values = rng.standard_normal((points, 1))
    copied = np.repeat(values, copies, axis=0)
    groups = np.repeat(np.arange(points), copies)
    se_points = cluster_se(values, np.arange(points), seed=1)[0]
    se_copied = cluster_se(copied, groups, seed=1)[0]
    assert se_points == pytest.approx(1 / np.sqrt(points), rel=0.1)
    assert se_copied == pytest.approx(se_points, rel=0.1)  # not 1 / sqrt(points * copies)
    rmse = cluster_se(values**2, np.arange(points), sqrt=True, seed=1)[0]
    assert rmse == pytest.approx(np.sqrt(2 / points) / 2, rel=0.15)  # delta method: sd(x^2) = sqrt(2)
