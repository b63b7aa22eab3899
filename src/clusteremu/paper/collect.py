"""Every variable of the manuscript (`_variables.yml`), collected from the results in one call.

[`collect_variables`][] is the work of `analysis/90_variables.py`: the claims are checked
first ([`clusteremu.paper.claims.check_claims`][]), then each section of the file is made
by the module that writes that part of the paper:

| module | sections or sentences |
|---|---|
| [`clusteremu.paper.numbers`][] | `design`, `sim`, `val`, `campaign`, `emu`, `truth`, `sel`, `lc` |
| [`clusteremu.paper.findings`][] | the likelihood comparison and the NUTS check (`inf`) |
| [`clusteremu.paper.reference_findings`][] | the reference bank (`ref`) |
| [`clusteremu.paper.verdict`][] | the confirmation set and the answer (`conf`, `verdict`) |
| [`clusteremu.paper.robustness_text`][] | the flow, its diagnosis, measurement errors (`flow`, `diag`, `meas`) |
| [`clusteremu.paper.misspecification_text`][] | the misspecification study and the model check (`mis`) |
| [`clusteremu.paper.costs_text`][] | the costs and their break-even (`costs`) |
| [`clusteremu.paper.framing`][] | the dimensionless testbed and its mapping to a real group (`framing`) |
| [`clusteremu.paper.calibration_text`][], [`clusteremu.paper.integration_text`][] | one sentence each (`emu`, `mis`) |
| [`clusteremu.paper.colophon`][] | `build`: authors, repository, archive, commit, versions |
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

from ..evaluation.trust import ACCURACY_TARGETS, EFFICIENCY_DMEAN, EFFICIENCY_SD_RATIO, assess
from .calibration_text import calibration_sentence
from .claims import check_claims
from .colophon import build_info
from .costs_text import cost_vars
from .findings import inference_vars
from .framing import framing_vars
from .integration_text import integration_sentence
from .misspecification_text import misspecification_vars
from .numbers import (
    campaign_vars,
    design_vars,
    emulator_vars,
    learning_curve_vars,
    selection_vars,
    simulation_vars,
    truth_vars,
    validation_vars,
)
from .reference_findings import reference_vars
from .robustness_text import diagnosis_vars, flow_vars, measurement_vars
from .verdict import confirmation_vars, verdict_vars

__all__ = ["collect_variables"]

_NORMAL = NormalDist()


def _shifted_coverage(level: float, shift: float) -> float:
    """Coverage of the central `level` interval of a normal posterior whose centre lies
    `shift` of its standard deviations from the truth: P(|Z + shift| < z)."""
    z = _NORMAL.inv_cdf(0.5 + level / 2)
    return _NORMAL.cdf(z - shift) - _NORMAL.cdf(-z - shift)


def collect_variables(config: Any, results: Mapping[str, Any]) -> dict[str, Any]:
    """The manuscript's variables, by section.

    `config` must read the profile sections the text quotes; `results` holds each step's
    result by name (`design_summary`, `validation`, `campaign`, `training`, `learned`,
    `flow`, `evaluation`, `truth`, `inference` (a
    [`LikelihoodComparison`][clusteremu.evaluation.reports.LikelihoodComparison]), `confirmation`
    (a [`ConfirmationStudy`][clusteremu.evaluation.confirmation.ConfirmationStudy]), `reference` (a
    [`ReferenceBank`][clusteremu.evaluation.reference_bank.ReferenceBank]), `check` (a
    [`CheckCalibration`][clusteremu.evaluation.check_calibration.CheckCalibration]), `diagnosis`
    (a [`FlowDiagnosis`][clusteremu.evaluation.flow_diagnosis.FlowDiagnosis]),
    `misspecification` (a
    [`MisspecificationStudy`][clusteremu.evaluation.misspecification.MisspecificationStudy]),
    `learning_curve`, `costs`). Raises [`ClaimError`][clusteremu.paper.claims.ClaimError] if a
    claim is false and the profile says `manuscript.claims: fail`.
    """
    claims = check_claims(results, config["manuscript"]["claims"])
    # the recommended emulator's worst 68th-percentile error, for the question of larger N
    error68 = assess(results["inference"].recommended, results["truth"], results["confirmation"], results["reference"])[
        "accuracy_ratio68"
    ]
    n_variants = len(results["misspecification"].rows) - 1  # the first row is the model's own physics
    costs = cost_vars(results["costs"], results["campaign"], results["reference"], config, n_variants)
    return {
        "build": {**build_info(config), "claims": claims},
        "lv": {"i68": 68, "i90": 90, "i95": 95, "alpha": 5, "p99": 99},
        "crit": {
            "acc68": f"{ACCURACY_TARGETS[0]:g}",
            "acc95": f"{ACCURACY_TARGETS[1]:g}",
            "eff50": f"{EFFICIENCY_DMEAN[0]:g}",
            "eff90": f"{EFFICIENCY_DMEAN[1]:g}",
            "sd_lo": f"{EFFICIENCY_SD_RATIO[0]:g}",
            "sd_hi": f"{EFFICIENCY_SD_RATIO[1]:g}",
            # what a bias of one sigma_sim in the summary that carries the information leaves the
            # 95% intervals: a posterior shifted by about one of its sds
            "shifted95": f"{_shifted_coverage(0.95, 1.0):.2f}",
        },
        "design": design_vars(results["design_summary"]),
        "sim": simulation_vars(config),
        "val": validation_vars(results["validation"]),
        "campaign": campaign_vars(results["campaign"]),
        "emu": {
            **emulator_vars(config, results["training"], results["learned"], results["evaluation"]),
            "calibration": calibration_sentence(results["evaluation"]),
        },
        "truth": truth_vars(config, results["truth"]),
        "sel": selection_vars(results["learned"]),
        "inf": inference_vars(config, results["inference"], results["truth"]),
        "ref": reference_vars(results["reference"]),
        "lc": learning_curve_vars(results["learning_curve"]),
        "costs": costs,
        "conf": {
            **confirmation_vars(results["confirmation"]),
            "n_used_note": _same_count(results["confirmation"].n_used, results["diagnosis"].n_used),
        },
        "flow": flow_vars(config, results["flow"]),
        "framing": framing_vars(config, emulator_error68=error68, floor68=results["truth"]["perfect"][0]),
        "diag": diagnosis_vars(results["diagnosis"]),
        "meas": measurement_vars(results["confirmation"]),
        "mis": {
            **misspecification_vars(results["misspecification"], results["confirmation"], results["check"]),
            "integration": integration_sentence(results["misspecification"], results["campaign"]),
        },
        "verdict": verdict_vars(
            results["inference"], results["truth"], costs, results["confirmation"], results["reference"]
        ),
    }


def _same_count(confirmation: int, development: int) -> str:
    """The confirmation set's usable count; where the development set has as many, a reader asks
    whether they are one set: they are not (other seeds), and the text says so."""
    if confirmation != development:
        return str(confirmation)
    return f"{confirmation}; the development set, simulated from other seeds, has as many by chance"
