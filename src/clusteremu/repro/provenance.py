"""Provenance records and atomic artifact writes.

Every artifact of the pipeline (table, dataset, model, results JSON, figure, PDF) is
written through a [`Run`][], which

1. writes the bytes to a temporary file in the target folder and renames it into place,
   so a crash never leaves a half-written artifact behind, and
2. writes a sidecar record `<artifact>.prov.json` saying exactly how it was made: the
   producing script and its hash, the hash of every library module the script depends
   on (found by [`clusteremu.repro.depscan`][]), the git commit and dirty flag, the command line,
   the profile and the hash of each config section the script read, the hash of every
   input file, the hash of the output, the seeds, package versions and the wall time.

Figures additionally carry the *deterministic* part of the record (no wall time, no dates)
inside their PNG metadata, so a rebuild can be byte-identical. The record is what
`clusteremu audit` checks; see [`clusteremu.paper.audit`][].
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from ..config import Config
from .depscan import script_closure

__all__ = [
    "RECORD_SCHEMA",
    "Run",
    "atomic_write_bytes",
    "git_state",
    "load_record",
    "record_path",
    "relpath",
    "sha256_file",
]

# Scripts create their Run at the end, once everything they write is computed, so wall
# time is measured from when the package was first imported (the start of the script).
_T_START = time.perf_counter()

RECORD_SCHEMA = "clusteremu.provenance/2"
RECORD_SUFFIX = ".prov.json"
PNG_KEY = "clusteremu-provenance"
_PACKAGES = (
    "jax",
    "jaxlib",
    "equinox",
    "optax",
    "numpyro",
    "numpy",
    "scipy",
    "arviz",
    "matplotlib",
    "scikit-learn",
    "typst",
    "pypandoc-binary",
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as lowercase hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def relpath(path: str | Path, root: str | Path | None = None) -> str:
    """`path` relative to `root` (default: the working directory) in POSIX form."""
    root = Path(root or Path.cwd()).resolve()
    path = Path(path).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def record_path(artifact: str | Path) -> Path:
    """Where the sidecar record of `artifact` lives."""
    artifact = Path(artifact)
    return artifact.with_name(artifact.name + RECORD_SUFFIX)


def load_record(artifact: str | Path) -> dict[str, Any]:
    """Read the sidecar record of `artifact`; raises `FileNotFoundError` if there is none."""
    return json.loads(record_path(artifact).read_text())


def git_state(root: str | Path | None = None) -> dict[str, Any]:
    """The commit checked out at `root` and whether the working tree has changes.

    Dirty means: a tracked file differs from the commit (staged or not), or an untracked
    file lies inside the tracked tree, under a top-level folder that git tracks (`src/`,
    `analysis/`, ...), where a script, an import or the Makefile may read it. Untracked
    files and folders at the top level outside it (a `scratch/` folder, a `run.npz` a
    user wrote next to the Makefile) are inputs of no build step, so they do not mark
    every later artifact as built from a changed tree; ignored files never count. (A
    top-level untracked file that shadows a module name is the one case this misses: the
    scripts run from `analysis/` and import the installed package, so it reaches none of them.)
    Outside a git checkout both are `None`; the record says so rather than guessing.
    """
    root = str(root or Path.cwd())

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        status = git("status", "--porcelain", "-z", "--untracked-files=normal")
        top = {p.split("/", 1)[0] for p in git("ls-files", "-z").split("\0") if "/" in p}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    dirty = False
    entries = iter(status.split("\0"))
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # a rename or copy is followed by its old name
        if code != "??" or path.split("/", 1)[0] in top:
            dirty = True
            break
    return {"commit": commit, "dirty": dirty}


def atomic_write_bytes(path: str | Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` so that readers see either the old file or the new one.

    `durable=False` skips the fsync, for files whose corruption is detected on reading.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; artifacts are ordinary files
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


class Run:
    """One execution of a producing script, able to write artifacts with their records.

    **Arguments:**

    - `script`: path of the producing script (normally `__file__`).
    - `config`: the validated profile (the view of the sections the script declared), or
      `None` for steps that read none; the record holds the hash of each readable section.
    - `inputs`: files the script read besides the config and itself (data, models, records).
    - `seeds`: every seed the script used, by name.
    - `argv`: the command line; defaults to `sys.argv`.

    Create it *after* the config is validated and inputs are read, so that a failing
    script writes nothing.
    """

    def __init__(
        self,
        script: str | Path,
        config: Config | None,
        inputs: Iterable[str | Path] = (),
        seeds: Mapping[str, int] | None = None,
        argv: list[str] | None = None,
    ):
        self.root = Path.cwd()
        self.script = Path(script)
        self.config = config
        self.inputs = sorted({relpath(p, self.root) for p in inputs})
        self.seeds = dict(seeds or {})
        self.argv = list(sys.argv if argv is None else argv)
        self.git = git_state(self.root)
        self._deterministic = self._stable_part()

    def _stable_part(self) -> dict[str, Any]:
        cfg = self.config
        return {
            "schema": RECORD_SCHEMA,
            "script": {"path": relpath(self.script, self.root), "sha256": sha256_file(self.script)},
            # Only what the script imports: a typo fixed in an unrelated module is not staleness.
            "library": {relpath(p, self.root): sha256_file(p) for p in script_closure(self.script)},
            "git": self.git,
            "profile": cfg.profile if cfg else None,
            "config": {"path": relpath(cfg.path, self.root), "sections": cfg.section_hashes()} if cfg else None,
            "inputs": [{"path": p, "sha256": sha256_file(self.root / p)} for p in self.inputs],
            "seeds": self.seeds,
        }

    def stable_record(self) -> dict[str, Any]:
        """The part of the record that a rebuild reproduces exactly (embedded in figures)."""
        return dict(self._deterministic)

    def write_bytes(
        self, path: str | Path, data: bytes, extra: Mapping[str, Any] | None = None, *, volatile: bool = False
    ) -> Path:
        """Atomically write `data` to `path`, then its record. Returns the path.

        `volatile=True` marks an artifact whose bytes are a measurement of this machine and
        moment (wall times): the audit lists it as volatile, and a byte-for-byte rebuild
        reuses it instead of measuring again (see [`clusteremu.paper.rebuild`][]).
        """
        path = Path(path)
        atomic_write_bytes(path, data)
        record = {
            **self._deterministic,
            "volatile": volatile,
            "artifact": relpath(path, self.root),
            "sha256": sha256_bytes(data),
            "command": self.argv,
            "packages": _versions(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "wall_time_s": round(time.perf_counter() - _T_START, 3),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "extra": dict(extra or {}),
        }
        atomic_write_bytes(record_path(path), (json.dumps(record, indent=2) + "\n").encode())
        return path

    def write_fit(
        self,
        model_path: str | Path,
        model: Any,
        summary_path: str | Path,
        summary: Mapping[str, Any],
        *,
        seconds: float,
    ) -> None:
        """A fitted model's file and its summary (JSON), each record noting the fit's wall time (s).

        `model` is anything with `to_bytes(info)` (the emulators, the flow); its header's
        `info` gets the summary's `epochs_run`. The wall time is volatile: it goes into the
        records' `extra`, never into an artifact.
        """
        extra = {"train_seconds": round(seconds, 2)}
        self.write_bytes(model_path, model.to_bytes({"epochs_run": summary["epochs_run"]}), extra=extra)
        self.write_json(summary_path, summary, extra=extra)

    def write_text(self, path: str | Path, text: str, extra: Mapping[str, Any] | None = None) -> Path:
        return self.write_bytes(path, text.encode(), extra)

    def write_json(
        self, path: str | Path, obj: Any, extra: Mapping[str, Any] | None = None, *, volatile: bool = False
    ) -> Path:
        """Write `obj` as JSON with sorted keys, so equal content gives equal bytes."""
        return self.write_bytes(
            path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode(), extra, volatile=volatile
        )

    def write_arrays(self, path: str | Path, arrays: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> Path:
        """Write named arrays as an uncompressed `.npz` (NumPy fixes the zip dates: stable bytes)."""
        import numpy as np

        buffer = io.BytesIO()
        np.savez(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
        return self.write_bytes(path, buffer.getvalue(), extra)

    def save_figure(self, fig: Any, path: str | Path, dpi: int) -> Path:
        """Save a matplotlib figure as PNG with the deterministic record in its metadata."""
        buffer = io.BytesIO()
        stamp = json.dumps(self.stable_record(), sort_keys=True, separators=(",", ":"))
        # Software=None drops matplotlib's version string, which would differ across installs.
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None, PNG_KEY: stamp})
        return self.write_bytes(path, buffer.getvalue())
