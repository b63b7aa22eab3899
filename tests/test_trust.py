"""The criterion of trust: each condition can fail on its own, and is named when it does."""

import copy

import pytest

from clusteremu.evaluation.trust import EMULATOR_OF, assess
from clusteremu.paper.labels import LIKELIHOOD_NAMES


def report(cov68=0.68, cov95=0.95, n=400, quarters_ok=True, sbc_p=0.5):
    quarter = {"within_2se68": True, "within_2se95": quarters_ok}
    return {
        "pit": [0.5] * n,
        "coverage68": cov68,
        "coverage95": cov95,
        "by_q0": [dict(quarter) for _ in range(4)],
        "sbc_chi2_p": sbc_p,
    }


@pytest.fixture
def results():
    truth = {"models": {"learned": {"ratio68": [0.2, 0.3, 0.25]}}}
    inference = {"coverage_set": {"learned": {"q0": report(), "a_au": report(), "tarp": {"inside_band": True}}}}
    return truth, inference


def test_every_condition_met_is_trusted(results):
    a = assess("learned", *results)
    assert a["accuracy"] and a["accuracy_ratio68"] == 0.3
    assert a["q0"]["trusted"] and a["a_au"]["trusted"] and a["q0"]["failed"] == []


@pytest.mark.parametrize(
    ("change", "failed_q0", "failed_a"),
    [
        (lambda t, i: t["models"]["learned"].update(ratio68=[0.2, 1.1, 0.3]), ["accuracy"], ["accuracy"]),
        (lambda t, i: i["coverage_set"]["learned"]["q0"].update(coverage95=0.90), ["global"], []),
        (lambda t, i: i["coverage_set"]["learned"].update(a_au=report(quarters_ok=False)), [], ["quarters"]),
        (lambda t, i: i["coverage_set"]["learned"]["a_au"].update(sbc_chi2_p=0.01), [], ["sbc"]),
        (lambda t, i: i["coverage_set"]["learned"].update(tarp={"inside_band": False}), ["tarp"], ["tarp"]),
    ],
)
def test_each_failed_condition_is_named_for_its_parameter(results, change, failed_q0, failed_a):
    truth, inference = copy.deepcopy(results)
    change(truth, inference)
    a = assess("learned", truth, inference)
    assert a["q0"]["failed"] == failed_q0 and a["a_au"]["failed"] == failed_a
    assert a["q0"]["trusted"] == (not failed_q0) and a["a_au"]["trusted"] == (not failed_a)


def test_coverage_within_two_binomial_standard_errors_passes():
    truth = {"models": {"learned": {"ratio68": [0.1, 0.1, 0.1]}}}
    se95 = (0.95 * 0.05 / 400) ** 0.5
    inf = {
        "coverage_set": {
            "learned": {
                "q0": report(cov95=0.95 - 1.9 * se95),
                "a_au": report(cov95=0.95 - 2.1 * se95),
                "tarp": {"inside_band": True},
            }
        }
    }
    a = assess("learned", truth, inf)
    assert a["q0"]["trusted"] and a["a_au"]["failed"] == ["global"]


def test_every_likelihood_stands_on_an_emulator():
    assert set(EMULATOR_OF) == set(LIKELIHOOD_NAMES)
