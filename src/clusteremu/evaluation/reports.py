"""Typed results of the calibration study: what a likelihood's posteriors achieved on a held-out set.

Frozen dataclasses, one per level of the study: a coverage bin, one parameter's
calibration, the joint TARP test, a likelihood's whole report, one NUTS check. They are
built by [`clusteremu.evaluation.coverage`][] and [`clusteremu.evaluation.study`][] and
read back from JSON by every consumer (figures, tables, the manuscript's variables, the
command line) through [`from_jsonable`][], never by string key, so a renamed field is
an error at the reader rather than a silently missing number.

Field names are the JSON keys; [`to_jsonable`][] writes exactly the dictionaries the
study wrote before these types existed (plus the schema of the top-level result).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

__all__ = [
    "CalibrationReport",
    "CoverageBin",
    "LikelihoodComparison",
    "MeasurementStudy",
    "SchemaRecord",
    "StudyError",
    "NutsCheck",
    "NutsParameter",
    "ParameterCalibration",
    "ParameterStudy",
    "SplitStudy",
    "TarpResult",
    "from_jsonable",
    "to_jsonable",
]


@dataclass(frozen=True)
class CoverageBin:
    """Coverage of central intervals for the cases whose true value lies in [lo, hi).

    `n` cases; `coverage68`/`coverage95` the fraction inside the 68%/95% interval (NaN if
    empty); `se68`/`se95` the binomial standard error at the nominal level for `n` cases;
    `within_2se68`/`within_2se95` whether the coverage is within 2 s.e. of nominal.
    """

    lo: float
    hi: float
    n: int
    coverage68: float
    coverage95: float
    se68: float
    se95: float
    within_2se68: bool
    within_2se95: bool


@dataclass(frozen=True)
class ParameterStudy:
    """Calibration of one parameter's posteriors over `n` cases.

    `pit` is each case's posterior CDF at the truth; `coverage` the coverage at each of the
    study's nominal levels; `sbc_chi2_p` the p-value of the rank histogram's uniformity;
    `contraction_median` the median of prior sd / posterior sd; `z_bias_mean`/`z_bias_sd`
    the mean and sd of (posterior mean - truth) / posterior sd.
    """

    pit: list[float]
    coverage: list[float]
    coverage68: float
    coverage95: float
    sbc_chi2_p: float
    contraction_median: float
    z_bias_mean: float
    z_bias_sd: float


@dataclass(frozen=True)
class ParameterCalibration(ParameterStudy):
    """[`ParameterStudy`][] with the coverage in each quarter of the Q0 and of the a range."""

    by_q0: list[CoverageBin]
    by_a: list[CoverageBin]


@dataclass(frozen=True)
class TarpResult:
    """The joint TARP test: expected coverage `ecp` at credibility `alpha`, its KS p-value, the
    largest deviation from the diagonal and the simultaneous 95% `band` it must stay within."""

    f: list[float]
    reference: list[list[float]]
    alpha: list[float]
    ecp: list[float]
    ks_p: float
    max_deviation: float
    band: float
    inside_band: bool


@dataclass(frozen=True)
class SplitStudy:
    """[`ParameterStudy`][] of both parameters (the secondary check on the test split)."""

    q0: ParameterStudy
    a_au: ParameterStudy


@dataclass(frozen=True)
class CalibrationReport:
    """Everything the paper asks of one likelihood's posteriors on one held-out set; `checks`
    says which calibration targets it meets ([`clusteremu.evaluation.coverage.calibration_checks`][])."""

    q0: ParameterCalibration
    a_au: ParameterCalibration
    tarp: TarpResult
    checks: dict[str, bool]

    def parameter(self, name: str) -> ParameterCalibration:
        """The calibration of parameter `name` (`"q0"` or `"a_au"`)."""
        return {"q0": self.q0, "a_au": self.a_au}[name]


@dataclass(frozen=True)
class NutsParameter:
    """NUTS against the grid for one parameter: R-hat, bulk and tail ESS, the Monte Carlo
    error of NUTS's sd (the parameter's units), means, sds and 5-95% intervals."""

    r_hat: float
    ess_bulk: float
    ess_tail: float
    mcse_sd: float
    nuts_mean: float
    nuts_sd: float
    grid_mean: float
    grid_sd: float
    nuts_q05_q95: list[float]
    grid_q05_q95: list[float]


@dataclass(frozen=True)
class NutsCheck:
    """One NUTS posterior of a coverage observation (`index`): divergences, continuations, health."""

    index: int
    divergences: int
    extensions: int
    healthy: bool
    q0: NutsParameter
    a_au: NutsParameter

    def parameter(self, name: str) -> NutsParameter:
        """The diagnostics of parameter `name` (`"q0"` or `"a_au"`)."""
        return {"q0": self.q0, "a_au": self.a_au}[name]


class StudyError(ValueError):
    """A results file is not a likelihood comparison of this schema."""


@dataclass(frozen=True)
class MeasurementStudy:
    """The recommended study repeated with measurement errors of sd `sd` (f_bound, km/s, AU),
    with `likelihood`, the recommended one among those that model measurement errors."""

    likelihood: str
    sd: list[float]
    report: CalibrationReport


class SchemaRecord:
    """A typed result file: a frozen dataclass written as JSON with its `SCHEMA`, read back
    with [`load`][SchemaRecord.load] (a file of another schema or shape is refused)."""

    SCHEMA: ClassVar[str]

    def to_jsonable(self) -> dict[str, Any]:
        """The record as plain JSON-able dicts, with its `schema`."""
        return {"schema": self.SCHEMA, **to_jsonable(self)}

    @classmethod
    def load(cls, path: str | Path) -> Any:
        """Read a result file of this type; a file of another schema
        or shape raises [`StudyError`][] naming the file and how to rebuild it."""
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StudyError(f"{path}: not a readable result ({exc}); {_REBUILD}") from None
        return cls.from_data(data, path)

    @classmethod
    def from_data(cls, data: Any, path: str | Path) -> Any:
        """The record in `data`, parsed JSON read from `path` (named in errors)."""
        if not isinstance(data, dict) or data.get("schema") != cls.SCHEMA:
            found = data.get("schema") if isinstance(data, dict) else None
            raise StudyError(f"{path}: schema {found!r}, expected {cls.SCHEMA!r}; {_REBUILD}")
        try:
            return from_jsonable(cls, {k: v for k, v in data.items() if k != "schema"}, Path(path).name)
        except (ValueError, TypeError) as exc:
            raise StudyError(f"{exc}; {_REBUILD}") from None


@dataclass(frozen=True)
class LikelihoodComparison(SchemaRecord):
    """The result of [`clusteremu.evaluation.study.compare_likelihoods`][].

    - `n_coverage_total`, `n_coverage_used`, `n_excluded`: coverage simulations, those usable
      as observations, those excluded (too few bound stars); `n_test_used`: test-split cases.
    - `levels`: the nominal levels of the coverage curves; `likelihoods`: names, in order.
    - `recommended`: the recommended likelihood; `coverage_set` and `test_split`: each
      likelihood's calibration on the coverage set and on the test split.
    - `nuts`: per likelihood, its NUTS checks; `nuts_check_indices`: the observations checked.
    - `cases`: the representative observations of the corner figures (name -> index).
    - `measurement`: the study with measurement errors.
    """

    SCHEMA: ClassVar[str] = "clusteremu.likelihood-comparison/2"

    n_coverage_total: int
    n_coverage_used: int
    n_excluded: int
    n_test_used: int
    levels: list[float]
    likelihoods: list[str]
    recommended: str
    coverage_set: dict[str, CalibrationReport]
    test_split: dict[str, SplitStudy]
    nuts: dict[str, list[NutsCheck]]
    nuts_check_indices: list[int]
    cases: dict[str, int]
    measurement: MeasurementStudy


_REBUILD = "rebuild it with `make data`"


def to_jsonable(obj: Any) -> Any:
    """Plain dicts, lists and numbers of a (nested) result, for JSON."""
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else obj


def from_jsonable(cls: Any, data: Any, where: str = "result") -> Any:
    """Rebuild a value of type `cls` (a dataclass, `list[X]`, `dict[str, X]`, `X | None` or a
    plain type) from what JSON gave. A missing or unknown field raises `ValueError` naming
    its place in the result (`where`)."""
    origin = typing.get_origin(cls)
    if dataclasses.is_dataclass(cls):
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected an object for {cls.__name__}, got {type(data).__name__}")
        hints = typing.get_type_hints(cls)
        fields = [f.name for f in dataclasses.fields(cls)]
        missing, unknown = set(fields) - set(data), set(data) - set(fields)
        if missing or unknown:
            raise ValueError(
                f"{where}: {cls.__name__} fields do not match (missing: {sorted(missing)}, unknown: {sorted(unknown)})"
            )
        return cls(**{name: from_jsonable(hints[name], data[name], f"{where}.{name}") for name in fields})
    if origin is list:
        (item,) = typing.get_args(cls)
        return [from_jsonable(item, x, f"{where}[{k}]") for k, x in enumerate(data)]
    if origin is dict:
        _, value = typing.get_args(cls)
        return {key: from_jsonable(value, x, f"{where}.{key}") for key, x in data.items()}
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(cls)
        if data is None and type(None) in args:
            return None
        return from_jsonable(next(a for a in args if a is not type(None)), data, where)
    return data
