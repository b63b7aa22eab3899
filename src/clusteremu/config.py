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
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from .config_schema import SCHEMA, Spec

__all__ = ["Config", "ConfigError", "SCHEMA", "load_config", "section_sha256", "split_counts", "write_section_stamps"]


class ConfigError(ValueError):
    """A profile file is unreadable or violates the schema."""


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
    sets = ("design", "truth", "inference", "reference", "development", "confirmation", "misspecification")
    for fresh in ("development", "confirmation"):
        for other in sets:
            if other != fresh and data[other]["seed"] == data[fresh]["seed"]:
                errors.append(
                    f"{fresh}.seed = {data[fresh]['seed']!r}: the same as {other}.seed; allowed: a seed no other "
                    f"set uses (the {fresh} set must be fresh simulations)"
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
