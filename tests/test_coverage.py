"""The calibration study on posteriors whose exact answer is known."""

import numpy as np
import pytest
from scipy import stats

from clusteremu.evaluation.coverage import (
    LEVELS,
    binned_coverage,
    binomial_se,
    calibration_study,
    coverage_at,
    representative_cases,
    tarp,
)
from clusteremu.inference.grid import GridPosterior
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)
NOISE = np.array([0.08, 12.0])  # observation noise of each parameter


def exact_grid_posteriors(n=600, n_grid=120, width=1.0, seed=0):
    """theta ~ prior, y = theta + N(0, NOISE^2); the exact posterior on a grid, optionally
    with its likelihood widths scaled by `width` (width < 1: an overconfident posterior)."""
    theta = BOX.draw(n, seed=seed)
    y = theta + NOISE * np.random.default_rng(seed + 1).normal(size=theta.shape)
    q0, a = BOX.grid(n_grid)
    logp = stats.norm.logpdf(q0[None, :, None], y[:, 0, None, None], width * NOISE[0]) + stats.norm.logpdf(
        a[None, None, :], y[:, 1, None, None], width * NOISE[1]
    )
    dens = np.exp(logp - logp.max(axis=(1, 2), keepdims=True))
    dens /= dens.sum(axis=(1, 2), keepdims=True) * (q0[1] - q0[0]) * (a[1] - a[0])
    return GridPosterior(q0, a, dens), theta


def test_exact_posteriors_are_calibrated():
    grid, theta = exact_grid_posteriors()
    out = calibration_study(grid, theta, BOX)
    n = len(theta)
    for p in ("q0", "a_au"):
        r = getattr(out, p)
        for level, cov in zip(LEVELS, r.coverage, strict=True):
            assert abs(cov - level) < 3 * binomial_se(level, n), (p, level, cov)
        assert r.sbc_chi2_p > 0.001
        assert abs(r.z_bias_mean) < 0.15 and 0.8 < r.z_bias_sd < 1.2
    # contraction: the prior sd over the known posterior sd (truncation makes it a bit larger)
    assert out.q0.contraction_median == pytest.approx(BOX.prior_sd[0] / NOISE[0], rel=0.1)


def test_overconfident_posteriors_are_caught():
    grid, theta = exact_grid_posteriors(width=0.6)
    out = calibration_study(grid, theta, BOX)
    for p in ("q0", "a_au"):
        r = getattr(out, p)
        assert r.coverage95 < 0.95 - 3 * binomial_se(0.95, len(theta))
        assert r.sbc_chi2_p < 1e-3
        assert r.z_bias_sd > 1.4


def test_coverage_at_and_representative_cases():
    assert coverage_at(np.array([0.5, 0.1, 0.9, 0.84, 0.16]), 0.68) == pytest.approx(0.6)
    grid, theta = exact_grid_posteriors(n=50)
    cases = representative_cases(theta, grid, BOX)
    u = (theta - BOX.low) / (BOX.high - BOX.low)
    assert cases["typical"] == int(np.argmin(np.sum((u - 0.5) ** 2, axis=1)))
    assert len(set(cases.values())) == 3


def test_tarp_passes_exact_posteriors_and_catches_overconfident_ones():
    grid, theta = exact_grid_posteriors(n_grid=100)
    # the truths were drawn with seed 0 too: the reference points must not be those same points
    ok = tarp(grid, theta, BOX, seed=0)
    n = len(theta)
    assert len(ok["f"]) == n and all(0.0 <= f <= 1.0 for f in ok["f"])
    assert ok["alpha"] == pytest.approx(LEVELS)
    assert ok["ks_p"] > 0.01
    # the band is simultaneous (Kolmogorov, 95%): calibrated posteriors stay inside it at every level
    assert ok["inside_band"]
    assert ok["band"] == pytest.approx(stats.kstwo.ppf(0.95, n))
    assert ok["max_deviation"] < ok["band"]

    grid, theta = exact_grid_posteriors(n_grid=100, width=0.6)
    bad = tarp(grid, theta, BOX, seed=0)
    assert bad["ks_p"] < 1e-3
    assert not bad["inside_band"]
    assert bad["max_deviation"] > 3 * binomial_se(0.5, n)


def test_tarp_by_hand_on_point_mass_posteriors():
    q0, a = BOX.grid(4)
    h = (q0[1] - q0[0]) * (a[1] - a[0])
    m = 8  # cases of each two-cell kind below
    dens = np.zeros((1 + 2 * m, 4, 4))
    dens[0, 1, 2] = 1.0 / h  # all mass on the truth's own cell: never strictly closer, f = 0
    dens[1:, 0, 0], dens[1:, 3, 3] = 0.3 / h, 0.7 / h
    corner0, corner3 = np.array([q0[0], a[0]]), np.array([q0[3], a[3]])
    truth = np.vstack([[q0[1], a[2]], np.tile(corner0, (m, 1)), np.tile(corner3, (m, 1))])
    out = tarp(GridPosterior(q0, a, dens), truth, BOX, seed=5)

    assert BOX.contains(np.array(out["reference"])).all()
    unit = (np.array(out["reference"]) - BOX.low) / (BOX.high - BOX.low)
    d0 = np.linalg.norm((corner0 - BOX.low) / (BOX.high - BOX.low) - unit, axis=1)
    d3 = np.linalg.norm((corner3 - BOX.low) / (BOX.high - BOX.low) - unit, axis=1)
    # truth in cell (0, 0): only cell (3, 3), with mass 0.7, can be closer; and the other way round
    expected = np.concatenate([[0.0], 0.7 * (d3 < d0)[1 : m + 1], 0.3 * (d0 < d3)[m + 1 :]])
    assert {0.0, 0.3, 0.7} <= set(np.round(expected, 12))  # every outcome occurs: a real check
    assert out["f"] == pytest.approx(expected)
    assert out["ecp"] == pytest.approx([np.mean(expected < lv) for lv in LEVELS])


