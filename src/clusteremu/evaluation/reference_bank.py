"""The reference bank's result: every likelihood's posteriors against the simulator's own, for many observations.

A typed record ([`ReferenceBank`][], schema `clusteremu.reference-bank/5`), written by
`analysis/15_reference_bank.py` ([`clusteremu.evaluation.simulator_reference`][]) and read
back by the criterion ([`clusteremu.evaluation.trust`][]), the figure and the manuscript's
variables with its `load`.

The comparison of a posterior with a reference, per observation and parameter, is
|mean - reference mean| / reference sd and sd / reference sd: in units of the *reference's*
posterior sd, so that every likelihood is measured with the same ruler. [`agreement`][]
summarizes them over the observations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..prior import PARAMETERS
from .reports import SchemaRecord

__all__ = [
    "QUANTILE_LEVELS",
    "REFERENCES",
    "Agreement",
    "BankObservation",
    "BootstrapError",
    "ExamplePosterior",
    "Moments",
    "NoiseRange",
    "ReferenceBank",
    "ReferenceCalibration",
    "ReferenceMoments",
    "agreement",
    "bootstrap_error",
    "noise_range",
]

#: The simulator-based references, by key: the Gaussian synthetic likelihood, the
#: semi-parametric one and the kernel (ABC) likelihood, which assumes nothing about the
#: summaries' distribution ([`clusteremu.evaluation.synthetic_likelihood`][]).
REFERENCES = ("gaussian", "semiparametric", "kernel")
#: The levels at which every [`Agreement`][] stores its distributions (for the figure's ECDFs).
QUANTILE_LEVELS = tuple(round(float(q), 2) for q in np.linspace(0.02, 0.98, 49))


@dataclass(frozen=True)
class Moments:
    """A posterior's `mean` and `sd` of (Q0, a in AU)."""

    mean: list[float]
    sd: list[float]


@dataclass(frozen=True)
class ReferenceMoments(Moments):
    """A reference posterior's moments with its bootstrap error: the bootstrap sd of its mean
    in units of its sd (`boot_mean`) and of its sd relative to its sd (`boot_sd`), per parameter."""

    boot_mean: list[float]
    boot_sd: list[float]


@dataclass(frozen=True)
class BankObservation:
    """One compared observation: its row `index` in the usable confirmation set, `truth` (Q0,
    a), the summaries `obs` (f_bound, sigma_v km/s, r_h AU), the `references`, every
    likelihood's posterior interpolated from the nodes (`likelihoods`), and the recommended
    likelihood's posterior computed on the fine grid without interpolation (`exact`)."""

    index: int
    truth: list[float]
    obs: list[float]
    references: dict[str, ReferenceMoments]
    likelihoods: dict[str, Moments]
    exact: Moments


@dataclass(frozen=True)
class Agreement:
    """One posterior against another over `n` observations, for one parameter: the median and 90th
    percentile of |dmean| / sd, the median and the 10th and 90th percentiles of the sd ratio, and
    both distributions at [`QUANTILE_LEVELS`][] (NaN where `n` is 0)."""

    n: int
    dmean_median: float
    dmean_p90: float
    sd_ratio_median: float
    sd_ratio_p10: float
    sd_ratio_p90: float
    dmean_quantiles: list[float]
    sd_ratio_quantiles: list[float]


def _quantiles(x: np.ndarray, levels) -> list[float]:
    return np.quantile(x, levels).tolist() if x.size else [float("nan")] * len(levels)


def agreement(mean, sd, ref_mean, ref_sd) -> Agreement:
    """The [`Agreement`][] of posteriors (`mean`, `sd`, any shape) with references of the same
    shape (or broadcasting to it): |mean - ref_mean| / ref_sd and sd / ref_sd, pooled."""
    mean, sd, ref_mean, ref_sd = np.broadcast_arrays(*(np.asarray(v, float) for v in (mean, sd, ref_mean, ref_sd)))
    dmean, ratio = (np.abs(mean - ref_mean) / ref_sd).ravel(), (sd / ref_sd).ravel()
    d50, d90 = _quantiles(dmean, [0.5, 0.9])
    r50, r10, r90 = _quantiles(ratio, [0.5, 0.1, 0.9])
    return Agreement(
        int(dmean.size), d50, d90, r50, r10, r90, _quantiles(dmean, QUANTILE_LEVELS), _quantiles(ratio, QUANTILE_LEVELS)
    )


