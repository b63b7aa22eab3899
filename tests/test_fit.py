"""Fitting an emulator on a synthetic campaign whose truth is known."""

import numpy as np
import pytest

from clusteremu.datasets.splits import Normalizer, load_emulator_data
from clusteremu.datasets.table import dataset_to_csv
from clusteremu.emulators.mean_fit import EmulatorSettings, fit_emulator
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)
SETTINGS = EmulatorSettings(
    seed=0,
    n_members=3,
    hidden_width=32,
    hidden_layers=2,
    learning_rate=3e-3,
    max_epochs=3000,
    patience_epochs=300,
    noise_neighbours=8,
)


def truth(x):
    """Smooth means of the three summaries and a noise sd that grows with Q0."""
    q, a = x[:, 0], x[:, 1]
    mean = np.column_stack([1.2 - 0.6 * q, 8.0 / np.sqrt(a / 50.0) * (1.2 - 0.3 * q), 1.3 * a * (0.5 + q)])
    sd = np.column_stack([0.01 + 0.04 * (q - 0.5), 0.1 + 0.0 * q, 10.0 + 20.0 * (q - 0.5)])
    return mean, sd


def campaign(path, n_points=200, realizations=4, seed=0):
    rng = np.random.default_rng(seed)
    x = BOX.draw(n_points, seed=seed)
    split = rng.permutation(np.repeat(["train", "validation", "test"], [120, 40, 40]))
    rows = np.repeat(np.arange(n_points), realizations)
    mean, sd = truth(x[rows])
    y = mean + sd * rng.normal(size=mean.shape)
    y[split[rows] == "test"] = np.nan  # the fit must never read the test split
    n = rows.size
    cols = {
        "point": rows,
        "realization": np.tile(np.arange(realizations), n_points),
        "q0": x[rows, 0],
        "a_au": x[rows, 1],
        "split": split[rows],
        "seed": np.arange(n),
        "f_bound": y[:, 0],
        "sigma_v_kms": y[:, 1],
        "r_h_au": y[:, 2],
        "n_bound": np.full(n, 50),
        "few_bound": np.zeros(n, bool),
        "energy_error": np.zeros(n),
        "energy_error_final": np.zeros(n),
        "flag_energy": np.zeros(n, bool),
    }
    path.write_text(dataset_to_csv(cols))
    return load_emulator_data(path)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    data = campaign(tmp_path_factory.mktemp("fit") / "campaign.csv")
    return data, fit_emulator(data, SETTINGS, BOX)


def test_fit_never_reads_the_test_split_and_normalizes_on_training_only(fitted):
    data, fit = fitted
    em = fit.emulator
    assert np.all(np.isnan(data.test.y)), "the test outcomes were hidden"
    assert np.all(np.isfinite(np.asarray(em.scale))) and np.all(np.isfinite(np.asarray(em.residual_cov)))
    ref = Normalizer.fit(data.train)
    np.testing.assert_array_equal(np.asarray(em.normalizer.y_mean), np.asarray(ref.y_mean))
    assert em.domain == BOX and fit.history.epochs > 0


def test_fitted_mean_noise_and_widths_match_the_truth(fitted):
    data, fit = fitted
    em = fit.emulator
    x = BOX.draw(400, seed=9)
    mean, sd = truth(x)
    p = em.predict(x)
    # the mean is learned to a fraction of the noise, the noise model finds the trend in sd
    assert np.all(np.sqrt(np.mean((p.mean - mean) ** 2, axis=0)) < 0.8 * sd.mean(axis=0))
    lo, hi = x[:, 0] < 0.8, x[:, 0] > 1.2
    assert p.sim_sd[hi, 0].mean() > 1.5 * p.sim_sd[lo, 0].mean()
    np.testing.assert_allclose(np.asarray(em.residual_sd), np.sqrt(np.mean(sd**2, axis=0)), rtol=0.35)


def test_calibrated_intervals_cover_new_realizations(fitted):
    _, fit = fitted
    rng = np.random.default_rng(11)
    x = BOX.draw(2000, seed=12)
    mean, sd = truth(x)
    y = mean + sd * rng.normal(size=mean.shape)
    p = fit.emulator.predict(x)
    cover = np.mean(np.abs(y - p.mean) <= 1.96 * p.total_sd, axis=0)
    assert np.all(np.abs(cover - 0.95) < 0.04), cover
