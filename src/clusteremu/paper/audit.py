"""Audit: prove that what the manuscript shows is what the current code and data produce.

Starting from every figure and number the manuscript uses (and the rendered PDF), the
audit checks each artifact's provenance record and follows its inputs transitively back to
the config and the scripts:

- the artifact exists and has a record;
- its bytes still hash to the recorded SHA-256;
- the producing script, each library module it depends on and each config section it
  read are unchanged since (an edit elsewhere in the library or the config does not make
  it stale: the audit has the build's granularity);
- every recorded input still exists with its recorded hash (and is itself audited if it
  is an artifact with a record);
- a figure's embedded provenance stamp agrees with its record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..config import section_sha256
from ..repro.paths import Layout
from ..repro.provenance import PNG_KEY, RECORD_SCHEMA, load_record, record_path, relpath, sha256_file
from .manuscript import PROV_PREFIX, used_figures, used_tables, used_variables
from .variables import lookup_variable

__all__ = ["AuditReport", "audit_artifacts", "audit_manuscript"]


@dataclass
class AuditReport:
    """Problems found per artifact (an empty list means the artifact passed every check)."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def table(self) -> str:
        """A plain-text table: one row per artifact, then one row per problem."""
        width = max([len(a) for a in self.problems] + [8])
        lines = [f"{'artifact':<{width}}  result", f"{'-' * width}  ------"]
        for artifact, problems in self.problems.items():
            note = f" ({self.notes[artifact]})" if artifact in self.notes else ""
            lines.append(f"{artifact:<{width}}  {'ok' if not problems else 'FAIL'}{note}")
            lines += [f"{'':<{width}}    - {p}" for p in problems]
        failed = sum(1 for p in self.problems.values() if p)
        lines.append(f"{len(self.problems)} artifacts audited, {failed} failed")
        return "\n".join(lines)


def _embedded_stamp(path: Path) -> dict | None:
    from PIL import Image

    with Image.open(path) as img:
        text = img.info.get(PNG_KEY)
    return json.loads(text) if text else None


def _config_sections(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _check_one(path: Path, root: Path) -> tuple[list[str], list[Path]]:
    """Problems of one artifact, and the inputs of it that have records of their own."""
    if not path.exists():
        return ["missing: not built (run `make paper`)"], []
    if not record_path(path).exists():
        return [f"no provenance record ({record_path(path).name})"], []
    rec = load_record(path)
    if rec.get("schema") != RECORD_SCHEMA:
        return [f"record schema {rec.get('schema')!r} is not {RECORD_SCHEMA!r}"], []
    problems = []
    if sha256_file(path) != rec["sha256"]:
        problems.append("content changed since it was written (hash differs from its record)")
    script = root / rec["script"]["path"]
    if not script.exists():
        problems.append(f"producing script {rec['script']['path']} no longer exists")
    elif sha256_file(script) != rec["script"]["sha256"]:
        problems.append(f"producing script {rec['script']['path']} changed since (artifact is stale)")
    for module, digest in rec["library"].items():
        if not (root / module).exists():
            problems.append(f"library module {module} no longer exists (artifact is stale)")
        elif sha256_file(root / module) != digest:
            problems.append(f"library module {module} changed since (artifact is stale)")
    if rec.get("config"):
        sections = _config_sections(root / rec["config"]["path"])
        for name, digest in rec["config"]["sections"].items():
            if name not in sections or section_sha256(sections[name]) != digest:
                problems.append(f"config section {name!r} of {rec['config']['path']} changed since (artifact is stale)")
    followed = []
    for inp in rec["inputs"]:
        ipath = root / inp["path"]
        if not ipath.exists():
            problems.append(f"input {inp['path']} is missing")
            continue
        if sha256_file(ipath) != inp["sha256"]:
            problems.append(f"input {inp['path']} changed since (hash differs from the one recorded)")
        if record_path(ipath).exists():
            followed.append(ipath)
    if path.suffix == ".png":
        stamp = _embedded_stamp(path)
        stable = {k: rec[k] for k in stamp} if stamp and all(k in rec for k in stamp) else None
        if stamp is None or stamp != stable:
            problems.append("embedded provenance stamp missing or different from the record")
    return problems, followed


def audit_artifacts(paths: Iterable[Path], root: Path) -> AuditReport:
    """Audit `paths` and, transitively, every recorded input that has a record."""
    report = AuditReport()
    queue = list(paths)
    while queue:
        path = queue.pop(0)
        key = relpath(path, root)
        if key in report.problems:
            continue
        report.problems[key], followed = _check_one(path, root)
        if record_path(path).exists() and load_record(path).get("volatile"):
            report.notes[key] = "volatile: a measurement of this machine"
        queue += followed
    return report


def audit_manuscript(layout: Layout) -> AuditReport:
    """Audit every figure and number the manuscript uses, and the rendered PDF."""
    targets = [layout.pdf, layout.variables, *used_figures(layout), *used_tables(layout)]
    report = audit_artifacts(targets, layout.root)
    if layout.variables.exists():
        variables = yaml.safe_load(layout.variables.read_text()) or {}
        key = relpath(layout.variables, layout.root)
        # Caption tags come from the figures' own records at render time.
        figures = {p.stem for p in used_figures(layout)}
        for name in used_variables(layout):
            if name.startswith(PROV_PREFIX):
                if name.removeprefix(PROV_PREFIX) not in figures:
                    report.problems[key].append(f"caption tag {name!r} names no figure of the manuscript")
                continue
            try:
                lookup_variable(variables, name)
            except KeyError:
                report.problems[key].append(f"variable {name!r} used by the manuscript is missing")
    return report
