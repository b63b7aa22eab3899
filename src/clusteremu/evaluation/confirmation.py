"""The confirmation: the chosen likelihood judged once on fresh simulations, with intervals and power.

The protocol of the study has two held-out sets drawn from the prior. The *selection set*
(the coverage set of `analysis/07_coverage_sims.py`) is where the likelihoods are compared
and one is recommended ([`clusteremu.evaluation.coverage.recommend`][]). The *confirmation
set* (`analysis/17_confirmation_sims.py`: new seeds, at least a thousand draws) is
simulated and read once, after that choice, and never used to tune anything; the
reported answer comes from it.

On the confirmation set, for every likelihood and parameter, [`confirm`][] reports

- the coverage of the central 68% and 95% intervals with a Wilson score interval
  ([`wilson_interval`][]), and the smallest under-coverage the set detects with the
  stated power ([`detectable_shortfall`][]): a pass means "no worse than this";
- the coverage in each quarter of the Q0 range, with its Wilson interval;
- an exact binomial test of every coverage (global and per quarter, both levels) and the
  SBC uniformity test, decided together by Holm's step-down procedure at the stated
  family-wise error rate ([`holm`][]): with some twenty tests, a calibrated likelihood
  would fail a "within two standard errors" rule somewhere about two times in three;
- TARP, shown but not counted as evidence: on this study's sets it passes every
  likelihood, including ones SBC rejects, so it has not been shown to discriminate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from ..datasets.measurement import perturbed
from ..datasets.splits import SplitData
from ..datasets.table import OUTPUT_NAMES
from ..inference.grid import grid_posterior, grid_posteriors
from ..inference.model import LikelihoodModel
from ..prior import ParameterBox
from .binomial import detectable_shortfall, holm, wilson_interval
from .coverage import calibration_report
from .reports import CalibrationReport, SchemaRecord
from .robustness import RobustnessRow, robustness_row

__all__ = [
    "ConfirmationStudy",
    "IntervalCoverage",
    "LikelihoodConfirmation",
    "MeasuredConfirmation",
    "ParameterConfirmation",
    "confirm",
    "confirmation_study",
    "detectable_shortfall",
    "holm",
    "wilson_interval",
]

LEVELS = (0.68, 0.95)


@dataclass(frozen=True)
class IntervalCoverage:
    """Coverage of the central interval at `level` by `n` cases: the fraction `coverage`, its
    Wilson 95% interval [`lo`, `hi`], and the exact binomial test's p-value against `level`."""

    level: float
    n: int
    coverage: float
    lo: float
    hi: float
    p_value: float


@dataclass(frozen=True)
class ParameterConfirmation:
    """One parameter on the confirmation set: global coverage at 68% and 95% (`coverage`), the
    smallest detectable under-coverage at each level (`shortfall`), the coverage in each Q0
    quarter (`quarters`, both levels), the SBC p-value, the standardized error's mean and
    sd, and the median contraction."""

    coverage: list[IntervalCoverage]
    shortfall: list[float]
    quarters: list[list[IntervalCoverage]]
    sbc_p: float
    z_bias_mean: float
    z_bias_sd: float
    contraction_median: float


@dataclass(frozen=True)
class LikelihoodConfirmation:
    """One likelihood on the confirmation set: both parameters, the tests Holm rejects
    (`rejected`, by name), and TARP's verdict (`tarp_inside_band`, shown, not counted)."""

    q0: ParameterConfirmation
    a_au: ParameterConfirmation
    rejected: list[str]
    tarp_inside_band: bool

    def parameter(self, name: str) -> ParameterConfirmation:
        """The confirmation of parameter `name` (`"q0"` or `"a_au"`)."""
        return {"q0": self.q0, "a_au": self.a_au}[name]

    def calibrated(self, name: str) -> bool:
        """No test of parameter `name` rejected (the family-wise decision)."""
        return not any(r.startswith(f"{name}:") for r in self.rejected)


@dataclass(frozen=True)
class MeasuredConfirmation:
    """The recommended likelihood with measurement errors: the confirmation set's
    observations perturbed by Gaussian errors of sds `sd` (f_bound; km/s; AU; kept
    physical), the same sds in the likelihood, judged like the others (`result`)."""

    likelihood: str
    sd: list[float]
    result: LikelihoodConfirmation


@dataclass(frozen=True)
class ConfirmationStudy(SchemaRecord):
    """The confirmation set's verdict: `n_total` simulations, `n_used` usable ones, the
    likelihood chosen on the selection set (`recommended`), the family-wise `alpha` and
    `power` of the report, every likelihood's confirmation (`likelihoods`) and the
    recommended one's with measurement errors (`measurement`); and, for the recommended
    likelihood without and with measurement errors, the model check's false alarms and the
    tempered posteriors on these clusters of the model's own physics (`robustness`)."""

    SCHEMA: ClassVar[str] = "clusteremu.confirmation/3"

    n_total: int
    n_used: int
    recommended: str
    alpha: float
    power: float
    likelihoods: dict[str, LikelihoodConfirmation]
    measurement: MeasuredConfirmation
    robustness: list[RobustnessRow]