@dataclass(frozen=True)
class BootstrapError:
    """The reference's own Monte Carlo error over the observations, for one parameter: median and
    90th percentile of the bootstrap sd of its mean in units of its sd (`mean_*`) and of the
    bootstrap sd of its sd relative to its sd (`sd_*`)."""

    mean_median: float
    mean_p90: float
    sd_median: float
    sd_p90: float


def bootstrap_error(boot_mean: np.ndarray, boot_sd: np.ndarray) -> BootstrapError:
    """The [`BootstrapError`][] from per-observation relative bootstrap sds of the mean and of the sd."""
    return BootstrapError(*_quantiles(np.asarray(boot_mean), [0.5, 0.9]), *_quantiles(np.asarray(boot_sd), [0.5, 0.9]))


@dataclass(frozen=True)
class NoiseRange:
    """How far a likelihood equal to the simulator's would move the criterion's statistics, for one
    parameter: the 5th and 95th percentiles over the bootstrap replicates of each replicate's median
    and 90th percentile of |dmean| / sd and median sd ratio against the full reference. The
    reference's error is largely common to all observations (common random numbers), so it does
    not average out over them; this is its size on the statistics themselves."""

    dmean_median: list[float]
    dmean_p90: list[float]
    sd_ratio_median: list[float]


def noise_range(mean, sd, ref_mean, ref_sd) -> NoiseRange:
    """The [`NoiseRange`][] of bootstrap replicates (`mean`, `sd`: (B, obs)) of references (obs,)."""
    dmean, ratio = np.abs(mean - ref_mean) / ref_sd, sd / ref_sd
    if not dmean.size:
        return NoiseRange(*([float("nan")] * 2 for _ in range(3)))
    stats = (np.median(dmean, axis=1), np.quantile(dmean, 0.9, axis=1), np.median(ratio, axis=1))
    return NoiseRange(*(np.quantile(x, [0.05, 0.95]).tolist() for x in stats))


@dataclass(frozen=True)
class ExamplePosterior:
    """One observation of the figure: its `index` in the confirmation set, `truth`, and the
    log-likelihood at every node (`node_log_likelihood`: by reference key and by the recommended
    likelihood's name; `None` where a node has none), from which the figure interpolates."""

    index: int
    truth: list[float]
    node_log_likelihood: dict[str, list[float | None]]


@dataclass(frozen=True)
class ReferenceCalibration:
    """The references' own calibration judged on every usable confirmation simulation, not
    only on the compared ones (which a choice of the bank, such as its size, may have seen).

    - `n_scored`: the usable confirmation simulations scored; `n_kept`: those that the
      nodes without a synthetic likelihood leave alone (the comparison's exclusion rule).
    - `coverage`: reference key or the recommended likelihood -> parameter -> the fraction
      of the kept simulations whose truth lies in the central 68% and 95% interval.
    """

    n_scored: int
    n_kept: int
    coverage: dict[str, dict[str, list[float]]]


