"""The learned-noise ensemble on synthetic data with known heteroscedastic, correlated noise."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from clusteremu.datasets.splits import load_emulator_data
from clusteremu.datasets.table import dataset_to_csv
from clusteremu.emulators.learned_noise import LearnedSettings, fit_learned, gaussian_nll
from clusteremu.emulators.mlp import MLP
from clusteremu.emulators.transforms import SummaryTransform
from clusteremu.inference.family import LearnedLikelihood
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)
N_STARS = 100
SETTINGS = LearnedSettings(
    seed=0,
    n_members=3,
    hidden_width=32,
    hidden_layers=2,
    learning_rate=3e-3,
    max_epochs=2000,
    patience_epochs=200,
    beta=0.5,
)


def truth_z(x):
    """Mean and covariance of z given theta: the noise grows with Q0, logs are correlated."""
    q, a = x[:, 0], x[:, 1]
    mean = np.column_stack([3.0 - 3.5 * q, np.log(6.0) - 0.5 * np.log(a / 50.0) - 0.3 * q, np.log(1.3 * a) + 0.5 * q])
    sd = np.column_stack([0.2 + 0.6 * (q - 0.5), 0.05 + 0.1 * (q - 0.5), 0.08 + 0.15 * (q - 0.5)])
    corr = np.array([[1.0, 0.3, -0.2], [0.3, 1.0, -0.5], [-0.2, -0.5, 1.0]])
    return mean, sd[:, :, None] * corr * sd[:, None, :]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    rng = np.random.default_rng(1)
    n_points, m = 200, 8
    x = BOX.draw(n_points, seed=2)
    split = rng.permutation(np.repeat(["train", "validation", "test"], [140, 30, 30]))
    rows = np.repeat(np.arange(n_points), m)
    mean, cov = truth_z(x[rows])
    z = mean + np.einsum("nij,nj->ni", np.linalg.cholesky(cov), rng.normal(size=mean.shape))
    y = np.asarray(SummaryTransform(N_STARS).inverse(z))
    n = len(rows)
    cols = {
        "point": rows,
        "realization": np.tile(np.arange(m), n_points),
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
    cols["few_bound"] = x[rows, 0] > 1.3 + 0.2 * rng.uniform(size=n)  # unusable more often at high Q0
    path = tmp_path_factory.mktemp("learned") / "campaign.csv"
    path.write_text(dataset_to_csv(cols))
    return fit_learned(load_emulator_data(path), SETTINGS, BOX, N_STARS).emulator


def test_nll_is_the_gaussian_negative_log_density():
    model = MLP((2, 8, 9), key=jax.random.key(0))
    x = jnp.asarray(np.random.default_rng(0).normal(size=(5, 2)), jnp.float32)
    z = jnp.asarray(np.random.default_rng(1).normal(size=(5, 3)), jnp.float32)
    from clusteremu.emulators.learned_noise import _gaussian

    mean, chol = jax.vmap(_gaussian)(jax.vmap(model)(x))
    logp = [
        stats.multivariate_normal(np.asarray(m), np.asarray(c @ c.T)).logpdf(np.asarray(zz))
        for m, c, zz in zip(mean, chol, z, strict=True)
    ]
    expected = -np.mean(logp) - 1.5 * np.log(2 * np.pi)
    assert float(gaussian_nll(model, x, z)) == pytest.approx(expected, rel=1e-4)


@pytest.mark.slow  # fits an ensemble (~40 s)
def test_learned_covariance_tracks_the_true_noise(fitted):
    x = BOX.draw(300, seed=5)
    _, cov = truth_z(x)
    m = fitted.moments(x)
    true_sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    sim_sd = np.sqrt(np.diagonal(np.asarray(m.aleatoric), axis1=1, axis2=2))
    assert np.median(np.abs(sim_sd / true_sd - 1)) < 0.25
    hi, lo = x[:, 0] > 1.2, x[:, 0] < 0.8
    assert sim_sd[hi, 0].mean() > 2 * sim_sd[lo, 0].mean(), "heteroscedasticity is learned"


@pytest.mark.slow  # fits an ensemble (~40 s)
def test_predictions_are_physical_and_intervals_cover_new_realizations(fitted):
    rng = np.random.default_rng(7)
    x = BOX.draw(2000, seed=8)
    mean, cov = truth_z(x)
    z = mean + np.einsum("nij,nj->ni", np.linalg.cholesky(cov), rng.normal(size=mean.shape))
    y = np.asarray(SummaryTransform(N_STARS).inverse(z))
    p = fitted.predict(x)
    cover95 = np.mean((y >= p.lo95) & (y <= p.hi95), axis=0)
    assert np.all(np.abs(cover95 - 0.95) < 0.04), cover95
    wide = np.stack(np.meshgrid(np.linspace(0.3, 1.7, 40), np.linspace(20, 240, 40)), -1).reshape(-1, 2)
    pw = fitted.predict(wide)
    for arr in (pw.mean, pw.lo95, pw.hi95):
        assert arr[:, 0].min() >= 0 and arr[:, 0].max() <= 1 and arr[:, 1:].min() > 0


@pytest.mark.slow  # fits an ensemble (~40 s)
def test_selection_and_likelihood_in_physical_units(fitted):
    assert float(fitted.selection.prob_usable(np.array([[0.6, 100.0]]))[0]) > 0.95
    assert float(fitted.selection.prob_usable(np.array([[1.48, 100.0]]))[0]) < 0.3
    like = LearnedLikelihood(fitted)
    theta = np.array([[1.0, 120.0], [0.7, 60.0]])
    obs = np.array([[0.6, 4.0, 180.0]])
    m = like.prepare(theta)
    t = fitted.transform
    z = np.asarray(t.forward(obs))[0]
    expected = [
        stats.multivariate_normal(np.asarray(m.mean[k]), np.asarray(m.total[k])).logpdf(z)
        + float(t.log_abs_det_jacobian(obs)[0])
        for k in range(2)
    ]
    np.testing.assert_allclose(np.asarray(like.log_prob(obs, m))[0], expected, rtol=1e-9)
    noisy = LearnedLikelihood(fitted, obs_sd=[0.05, 0.5, 30.0])
    assert np.all(np.asarray(noisy.log_prob(obs, m)) != np.asarray(like.log_prob(obs, m)))
