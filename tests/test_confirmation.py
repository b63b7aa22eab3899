"""The confirmation's statistics against known answers: intervals, power, Holm, a known PIT."""

import math

import numpy as np
import pytest
from scipy import stats

from clusteremu.evaluation.confirmation import confirm, detectable_shortfall, holm, wilson_interval
from clusteremu.evaluation.reports import CalibrationReport, ParameterCalibration, TarpResult


def test_the_wilson_interval_matches_its_formula_and_covers():
    lo, hi = wilson_interval(633, 1000)
    assert (round(lo, 4), round(hi, 4)) == (0.6027, 0.6623)  # Wilson (1927), z = 1.96
    assert wilson_interval(0, 50)[0] == 0.0 and wilson_interval(50, 50)[1] == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    # Its coverage of a true proportion is close to nominal (what makes it better than Wald's).
    rng = np.random.default_rng(1)
    k = rng.binomial(200, 0.95, size=4000)
    inside = [lo <= 0.95 <= hi for lo, hi in (wilson_interval(int(x), 200) for x in k)]
    assert 0.93 < np.mean(inside) < 0.97


def test_the_detectable_shortfall_is_detected_with_the_stated_power():
    n, level, alpha, power = 1000, 0.68, 0.05, 0.8
    delta = detectable_shortfall(level, n, alpha, power)
    assert 0.035 < delta < 0.05  # about (1.96 + 0.84) sqrt(0.68 * 0.32 / 1000) = 0.041
    rng = np.random.default_rng(2)
    counts = rng.binomial(n, level - delta, size=3000)
    rejected = np.mean([stats.binomtest(int(k), n, level).pvalue <= alpha for k in counts])
    assert rejected == pytest.approx(power, abs=0.03)
    assert detectable_shortfall(0.95, 390, alpha, power) > detectable_shortfall(0.95, 1000, alpha, power)


def test_holm_rejects_step_down_and_stops_at_the_first_acceptance():
    p = {"a": 0.001, "b": 0.02, "c": 0.04, "d": 0.3}
    assert holm(p, 0.05) == ["a"]  # b: 0.02 > 0.05 / 3
    assert holm({"a": 0.001, "b": 0.012, "c": 0.024, "d": 0.3}, 0.05) == ["a", "b", "c"]
    assert holm({"a": 0.5}, 0.05) == []


def _report(pit_q0, pit_a) -> CalibrationReport:
    def par(pit):
        counts, _ = np.histogram(pit, bins=10, range=(0, 1))
        p = float(stats.chisquare(counts).pvalue)
        return ParameterCalibration(list(pit), [], 0.0, 0.0, p, 2.0, 0.0, 1.0, [], [])

    return CalibrationReport(par(pit_q0), par(pit_a), TarpResult([], [], [], [], 0.5, 0.0, 0.1, True), {})


def test_a_calibrated_pit_passes_and_an_overconfident_one_is_rejected():
    rng = np.random.default_rng(3)
    n = 1200
    q0 = rng.uniform(0.5, 1.5, n)
    edges = np.linspace(0.5, 1.5, 5)
    good = confirm(_report(rng.uniform(size=n), rng.uniform(size=n)), q0, edges, alpha=0.05, power=0.8)
    assert good.rejected == [] and good.calibrated("q0") and good.calibrated("a_au")
    assert abs(good.q0.coverage[0].coverage - 0.68) < 4 * (0.68 * 0.32 / n) ** 0.5
    # a: posteriors 1.3 times too narrow (PIT of a N(0, 1.3^2) truth under N(0, 1))
    narrow = stats.norm.cdf(1.3 * rng.standard_normal(n))
    bad = confirm(_report(rng.uniform(size=n), narrow), q0, edges, alpha=0.05, power=0.8)
    assert bad.calibrated("q0") and not bad.calibrated("a_au")
    assert "a_au: 68% coverage" in bad.rejected and bad.a_au.coverage[0].hi < 0.68
    assert len(bad.q0.quarters) == 4 and sum(c[0].n for c in bad.q0.quarters) == n


def test_the_table_gives_the_interval_ends_as_distances_that_read_back():
    from clusteremu.evaluation.confirmation import IntervalCoverage
    from clusteremu.paper.confirmation_table import _ci

    lo, hi = wilson_interval(633, 1000)  # 0.6027, 0.6623: asymmetric around 0.633
    cell = _ci(IntervalCoverage(0.68, 1000, 0.633, lo, hi, 0.0))
    assert cell == "$0.63^{+0.03}_{-0.03}$"
    cell = _ci(IntervalCoverage(0.95, 50, 1.0, 0.9287, 1.0, 1.0))
    assert cell == "$1.00^{+0.00}_{-0.07}$"  # the ends 0.93 and 1.00 as printed elsewhere