@dataclass(frozen=True)
class ReferenceBank(SchemaRecord):
    """The simulator-based reference bank and every likelihood against it.

    - `recommended`: the likelihood chosen on the selection set.
    - `q0_nodes`, `a_nodes`, `realizations`: the bank (nodes include the box edges);
      `n_simulations` of which `n_usable` usable; `n_undefined_nodes`: nodes with fewer than
      `min_usable` usable simulations, which have no synthetic likelihood.
    - `bootstrap`: resamples of the realizations; `fine_grid`: cells per parameter of the
      grid the node log-likelihoods are interpolated onto.
    - `n_available`: usable confirmation simulations; `n_compared`: the first ones compared;
      `excluded`: the indices among them whose comparison the undefined nodes would affect
      (more than `exclusion_mass` of a posterior next to them).
    - `observations`: the compared observations kept.
    - `agreement`: likelihood -> reference -> parameter -> [`Agreement`][] (the likelihood's
      interpolated posterior against the reference).
    - `noise_floor`: reference -> parameter -> each bootstrap replicate against the full
      reference, pooled: what a perfect likelihood would score given the reference's error.
    - `noise_range`: reference -> parameter -> [`NoiseRange`][]: the spread of a perfect
      likelihood's statistics over the bootstrap replicates.
    - `bootstrap_error`: reference -> parameter -> [`BootstrapError`][].
    - `between_references`: parameter -> the semi-parametric reference against the Gaussian.
    - `coverage`: reference key or likelihood -> parameter -> the fraction of the kept
      observations whose truth lies in the central 68% and 95% interval of that posterior
      (the references' own calibration: the truths are known).
    - `coverage_by_realizations`: bank size (the number of first realizations, a string) ->
      reference key -> parameter -> the same coverage for the references built from those
      realizations only (how their calibration moves with the bank's size).
    - `agreement_by_realizations`: bank size (a string, as above) -> reference key ->
      parameter -> the recommended likelihood against the reference built from those
      realizations only (how much of the disagreement moves with the bank's size).
    - `calibration`: [`ReferenceCalibration`][]: the same coverage on every usable
      confirmation simulation (the compared ones included).
    - `interpolation`: parameter -> the recommended likelihood's interpolated posterior
      against its posterior on the fine grid (the check of the interpolation).
    - `examples`: the observations drawn in the figure.
    """

    SCHEMA: ClassVar[str] = "clusteremu.reference-bank/5"

    recommended: str
    q0_nodes: list[float]
    a_nodes: list[float]
    realizations: int
    n_simulations: int
    n_usable: int
    n_undefined_nodes: int
    min_usable: int
    bootstrap: int
    fine_grid: int
    n_available: int
    n_compared: int
    exclusion_mass: float
    excluded: list[int]
    observations: list[BankObservation]
    agreement: dict[str, dict[str, dict[str, Agreement]]]
    noise_floor: dict[str, dict[str, Agreement]]
    noise_range: dict[str, dict[str, NoiseRange]]
    bootstrap_error: dict[str, dict[str, BootstrapError]]
    between_references: dict[str, Agreement]
    coverage: dict[str, dict[str, list[float]]]
    coverage_by_realizations: dict[str, dict[str, dict[str, list[float]]]]
    agreement_by_realizations: dict[str, dict[str, dict[str, Agreement]]]
    calibration: ReferenceCalibration
    interpolation: dict[str, Agreement]
    examples: list[ExamplePosterior]

    @property
    def n_nodes(self) -> int:
        return len(self.q0_nodes) * len(self.a_nodes)

    @property
    def bank_sizes(self) -> list[str]:
        """The nested banks' sizes (keys of `coverage_by_realizations` and
        `agreement_by_realizations`), smallest first: JSON gives them back sorted as text."""
        return sorted(self.agreement_by_realizations, key=int)

    def against_by_size(self, reference: str, parameter: str) -> list[Agreement]:
        """The recommended likelihood against `reference` built from each of
        [`bank_sizes`][ReferenceBank.bank_sizes] first realizations, for `parameter`."""
        return [self.agreement_by_realizations[n][reference][parameter] for n in self.bank_sizes]

    def against(self, likelihood: str, reference: str, parameter: str) -> Agreement:
        """The agreement of `likelihood` with `reference` (a key of [`REFERENCES`][]) for `parameter`."""
        if parameter not in PARAMETERS:
            raise KeyError(f"unknown parameter {parameter!r}; allowed: {', '.join(PARAMETERS)}")
        return self.agreement[likelihood][reference][parameter]
