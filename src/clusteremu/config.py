"""Profile configuration: load a YAML file and validate every key before anything runs.

A profile (`analysis/config/<name>.yaml`) holds every physical, design, training and
inference setting of one run of the study. Validation is strict: an unknown key, a
missing key, a value of the wrong type or one outside its allowed range raises a single
[`ConfigError`][] that names each offending key, its value and what is allowed. Scripts
load the config first, so a bad value stops them before they write anything.

A script reads only the sections it declares (`load_config(path, sections=...)`); asking
for any other section raises. The build depends on one stamp file per section
([`write_section_stamps`][], rewritten only when that section's content changes), so an
edit to `figures.dpi` reruns the figure scripts and nothing else.

Run as `python -m clusteremu.config stamps CONFIG FOLDER` to validate a profile and
refresh its section stamps (the Makefile does this on every invocation).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Config", "ConfigError", "SCHEMA", "load_config", "section_sha256", "split_counts", "write_section_stamps"]


class ConfigError(ValueError):
    """A profile file is unreadable or violates the schema."""


@dataclass(frozen=True)
class Number:
    """A numeric setting with an inclusive range; `integer=True` forbids fractions."""

    doc: str
    low: float = -math.inf
    high: float = math.inf
    integer: bool = False

    def allowed(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if math.isinf(self.low) and math.isinf(self.high):
            return kind
        if math.isinf(self.high):
            return f"{kind} >= {self.low:g}"
        if math.isinf(self.low):
            return f"{kind} <= {self.high:g}"
        return f"{kind} in [{self.low:g}, {self.high:g}]"

    def check(self, value: Any) -> bool:
        # bool is a subclass of int in Python, but `true` is never a valid count.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        return math.isfinite(value) and self.low <= value <= self.high


@dataclass(frozen=True)
class Choice:
    """A string setting restricted to a fixed set of options."""

    doc: str
    options: tuple[str, ...]

    def allowed(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def check(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options


Spec = Number | Choice | Mapping[str, Any]

#: The schema of a profile file. Units are part of the key names or the docs.
SCHEMA: dict[str, Spec] = {
    "domain": {
        "q0_min": Number("lower edge of the initial virial ratio Q0 = K/|W|", 0.05, 5.0),
        "q0_max": Number("upper edge of the initial virial ratio Q0 = K/|W|", 0.05, 5.0),
        "a_min_au": Number("lower edge of the Plummer scale radius a (AU)", 1.0, 1e5),
        "a_max_au": Number("upper edge of the Plummer scale radius a (AU)", 1.0, 1e5),
    },
    "design": {
        "seed": Number("seed of the Latin hypercube, the split and realization seeds", 0, 2**32 - 1, True),
        "n_points": Number("number of Latin-hypercube design points", 6, 100_000, True),
        "added_points": Number(
            "points of a second hypercube appended to the first (grows the design without moving it)", 0, 100_000, True
        ),
        "n_realizations": Number("independent simulations per design point", 1, 1000, True),
        "lhs_optimization": Choice("scipy.stats.qmc space-filling optimization", ("none", "random-cd", "lloyd")),
        "split": {
            "train": Number("fraction of design points used for training", 0.05, 0.95),
            "validation": Number("fraction of design points used for validation", 0.05, 0.95),
            "test": Number("fraction of design points held out for final reporting", 0.05, 0.95),
        },
    },
    "truth": {
        "seed": Number("seed of the truth set's points and simulations", 0, 2**32 - 1, True),
        "n_points": Number("interior design points of the truth set (evaluation only)", 1, 10_000, True),
        "n_realizations": Number("simulations per truth-set point", 2, 10_000, True),
        "interior_fraction": Number("fraction of each parameter range the truth set fills (centred)", 0.05, 1.0),
    },
    "simulation": {
        "n_stars": Number("number of stars N per cluster", 2, 100_000, True),
        "mass_function": Choice("stellar masses", ("equal", "kroupa2001")),
        "star_mass_msun": Number("mass of every star when mass_function is equal (Msun)", 1e-3, 1e3),
        "kroupa_min_msun": Number("lower mass limit of the Kroupa IMF (Msun)", 0.01, 0.49),
        "kroupa_max_msun": Number("upper mass limit of the Kroupa IMF (Msun)", 0.51, 300.0),
        "plummer_mass_cut": Number("fraction of the Plummer mass sampled (radial truncation)", 0.5, 0.99999),
        "softening_over_a": Number("Plummer softening length in units of the scale radius a", 1e-4, 1.0),
        "t_end_yr": Number("integration time T (yr)", 1e-3, 1e9),
        "n_steps": Number("leapfrog steps over T; timestep = t_end_yr / n_steps", 1, 10_000_000, True),
        "n_energy_checks": Number("times at which the energy error is measured", 1, 100_000, True),
        "min_bound_stars": Number("fewest bound stars for which sigma_v and r_h are defined", 2, 100_000, True),
        "force_precision": Choice(
            "precision of the force evaluation (the state is always float64)", ("float32", "float64")
        ),
    },
    "validation": {
        "seed": Number(
            "seed of the simulator checks and of the example clusters drawn in the paper", 0, 2**32 - 1, True
        ),
    },
    "campaign": {
        "batch_size": Number("simulations per compiled call (tune for cache size)", 1, 100_000, True),
        "energy_error_max": Number("flag a simulation whose max |E-E0|/|W0| exceeds this", 1e-12, 1.0),
    },
    "emulator": {
        "seed": Number("seed of the members' initializations", 0, 2**32 - 1, True),
        "n_members": Number("ensemble size M", 2, 100, True),
        "hidden_width": Number("units per hidden layer", 1, 4096, True),
        "hidden_layers": Number("number of hidden layers", 1, 16, True),
        "learning_rate": Number("Adam step size", 1e-6, 1.0),
        "max_epochs": Number("most full-batch epochs", 10, 10_000_000, True),
        "patience_epochs": Number("stop a member after this many epochs without improvement", 1, 1_000_000, True),
        "noise_neighbours": Number("noise-model kernel width: distance to this nearest neighbour", 1, 1000, True),
    },
    "learned": {
        "seed": Number("seed of the learned-noise members' initializations", 0, 2**32 - 1, True),
        "n_members": Number("ensemble size of the learned-noise emulator", 2, 100, True),
        "hidden_width": Number("units per hidden layer", 1, 4096, True),
        "hidden_layers": Number("number of hidden layers", 1, 16, True),
        "learning_rate": Number("Adam step size", 1e-6, 1.0),
        "max_epochs": Number("most full-batch epochs", 10, 10_000_000, True),
        "patience_epochs": Number("stop a member after this many epochs without improvement", 1, 1_000_000, True),
        "beta": Number("beta of the beta-NLL (0: plain Gaussian NLL)", 0.0, 1.0),
    },
    "flow": {
        "seed": Number("seed of the flow's initialization and minibatches", 0, 2**32 - 1, True),
        "flow_layers": Number("coupling layers of the conditional flow", 1, 64, True),
        "knots": Number("knots of each rational-quadratic spline", 2, 64, True),
        "interval": Number("half-width of the splines' interval, standardized units", 0.5, 50.0),
        "nn_width": Number("units per hidden layer of the conditioner networks", 1, 4096, True),
        "learning_rate": Number("Adam step size", 1e-6, 1.0),
        "max_epochs": Number("most passes over the training data", 1, 1_000_000, True),
        "patience_epochs": Number("stop after this many epochs without improvement", 1, 1_000_000, True),
        "batch_size": Number("minibatch size", 1, 1_000_000, True),
    },
    "baselines": {
        "seed": Number("seed of the Gaussian processes' optimizer restarts", 0, 2**32 - 1, True),
        "knn_k_max": Number("largest k tried for k-nearest neighbours (chosen on validation)", 1, 1000, True),
        "rbf_log10_smoothing_min": Number("log10 of the smallest RBF smoothing tried", -8.0, 8.0),
        "rbf_log10_smoothing_max": Number("log10 of the largest RBF smoothing tried", -8.0, 8.0),
        "gp_restarts": Number("optimizer restarts of each Gaussian process", 0, 100, True),
    },
    "inference": {
        "seed": Number("seed of the coverage simulations' parameters and of NUTS", 0, 2**32 - 1, True),
        "n_coverage_sims": Number("held-out simulations drawn from the prior for the coverage study", 2, 100_000, True),
        "grid_points": Number("grid cells per parameter axis of the exact posterior", 10, 2000, True),
        "nuts_chains": Number("NUTS chains per posterior", 1, 64, True),
        "nuts_warmup": Number("NUTS warm-up iterations per chain", 10, 100_000, True),
        "nuts_samples": Number("NUTS draws kept per chain", 10, 100_000, True),
        "nuts_extensions": Number("times a run missing its R-hat or ESS target draws as many again", 0, 100, True),
        "n_nuts_check": Number("coverage observations also sampled with NUTS to check the grid", 1, 10_000, True),
        "n_nuts_other": Number("of those, how many for each likelihood not recommended (0: none)", 0, 10_000, True),
        "measurement_sd": {
            "f_bound": Number("measurement sd of the bound fraction in the repeated coverage study", 0.0, 1.0),
            "sigma_v_kms": Number("measurement sd of sigma_v (km/s) in the repeated coverage study", 0.0, 1e4),
            "r_h_au": Number("measurement sd of r_h (AU) in the repeated coverage study", 0.0, 1e6),
        },
    },
    "learning_curve": {
        "seed": Number("seed of the nested subsets of training design points", 0, 2**32 - 1, True),
        "n_subsets": Number("nested subsets: 1/n, 2/n, ... n/n of the training design points", 1, 20, True),
    },
    "reference": {
        "seed": Number("seed of the reference posteriors' simulations", 0, 2**32 - 1, True),
        "grid_points": Number("local grid cells per parameter around each emulator posterior", 3, 100, True),
        "realizations": Number("simulations per local grid cell (synthetic likelihood)", 5, 10_000, True),
        "span_sd": Number("the local grid spans the emulator posterior mean +- this many sds", 1.0, 10.0),
    },
    "manuscript": {
        "claims": Choice(
            "a qualitative claim of the manuscript that this profile's results do not support: 'fail' stops the "
            "build, 'flag' renders it and lists the claim on the first page (for profiles too small for science)",
            ("fail", "flag"),
        ),
    },
    "figures": {
        "dpi": Number("raster resolution of PNG figures (dots per inch)", 50, 600, True),
    },
}


def split_counts(n_points: int, fractions: Mapping[str, float]) -> dict[str, int]:
    """Number of design points in each split.

    Validation and test get their rounded share (at least one point each); training
    takes the remainder, which may be zero or negative for tiny designs: callers check.
    """
    n_val = max(1, round(fractions["validation"] * n_points))
    n_test = max(1, round(fractions["test"] * n_points))
    return {"train": n_points - n_val - n_test, "validation": n_val, "test": n_test}


def section_sha256(section: Any) -> str:
    """Hash of a section's content (canonical JSON): independent of comments and key order."""
    return hashlib.sha256(_canonical(section).encode()).hexdigest()


