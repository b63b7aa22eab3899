"""The criterion of trust: each condition can fail on its own, and is named when it does."""

import dataclasses

import pytest

from clusteremu.evaluation.reports import (
    CalibrationReport,
    CoverageBin,
    LikelihoodComparison,
    MeasurementStudy,
    ParameterCalibration,
    TarpResult,
)
from clusteremu.evaluation.trust import EMULATOR_OF, assess
from clusteremu.paper.labels import LIKELIHOOD_NAMES


def parameter(cov68=0.68, cov95=0.95, n=400, quarters_ok=True, sbc_p=0.5) -> ParameterCalibration:
    quarter = CoverageBin(0.0, 1.0, n // 4, 0.68, 0.95, 0.05, 0.02, True, quarters_ok)
    return ParameterCalibration(
        pit=[0.5] * n,
        coverage=[],
        coverage68=cov68,
        coverage95=cov95,
        sbc_chi2_p=sbc_p,
        contraction_median=2.0,
        z_bias_mean=0.0,
        z_bias_sd=1.0,
        by_q0=[quarter] * 4,
        by_a=[quarter] * 4,
    )


def report(q0=None, a_au=None, inside_band=True) -> CalibrationReport:
    tarp = TarpResult([], [], [], [], 0.5, 0.0, 0.1, inside_band)
    return CalibrationReport(q0 or parameter(), a_au or parameter(), tarp, {})


def comparison(learned: CalibrationReport) -> LikelihoodComparison:
    """A likelihood comparison holding one likelihood's report (what `assess` reads)."""
    return LikelihoodComparison(
        n_coverage_total=400,
        n_coverage_used=400,
        n_excluded=0,
        n_test_used=0,
        levels=[],
        likelihoods=["learned"],
        recommended="learned",
        coverage_set={"learned": learned},
        test_split={},
        nuts={},
        nuts_check_indices=[],
        cases={},
        measurement=MeasurementStudy("learned", [0.0, 0.0, 0.0], learned),
    )


@pytest.fixture
def results():
    truth = {"models": {"learned": {"ratio68": [0.2, 0.3, 0.25]}}}
    return truth, report()


def test_every_condition_met_is_trusted(results):
    truth, learned = results
    a = assess("learned", truth, comparison(learned))
    assert a["accuracy"] and a["accuracy_ratio68"] == 0.3
    assert a["q0"]["trusted"] and a["a_au"]["trusted"] and a["q0"]["failed"] == []


@pytest.mark.parametrize(
    ("change", "failed_q0", "failed_a"),
    [
        (lambda t, r: (t["models"]["learned"].update(ratio68=[0.2, 1.1, 0.3]), r)[1], ["accuracy"], ["accuracy"]),
        (lambda t, r: dataclasses.replace(r, q0=parameter(cov95=0.90)), ["global"], []),
        (lambda t, r: dataclasses.replace(r, a_au=parameter(quarters_ok=False)), [], ["quarters"]),
        (lambda t, r: dataclasses.replace(r, a_au=parameter(sbc_p=0.01)), [], ["sbc"]),
        (lambda t, r: report(inside_band=False), ["tarp"], ["tarp"]),
    ],
)
def test_each_failed_condition_is_named_for_its_parameter(results, change, failed_q0, failed_a):
    truth, learned = {"models": {"learned": {"ratio68": [0.2, 0.3, 0.25]}}}, results[1]
    a = assess("learned", truth, comparison(change(truth, learned)))
    assert a["q0"]["failed"] == failed_q0 and a["a_au"]["failed"] == failed_a
    assert a["q0"]["trusted"] == (not failed_q0) and a["a_au"]["trusted"] == (not failed_a)


def test_coverage_within_two_binomial_standard_errors_passes():
    truth = {"models": {"learned": {"ratio68": [0.1, 0.1, 0.1]}}}
    se95 = (0.95 * 0.05 / 400) ** 0.5
    learned = report(parameter(cov95=0.95 - 1.9 * se95), parameter(cov95=0.95 - 2.1 * se95))
    a = assess("learned", truth, comparison(learned))
    assert a["q0"]["trusted"] and a["a_au"]["failed"] == ["global"]


def test_every_likelihood_stands_on_an_emulator():
    assert set(EMULATOR_OF) == set(LIKELIHOOD_NAMES)