def _coverage(pit: np.ndarray, level: float) -> IntervalCoverage:
    inside = np.abs(pit - 0.5) <= level / 2
    k, n = int(inside.sum()), int(inside.size)
    lo, hi = wilson_interval(k, n)
    p = float(stats.binomtest(k, n, level).pvalue) if n else math.nan
    return IntervalCoverage(level, n, k / n if n else math.nan, lo, hi, p)


def confirm(
    report: CalibrationReport, truth_q0: np.ndarray, edges: np.ndarray, *, alpha: float, power: float
) -> LikelihoodConfirmation:
    """The confirmation of one likelihood from its calibration report on the confirmation set.

    `truth_q0` are the true Q0 values of the cases (in the report's order) and `edges` the
    quarter edges of the Q0 range; `alpha` and `power` as in [`ConfirmationStudy`][].
    """
    per, tests = {}, {}
    for name in ("q0", "a_au"):
        r = report.parameter(name)
        pit = np.asarray(r.pit)
        quarters = []
        for q, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            sel = (truth_q0 >= lo) & ((truth_q0 <= hi) if q == len(edges) - 2 else (truth_q0 < hi))
            quarters.append([_coverage(pit[sel], level) for level in LEVELS])
        coverage = [_coverage(pit, level) for level in LEVELS]
        for c in coverage:
            tests[f"{name}: {round(100 * c.level)}% coverage"] = c.p_value
        for q, cs in enumerate(quarters):
            for c in cs:
                tests[f"{name}: {round(100 * c.level)}% coverage, Q0 quarter {q + 1}"] = c.p_value
        tests[f"{name}: SBC"] = r.sbc_chi2_p
        per[name] = ParameterConfirmation(
            coverage=coverage,
            shortfall=[detectable_shortfall(level, len(pit), alpha, power) for level in LEVELS],
            quarters=quarters,
            sbc_p=r.sbc_chi2_p,
            z_bias_mean=r.z_bias_mean,
            z_bias_sd=r.z_bias_sd,
            contraction_median=r.contraction_median,
        )
    tests = {k: v for k, v in tests.items() if not math.isnan(v)}
    return LikelihoodConfirmation(**per, rejected=holm(tests, alpha), tarp_inside_band=bool(report.tarp.inside_band))


def confirmation_study(
    family: dict[str, LikelihoodModel],
    measured: LikelihoodModel,
    held: SplitData,
    n_total: int,
    recommended: str,
    box: ParameterBox,
    settings: Mapping[str, Any],
    null: ArrayLike | None,
) -> ConfirmationStudy:
    """The whole confirmation: every likelihood of `family` on the usable confirmation
    simulations `held` (of `n_total`), then `measured`, the recommended likelihood with the
    measurement sds of `settings["measurement_sd"]`, on the observations perturbed by them;
    the model check of both calibrated against the null p-values `null`
    ([`clusteremu.evaluation.check_calibration`][]).

    `settings` holds the profile's `grid_points` (exact grid posteriors, cells per axis) and
    `measurement_sd` (section `inference`) and `seed`, `alpha` and `power` (section
    `confirmation`); the seed draws the measurement errors and TARP's reference points.
    """
    edges, seed = box.quarter_edges("q0"), settings["seed"]
    alpha, power = settings["alpha"], settings["power"]

    def judge(grid) -> LikelihoodConfirmation:
        report = calibration_report(grid, held.x, box, seed=seed)
        return confirm(report, held.x[:, 0], edges, alpha=alpha, power=power)

    n_grid, sd = settings["grid_points"], np.array([settings["measurement_sd"][k] for k in OUTPUT_NAMES])
    grids = grid_posteriors(family, held.y, n_grid=n_grid)
    judged = {name: judge(g) for name, g in grids.items()}
    noisy_obs = SplitData(held.x, perturbed(held.y, sd, seed), held.point)
    noisy_grid = grid_posterior(measured, noisy_obs.y, n_grid=n_grid)
    noisy = MeasuredConfirmation(recommended, sd.tolist(), judge(noisy_grid))
    robust = [
        robustness_row(
            "model", "the model's own physics", family[recommended], grids[recommended], held, box, seed=seed, null=null
        ),
        robustness_row("measured", "the same, measured", measured, noisy_grid, noisy_obs, box, seed=seed, null=null),
    ]
    return ConfirmationStudy(n_total, int(len(held.y)), recommended, alpha, power, judged, noisy, robust)
