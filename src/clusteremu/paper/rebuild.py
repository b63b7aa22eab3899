"""Rebuild a profile in a scratch checkout and compare every artifact byte for byte.

The scratch checkout is a shared clone at the same commit with this working tree's
uncommitted changes laid over it, so the code, the config and the git state (commit and
dirty flag, which artifacts record) are the same. Sidecar records are not compared: they
hold the volatile facts (wall time, date) on purpose. Artifacts marked volatile in their
record (measured wall times) are the one exception to rebuilding: they are copied into the
scratch checkout and kept (`make -o`), so that everything made from them can be compared,
and they are listed as volatile rather than compared.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..repro.paths import Layout
from ..repro.provenance import RECORD_SUFFIX, load_record, record_path
from .audit import AuditReport

__all__ = ["artifacts", "compare", "rebuild_and_compare", "volatile_artifacts"]

VOLATILE = "volatile: measured on this machine, reused by the rebuild, not compared"


def artifacts(layout: Layout) -> list[Path]:
    """Every artifact of the profile, relative to the root (records, the staged manuscript
    and the config stamps excluded)."""
    out = []
    for folder in (layout.data, layout.figures, layout.build):
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            rel = path.relative_to(layout.root)
            bookkeeping = layout.stage in path.parents or layout.config_stamps in path.parents
            if path.is_file() and not path.name.endswith(RECORD_SUFFIX) and not bookkeeping:
                out.append(rel)
    return out


def volatile_artifacts(layout: Layout) -> list[Path]:
    """Artifacts whose record marks them volatile, relative to the root."""
    return [rel for rel in artifacts(layout) if load_record(layout.root / rel).get("volatile")]


def _scratch_checkout(root: Path, dest: Path) -> None:
    subprocess.run(["git", "clone", "--quiet", "--shared", str(root), str(dest)], check=True)
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        if (root / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, dest / rel)
    deleted = subprocess.run(["git", "ls-files", "-d", "-z"], cwd=root, capture_output=True, check=True).stdout
    for rel in filter(None, deleted.decode().split("\0")):
        (dest / rel).unlink(missing_ok=True)


def rebuild_and_compare(layout: Layout, venv: Path) -> AuditReport:
    """Run `make paper` for the profile in a scratch checkout and compare artifacts.

    **Returns:**

    An [`AuditReport`][clusteremu.paper.audit.AuditReport] with one row per artifact: empty if
    the rebuilt bytes are identical, else why not (differs, missing, or only in the rebuild).
    """
    report = AuditReport()
    with tempfile.TemporaryDirectory(prefix="clusteremu-rebuild-") as tmp:
        scratch = Path(tmp) / "repo"
        _scratch_checkout(layout.root, scratch)
        volatile = volatile_artifacts(layout)
        for rel in volatile:
            for src in (layout.root / rel, record_path(layout.root / rel)):
                (scratch / src.relative_to(layout.root)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, scratch / src.relative_to(layout.root))
        keep = [arg for rel in volatile for arg in ("-o", str(rel))]
        stamp = venv / ".installed-stamp"
        cmd = [
            "make",
            "--no-print-directory",
            "-o",
            str(stamp),
            *keep,
            "paper",
            f"PROFILE={layout.profile}",
            f"VENV={venv}",
        ]
        proc = subprocess.run(cmd, cwd=scratch, capture_output=True, text=True)
        if proc.returncode != 0:
            report.problems["(rebuild)"] = [f"make paper failed in the scratch checkout:\n{proc.stderr[-2000:]}"]
            return report
        mine, theirs = set(artifacts(layout)), set(artifacts(Layout(scratch, layout.profile)))
        for rel in sorted(mine | theirs):
            key = rel.as_posix()
            if rel in volatile:
                report.notes[key] = VOLATILE
                report.problems[key] = []
            elif rel not in theirs:
                report.problems[key] = ["not produced by the rebuild (stale artifact of an older pipeline?)"]
            elif rel not in mine:
                report.problems[key] = ["produced by the rebuild but missing here (run `make paper`)"]
            else:
                report.problems[key] = compare(layout.root / rel, scratch / rel)
    return report


def _made_at(artifact: Path) -> str:
    try:
        git = load_record(artifact).get("git") or {}
    except FileNotFoundError:  # the Makefile's own outputs (build/deps.mk) have no record
        return "no record"
    commit = (git.get("commit") or "an unknown commit")[:12]
    return f"{commit} (uncommitted changes)" if git.get("dirty") else commit


def compare(mine: Path, rebuilt: Path) -> list[str]:
    """Why the artifact `mine` is not byte for byte its rebuild `rebuilt` (empty if it is).

    A figure records the commit it was drawn at, so an artifact made at another commit than
    the rebuild's differs for that reason alone: the problem then names both commits and the
    remedy, rather than suggesting the pipeline is not reproducible."""
    if filecmp.cmp(mine, rebuilt, shallow=False):
        return []
    here, there = _made_at(mine), _made_at(rebuilt)
    if here != there:
        return [
            f"bytes differ from the rebuild, but this one was made at {here} and the rebuild at {there}: "
            "run `make clean` and `make paper` at one commit, then audit again"
        ]
    return ["bytes differ from the rebuild"]