def test_tarp_does_not_depend_on_units():
    grid, theta = exact_grid_posteriors(n=100, n_grid=40, width=0.8)
    out = tarp(grid, theta, BOX, seed=2)
    # a in metres-like units: a 1000 times wider axis must not change any distance ranking
    box_m = ParameterBox(BOX.q0_min, BOX.q0_max, 1e3 * BOX.a_min_au, 1e3 * BOX.a_max_au)
    grid_m = GridPosterior(grid.q0, 1e3 * grid.a_au, grid.density / 1e3)
    scaled = tarp(grid_m, theta * np.array([1.0, 1e3]), box_m, seed=2)
    assert scaled["f"] == pytest.approx(out["f"], abs=1e-12)
    with pytest.raises(ValueError, match="posteriors"):
        tarp(grid, theta[:-1], BOX, seed=2)


def test_binned_coverage_known_answers():
    assert BOX.quarter_edges("q0") == pytest.approx([0.5, 0.75, 1.0, 1.25, 1.5])
    # bin [0, 1): 10 cases, 7 inside the 68% interval (|PIT - 0.5| <= 0.34), all 10 inside the 95% one;
    # bin [1, 2): 4 cases, none inside either; bin [2, 3): empty; bin [3, 4]: 1 case on the closed edge
    pit = np.array([0.5] * 7 + [0.1, 0.9, 0.85] + [0.0, 1.0, 0.01, 0.99] + [0.5])
    values = np.array([0.0] * 5 + [0.5] * 5 + [1.0, 1.5, 1.9, 1.99] + [4.0])
    out = binned_coverage(pit, values, [0.0, 1.0, 2.0, 3.0, 4.0])
    assert [b["n"] for b in out] == [10, 4, 0, 1]
    assert [(b["lo"], b["hi"]) for b in out] == [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)]
    b = out[0]
    assert b["coverage68"] == pytest.approx(0.7) and b["coverage95"] == pytest.approx(1.0)
    assert b["se68"] == pytest.approx(np.sqrt(0.68 * 0.32 / 10)) and b["se95"] == pytest.approx(binomial_se(0.95, 10))
    assert b["within_2se68"] and b["within_2se95"]
    b = out[1]
    assert b["coverage68"] == 0.0 and b["coverage95"] == 0.0
    assert not b["within_2se68"] and not b["within_2se95"]
    empty = out[2]
    assert np.isnan(empty["coverage68"]) and np.isnan(empty["se95"])
    assert empty["within_2se68"] is False and empty["within_2se95"] is False
    assert out[3]["coverage68"] == 1.0
    # cases outside the edges are not counted; other levels get their own keys
    (only,) = binned_coverage(pit, values, np.array([0.0, 0.9]), levels=(0.5,))
    assert only["n"] == 10 and only["coverage50"] == pytest.approx(0.7)
    with pytest.raises(ValueError, match="increasing"):
        binned_coverage(pit, values, [1.0, 0.0])


def test_binned_coverage_of_exact_posteriors_is_right_in_every_bin():
    grid, theta = exact_grid_posteriors(n=800, n_grid=80)
    pit = grid.cdf("q0", theta[:, 0])
    bins = binned_coverage(pit, theta[:, 0], BOX.quarter_edges("q0"))
    assert sum(b["n"] for b in bins) == len(theta)
    for b in bins:
        assert abs(b["coverage68"] - 0.68) < 3 * b["se68"] and abs(b["coverage95"] - 0.95) < 3 * b["se95"]
    grid, theta = exact_grid_posteriors(n=800, n_grid=80, width=0.6)
    pit = grid.cdf("q0", theta[:, 0])
    bins = binned_coverage(pit, theta[:, 0], BOX.quarter_edges("q0"))
    assert not any(b["within_2se68"] for b in bins)


def test_the_calibration_report_round_trips_through_json(tmp_path):
    """The typed report writes the same JSON it reads back: no field lost or renamed."""
    import json

    from clusteremu.evaluation.coverage import calibration_report
    from clusteremu.evaluation.reports import CalibrationReport, from_jsonable, to_jsonable

    grid, theta = exact_grid_posteriors()
    report = calibration_report(grid, theta, BOX, seed=3)
    text = json.dumps(to_jsonable(report), sort_keys=True)
    again = from_jsonable(CalibrationReport, json.loads(text))
    assert again == report and json.dumps(to_jsonable(again), sort_keys=True) == text
    assert set(report.checks) == {"global", "quarters", "sbc", "tarp"}
    with pytest.raises(ValueError, match="missing: \\['coverage95'\\]"):
        broken = to_jsonable(report)
        del broken["q0"]["coverage95"]
        from_jsonable(CalibrationReport, broken)
