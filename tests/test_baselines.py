import numpy as np
import pytest

from clusteremu.datasets.splits import EmulatorData, SplitData
from clusteremu.emulators.baselines import (
    GPBaseline,
    KNNBaseline,
    LinearBaseline,
    MeanBaseline,
    RBFBaseline,
    fit_baselines,
    rmse_unit,
    tune,
)
from clusteremu.prior import ParameterBox


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)

    def f(x):
        return np.column_stack([np.sin(2 * x[:, 0]), x[:, 0] * x[:, 1]])

    x, xv, xt = (rng.uniform(-1.5, 1.5, size=(n, 2)) for n in (300, 100, 100))
    return x, f(x) + 0.05 * rng.normal(size=(300, 2)), xv, f(xv) + 0.05 * rng.normal(size=(100, 2)), xt, f(xt)


def test_linear_is_exact_on_a_plane():
    x = np.random.default_rng(1).normal(size=(30, 2))
    y = np.column_stack([1 + 2 * x[:, 0] - x[:, 1], np.full(30, 4.0)])
    np.testing.assert_allclose(LinearBaseline().fit(x, y).predict(x), y, atol=1e-12)
    np.testing.assert_allclose(MeanBaseline().fit(x, y).predict(x[:2]), np.tile(y.mean(0), (2, 1)))


def test_tuned_baselines_beat_the_mean_and_gp_reports_its_noise(data):
    x, y, xv, yv, xt, ft = data
    k, knn, scores = tune(KNNBaseline, range(1, 30), x, y, xv, yv)
    assert 1 < k < 29 and scores[k] == min(scores.values())
    _, rbf, _ = tune(RBFBaseline, np.logspace(-3, 1, 5).tolist(), x, y, xv, yv)
    gp = GPBaseline(n_restarts=0, seed=0).fit(x, y)
    mean_rmse = rmse_unit(MeanBaseline().fit(x, y).predict(xt), ft)
    for model in (knn, rbf, gp):
        assert rmse_unit(model.predict(xt), ft) < 0.3 * mean_rmse
    _, sd = gp.predict(xt, return_std=True)
    assert np.median(sd) == pytest.approx(0.05, rel=0.4), "predictive sd includes the learned noise"


def test_fit_baselines_normalizes_itself_and_predicts_in_physical_units(data):
    x, y, xv, yv, xt, ft = data
    scale = np.array([[0.5, 100.0]]), np.array([[0.2, 300.0]])  # physical units, far from unit scale

    def split(a, b):
        b3 = np.column_stack([b, b[:, 0]])  # three outputs, as the library expects
        return SplitData(a * scale[0] + 1.0, b3 * np.array([[0.2, 300.0, 0.2]]) + 5.0, np.arange(len(a)))

    data3 = EmulatorData({"train": split(x, y), "validation": split(xv, yv), "test": split(xt, ft)}, 0, 0)
    settings = {
        "seed": 0,
        "knn_k_max": 20,
        "rbf_log10_smoothing_min": -3.0,
        "rbf_log10_smoothing_max": 1.0,
        "gp_restarts": 0,
    }
    out, gp = fit_baselines(data3, settings, ParameterBox(0.5, 1.5, 50.0, 200.0))
    mean, var = gp.predict(data3.test.x)
    np.testing.assert_allclose(np.asarray(mean), np.asarray(out["gp"]["test"]["mean"]), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.asarray(var)), np.asarray(out["gp"]["test"]["sd"]), rtol=1e-6)
    assert set(out) == {"mean", "linear", "knn", "rbf", "gp"}
    truth = data3.test.y
    for name in ("knn", "rbf", "gp"):
        pred = np.asarray(out[name]["test"]["mean"])
        assert np.sqrt(np.mean((pred - truth) ** 2, axis=0))[1] < 0.3 * truth[:, 1].std(), name
    assert np.asarray(out["gp"]["test"]["sd"]).shape == truth.shape
    np.testing.assert_allclose(np.asarray(out["mean"]["test"]["mean"])[0], data3.train.y.mean(axis=0))
