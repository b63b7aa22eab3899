"""The conditional flow likelihood against a known answer: a theta-dependent correlated Gaussian in z.

The synthetic simulator draws z ~ N(A(theta), C(theta)) with a nonlinear mean and a
heteroscedastic, correlated covariance, and returns y = transform.inverse(z) for clusters of
100 stars (no draw comes near the clipping of the bound fraction, so z(y) = z exactly). A
small flow fitted to 3000 such simulations must match the true density on held-out theta:
the mean of log p_true - log p_flow over fresh draws estimates KL(p_true || p_flow).
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.emulators.flow import _MANY_ROWS, FORMAT, FlowFileError, flow_bytes, load_flow, read_flow_header
from clusteremu.emulators.flow_fit import FlowSettings, fit_flow
from clusteremu.emulators.transforms import SummaryTransform
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)
N_STARS = 100
CORR = np.array([[1.0, 0.5, -0.3], [0.5, 1.0, 0.4], [-0.3, 0.4, 1.0]])
SETTINGS = dict(
    seed=11,
    flow_layers=2,
    knots=8,
    interval=5.0,
    nn_width=32,
    learning_rate=3e-3,
    max_epochs=60,
    patience_epochs=15,
    batch_size=512,
)


def true_moments(theta):
    """Mean (rows, 3) and covariance (rows, 3, 3) of z given theta (rows, 2)."""
    s = (theta - (BOX.low + BOX.high) / 2) / ((BOX.high - BOX.low) / 2)  # each in [-1, 1]
    q, a = s[:, 0], s[:, 1]
    mean = np.stack([1.0 - 1.2 * q + 0.3 * a, 0.5 - 0.4 * a + 0.2 * q**2, 5.0 + 0.5 * a + 0.3 * q], axis=1)
    sd = np.stack([0.25 * (1 + 0.5 * q), 0.1 * (1 + 0.3 * a), np.full_like(q, 0.15)], axis=1)
    return mean, sd[:, :, None] * CORR * sd[:, None, :]


def draw_z(theta, rng):
    mean, cov = true_moments(theta)
    return mean + np.einsum("rij,rj->ri", np.linalg.cholesky(cov), rng.standard_normal(mean.shape))


def true_log_prob_z(z, theta):
    mean, cov = true_moments(theta)
    d = z - mean
    maha = np.sum(d * np.linalg.solve(cov, d[..., None])[..., 0], axis=1)
    return -0.5 * maha - 0.5 * np.linalg.slogdet(cov)[1] - 1.5 * np.log(2 * np.pi)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(2026)
    transform = SummaryTransform(N_STARS)
    theta, theta_val = BOX.draw(3000, seed=1), BOX.draw(600, seed=2)
    y = np.asarray(transform.inverse(draw_z(theta, rng)))
    y_val = np.asarray(transform.inverse(draw_z(theta_val, rng)))
    settings = FlowSettings(**SETTINGS)
    flow, history = fit_flow(theta, y, theta_val, y_val, n_stars=N_STARS, settings=settings, domain=BOX)
    return {"flow": flow, "history": history, "settings": settings, "data": (theta, y, theta_val, y_val)}


def test_flow_matches_true_density_on_held_out_theta(fitted):
    flow, history = fitted["flow"], fitted["history"]
    theta = BOX.draw(600, seed=3)  # held out: new parameters and new draws (as many as validation: one compilation)
    z = draw_z(theta, np.random.default_rng(7))
    gap = true_log_prob_z(z, theta) - np.asarray(flow.log_prob_z(z, theta))
    assert np.mean(gap) < 0.15  # KL(true || flow) in nats per simulation
    assert np.mean(gap) > -3 * np.std(gap) / np.sqrt(gap.size)  # a KL estimate: not significantly negative
    # the history: per-epoch NLL of z for the one member, the kept epoch is its best validation epoch
    (epochs,), (best,) = history.epochs, history.best_epoch
    assert epochs <= fitted["settings"].max_epochs
    assert history.val_nll.shape == history.train_nll.shape == (1, fitted["settings"].max_epochs)
    assert np.all(np.isfinite(history.val_nll[0, :epochs])) and np.all(np.isnan(history.val_nll[0, epochs:]))
    assert best == int(np.argmin(history.val_nll[0, :epochs]))
    theta_val, y_val = fitted["data"][2:]
    z_val = SummaryTransform(N_STARS).forward(y_val)
    # the validation NLL is of the dequantized bound fraction (a jitter of +-1/(2N) on this continuous f)
    assert -np.mean(np.asarray(flow.log_prob_z(z_val, theta_val))) == pytest.approx(history.val_nll[0, best], abs=0.02)
    assert history.val_nll[0, best] < -np.mean(true_log_prob_z(np.asarray(z_val), theta_val)) + 0.15


def test_samples_follow_the_truth(fitted):
    flow = fitted["flow"]
    theta = np.array([[0.7, 80.0], [1.3, 170.0]])
    y = flow.sample(theta, key=jax.random.key(5), n=4000)
    assert y.shape == (4000, 2, 3)  # (n, rows, 3)
    assert np.all((y[..., 0] >= 0) & (y[..., 0] <= 1)) and np.all(y[..., 1:] > 0)
    z = np.asarray(SummaryTransform(N_STARS).forward(y))
    mean, cov = true_moments(theta)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    # standard errors are 0.016 sd; the rest is the flow's error near the box's corners (KL ~ 0.05)
    np.testing.assert_array_less(np.abs(z.mean(axis=0) - mean), 0.3 * sd)
    np.testing.assert_allclose(z.std(axis=0), sd, rtol=0.15)


def test_log_prob_is_differentiable_in_theta(fitted):
    flow = fitted["flow"]
    # fewer rows than the grid's float32 path takes: gradients (NUTS) are evaluated in float64
    theta, y = (v[: _MANY_ROWS - 1] for v in fitted["data"][2:])

    def log_lik(t):  # rows are independent: its gradient holds each row's d log p / d theta
        return jnp.sum(flow.log_prob(y, t))

    grad = np.asarray(jax.grad(log_lik)(jnp.asarray(theta)))
    assert grad.shape == theta.shape and np.all(np.isfinite(grad)) and np.all(np.any(grad != 0, axis=1))
    for j, h in enumerate((1e-5, 1e-3)):  # central differences agree (float64, smooth tanh networks)
        step = np.zeros(2)
        step[j] = h
        fd = (np.asarray(flow.log_prob(y, theta + step)) - np.asarray(flow.log_prob(y, theta - step))) / (2 * h)
        np.testing.assert_allclose(grad[:, j], fd, rtol=1e-5, atol=1e-7)


def test_physical_and_z_densities_differ_by_the_jacobians(fitted):
    flow = fitted["flow"]
    theta, y = fitted["data"][2:]  # the validation split: shapes compiled already
    transform = SummaryTransform(N_STARS)
    z = transform.forward(y)
    lp_y, lp_z = np.asarray(flow.log_prob(y, theta)), np.asarray(flow.log_prob_z(z, theta))
    np.testing.assert_allclose(lp_y - lp_z, transform.log_abs_det_jacobian(y), rtol=0, atol=1e-12)
    # the standardization's Jacobian: stretching z and its scale by 2 about the mean costs log 2 per dimension
    wide = eqx.tree_at(lambda f: f.z_std, flow, 2 * flow.z_std)
    lp_wide = np.asarray(wide.log_prob_z(flow.z_mean + 2 * (z - flow.z_mean), theta))
    np.testing.assert_allclose(lp_z - lp_wide, 3 * np.log(2.0), rtol=0, atol=1e-12)
    # one observation on many theta (a grid) is the same as repeating it
    np.testing.assert_allclose(flow.log_prob_z(z[0], theta), flow.log_prob_z(np.tile(z[0], (len(y), 1)), theta))


def test_save_load_round_trip_and_corruption(fitted, tmp_path):
    flow = fitted["flow"]
    theta, y = fitted["data"][2:]
    path = tmp_path / "flow.eqx"
    raw = flow_bytes(flow, {"note": "test"})
    path.write_bytes(raw)
    header = read_flow_header(path)
    assert header["format"] == FORMAT and header["n_stars"] == N_STARS and header["info"] == {"note": "test"}
    assert header["architecture"]["flow_layers"] == SETTINGS["flow_layers"]
    loaded = load_flow(path)
    assert loaded.domain == BOX and loaded.architecture == flow.architecture
    np.testing.assert_array_equal(loaded.log_prob(y, theta), flow.log_prob(y, theta))
    np.testing.assert_array_equal(loaded.z_std, flow.z_std)

    corrupt = bytearray(raw)
    corrupt[-100] ^= 0xFF
    (tmp_path / "corrupt.eqx").write_bytes(bytes(corrupt))
    with pytest.raises(FlowFileError, match="corrupted"):
        load_flow(tmp_path / "corrupt.eqx")
    (tmp_path / "foreign.eqx").write_bytes(b'{"format": "clusteremu.emulator/3"}\n' + raw.partition(b"\n")[2])
    with pytest.raises(FlowFileError, match=f"expected '{FORMAT}'"):
        load_flow(tmp_path / "foreign.eqx")
    (tmp_path / "junk.eqx").write_bytes(b"\x00\x01 not json\n")
    with pytest.raises(FlowFileError, match="no JSON header"):
        load_flow(tmp_path / "junk.eqx")
    with pytest.raises(FlowFileError, match="cannot read"):
        load_flow(tmp_path / "missing.eqx")


def test_settings_from_config_and_bad_inputs():
    settings = FlowSettings.from_config({"flow": SETTINGS, "emulator": {}})
    assert settings == FlowSettings(**SETTINGS)
    assert settings.architecture.knots == SETTINGS["knots"]
    with pytest.raises(TypeError):
        FlowSettings.from_config({"flow": {**SETTINGS, "surprise": 1}})
    with pytest.raises(ValueError, match="positive"):
        FlowSettings(**{**SETTINGS, "batch_size": 0})
    theta, y = BOX.draw(10, seed=0), np.tile([0.5, 1.0, 100.0], (10, 1))
    y_bad = y.copy()
    y_bad[3, 1] = np.nan  # sigma_v undefined (too few bound stars)
    with pytest.raises(ValueError, match="1 rows with non-finite"):
        fit_flow(theta, y_bad, theta, y, n_stars=N_STARS, settings=settings, domain=BOX)


@pytest.mark.slow
def test_fit_is_deterministic(fitted):
    """A second fit from the same seed retraces the first one's epochs to the last bit (the
    fixture's, stopped later: the stopping rule only ends the path, it does not change it)."""
    theta, y, theta_val, y_val = fitted["data"]
    settings = FlowSettings(**{**SETTINGS, "max_epochs": 5})
    _, again = fit_flow(theta, y, theta_val, y_val, n_stars=N_STARS, settings=settings, domain=BOX)
    first = fitted["history"]
    assert first.epochs.min() > 5 and np.all(again.epochs == 5)
    np.testing.assert_array_equal(again.train_nll[:, :5], first.train_nll[:, :5])
    np.testing.assert_array_equal(again.val_nll[:, :5], first.val_nll[:, :5])
