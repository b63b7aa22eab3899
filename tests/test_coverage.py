"""The calibration study on posteriors whose exact answer is known."""

import numpy as np
import pytest
from scipy import stats

from clusteremu.coverage import LEVELS, binomial_se, calibration_study, coverage_at, representative_cases
from clusteremu.inference import GridPosterior
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)
NOISE = np.array([0.08, 12.0])  # observation noise of each parameter


def exact_grid_posteriors(n=600, n_grid=120, width=1.0, seed=0):
    """theta ~ prior, y = theta + N(0, NOISE^2); the exact posterior on a grid, optionally
    with its likelihood widths scaled by `width` (width < 1: an overconfident posterior)."""
    theta = BOX.draw(n, seed=seed)
    y = theta + NOISE * np.random.default_rng(seed + 1).normal(size=theta.shape)
    q0, a = BOX.grid(n_grid)
    logp = (stats.norm.logpdf(q0[None, :, None], y[:, 0, None, None], width * NOISE[0])
            + stats.norm.logpdf(a[None, None, :], y[:, 1, None, None], width * NOISE[1]))  # fmt: skip
    dens = np.exp(logp - logp.max(axis=(1, 2), keepdims=True))
    dens /= dens.sum(axis=(1, 2), keepdims=True) * (q0[1] - q0[0]) * (a[1] - a[0])
    return GridPosterior(q0, a, dens), theta


def test_exact_posteriors_are_calibrated():
    grid, theta = exact_grid_posteriors()
    out = calibration_study(grid, theta, BOX)
    n = len(theta)
    for p in ("q0", "a_au"):
        r = out[p]
        for level, cov in zip(LEVELS, r["coverage"], strict=True):
            assert abs(cov - level) < 3 * binomial_se(level, n), (p, level, cov)
        assert r["sbc_chi2_p"] > 0.001
        assert abs(r["z_bias_mean"]) < 0.15 and 0.8 < r["z_bias_sd"] < 1.2
    # contraction: the prior sd over the known posterior sd (truncation makes it a bit larger)
    assert out["q0"]["contraction_median"] == pytest.approx(BOX.prior_sd[0] / NOISE[0], rel=0.1)


def test_overconfident_posteriors_are_caught():
    grid, theta = exact_grid_posteriors(width=0.6)
    out = calibration_study(grid, theta, BOX)
    for p in ("q0", "a_au"):
        assert out[p]["coverage95"] < 0.95 - 3 * binomial_se(0.95, len(theta))
        assert out[p]["sbc_chi2_p"] < 1e-3
        assert out[p]["z_bias_sd"] > 1.4


def test_coverage_at_and_representative_cases():
    assert coverage_at(np.array([0.5, 0.1, 0.9, 0.84, 0.16]), 0.68) == pytest.approx(0.6)
    grid, theta = exact_grid_posteriors(n=50)
    cases = representative_cases(theta, grid, BOX)
    u = (theta - BOX.low) / (BOX.high - BOX.low)
    assert cases["typical"] == int(np.argmin(np.sum((u - 0.5) ** 2, axis=1)))
    assert len(set(cases.values())) == 3