def _canonical(section: Any) -> str:
    return json.dumps(section, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Config(Mapping):
    """A validated profile, or the part of it that one reader declared.

    **Arguments:**

    - `profile`: the profile's name (the YAML file's stem), e.g. `"smoke"` or `"paper"`.
    - `path`: the file it was read from.
    - `sha256`: hash of the whole file's bytes.
    - `data`: the validated settings as nested dictionaries, only the readable sections.

    A read-only mapping of the readable sections: `config["simulation"]` returns a
    section; a section the reader did not declare raises [`ConfigError`][] naming what was
    declared, so a dependency cannot be used unnoticed.
    """

    profile: str
    path: Path
    sha256: str
    data: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        if key not in self.data:
            known = "declared" if set(self.data) != set(SCHEMA) else "known"
            raise ConfigError(
                f"config section {key!r} is not readable here; {known} sections: {', '.join(sorted(self.data))}"
                " (add it to the script's CONFIG_SECTIONS)"
            )
        return self.data[key]

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def __iter__(self):
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def sections(self) -> tuple[str, ...]:
        """The sections this view can read, sorted."""
        return tuple(sorted(self.data))

    def only(self, sections: Iterable[str]) -> Config:
        """A view that can read only `sections` (each must be readable here)."""
        sections = tuple(sections)
        for name in sections:
            self[name]  # raises for an unknown or unreadable section
        return replace(self, data={name: self.data[name] for name in sections})

    def section_hashes(self) -> dict[str, str]:
        """[`section_sha256`][] of every readable section: what provenance records."""
        return {name: section_sha256(self.data[name]) for name in self.sections}


def _validate(spec: Mapping[str, Any], value: Any, where: str, errors: list[str]) -> None:
    if not isinstance(value, Mapping):
        errors.append(f"{where or 'top level'} = {value!r}: expected a mapping of settings")
        return
    for key in value:
        if key not in spec:
            allowed = ", ".join(sorted(spec))
            errors.append(f"{where}{key}: unknown key; allowed keys here: {allowed}")
    for key, sub in spec.items():
        name = f"{where}{key}"
        if key not in value:
            errors.append(f"{name}: missing; expected {_describe(sub)}")
        elif isinstance(sub, Mapping):
            _validate(sub, value[key], name + ".", errors)
        elif not sub.check(value[key]):
            errors.append(f"{name} = {value[key]!r}: not allowed; expected {sub.allowed()} ({sub.doc})")


def _describe(spec: Spec) -> str:
    return "a section" if isinstance(spec, Mapping) else f"{spec.allowed()} ({spec.doc})"


def _cross_checks(data: Mapping[str, Any], errors: list[str]) -> None:
    dom = data["domain"]
    if dom["q0_min"] >= dom["q0_max"]:
        errors.append(f"domain.q0_min = {dom['q0_min']!r}: must be below domain.q0_max = {dom['q0_max']!r}")
    if dom["a_min_au"] >= dom["a_max_au"]:
        errors.append(f"domain.a_min_au = {dom['a_min_au']!r}: must be below domain.a_max_au = {dom['a_max_au']!r}")
    sim = data["simulation"]
    if sim["n_steps"] % sim["n_energy_checks"]:
        errors.append(
            f"simulation.n_energy_checks = {sim['n_energy_checks']!r}: must divide "
            f"simulation.n_steps = {sim['n_steps']!r}"
        )
    if sim["min_bound_stars"] > sim["n_stars"]:
        errors.append(
            f"simulation.min_bound_stars = {sim['min_bound_stars']!r}: must not exceed "
            f"simulation.n_stars = {sim['n_stars']!r}"
        )
    split = data["design"]["split"]
    total = sum(split.values())
    if abs(total - 1.0) > 1e-9:
        errors.append(f"design.split = {dict(split)!r}: fractions must sum to 1 (they sum to {total:g})")
    elif split_counts(data["design"]["n_points"], split)["train"] < 2:
        errors.append(
            f"design.n_points = {data['design']['n_points']!r}: too few for the split {dict(split)!r}; "
            "allowed: enough points to leave at least 2 for training"
        )
    elif data["design"]["added_points"] and split_counts(data["design"]["added_points"], split)["train"] < 1:
        errors.append(
            f"design.added_points = {data['design']['added_points']!r}: too few for the split {dict(split)!r}; "
            "allowed: 0, or enough points to leave at least 1 for training"
        )


def load_config(path: str | Path, sections: Iterable[str] | None = None) -> Config:
    """Read and validate a profile file.

    **Arguments:**

    - `path`: a YAML file following [`SCHEMA`][].
    - `sections`: the top-level sections the caller reads (`None`: all). The whole file
      is validated either way.

    **Returns:**

    A [`Config`][]. Raises [`ConfigError`][] listing every problem at once.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    errors: list[str] = []
    _validate(SCHEMA, data, "", errors)
    if not errors:
        _cross_checks(data, errors)
    if errors:
        raise ConfigError(f"{path}: invalid config\n  " + "\n  ".join(errors))
    config = Config(profile=path.stem, path=path, sha256=hashlib.sha256(raw).hexdigest(), data=data)
    return config if sections is None else config.only(sections)


def write_section_stamps(config: Config, folder: str | Path) -> list[Path]:
    """Write `<folder>/<section>.json` for every section whose content changed.

    A stamp's bytes are the section's canonical JSON, so its modification time changes
    exactly when the section's content does: build rules that depend on a stamp rerun
    after an edit to that section only. Returns the stamps written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in config.sections:
        path = folder / f"{name}.json"
        text = _canonical(config.data[name]) + "\n"
        if not path.exists() or path.read_text() != text:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
            os.replace(tmp, path)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """`python -m clusteremu.config stamps CONFIG FOLDER`: validate, then refresh stamps."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] != "stamps":
        print("usage: python -m clusteremu.config stamps CONFIG FOLDER", file=sys.stderr)
        return 2
    try:
        write_section_stamps(load_config(args[1]), args[2])
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
