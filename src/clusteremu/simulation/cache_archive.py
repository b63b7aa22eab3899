"""The simulation cache as one shareable archive, with a manifest of hashes; verified import.

`make cache-export` writes `build/sim-cache.tar.gz` (or `FILE=`): every intact entry,
context and stored wall-time measurement of the cache and `manifest.json`, the SHA-256 of each file. The archive's bytes
depend only on the entries (sorted members, zero times and owners), so two exports of
one cache are identical. `make cache-import FILE=...` reads the whole archive and checks,
before it writes anything, that

- the members are exactly the manifest's files, regular files with cache paths only
  (`<context>/context.json`, `<context>/<kk>/<key>.json`, `measurements/<kk>/<key>.json`;
  nothing else, no `..`, no link; the cache's own folders may appear, as `tar` adds them);
- each file has its manifest hash;
- each entry is intact as the cache itself checks it (its content hash, its key is the
  hash of its inputs, it belongs to the context it lies in, whose `context.json` hashes to
  the entry's context), in the cache's canonical form; each measurement likewise
  ([`clusteremu.repro.measurements`][]);
- an entry already in the cache and intact is byte-identical (deterministic simulations
  cannot legitimately differ). A measurement already there is kept: two measurements of
  one thing differ, and the one taken on this machine stays.

Any failure refuses the whole archive, naming the members, and nothing is written; then
each file is written atomically. The hashes detect damage and edits; against a sender who
recomputes every hash, compare the manifest hash export prints (`--manifest-sha256`).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from ..repro.measurements import FOLDER as MEASUREMENTS
from ..repro.measurements import canonical_json, measurement_problem
from ..repro.provenance import atomic_write_bytes
from .cache import RESULT_FIELDS, entry_sha256

__all__ = ["ArchiveError", "CacheScan", "export_cache", "import_cache", "main", "scan_cache", "verify_files"]

FORMAT = "clusteremu.sim-cache-archive/1"
MANIFEST = "manifest.json"
_FOLDER = re.compile(rf"^(?:[0-9a-f]{{16}}|{MEASUREMENTS})(?:/[0-9a-f]{{2}})?/?$")
_PATH = re.compile(r"^(?P<ctx>[0-9a-f]{16})/(?:context\.json|(?P<kk>[0-9a-f]{2})/(?P<key>[0-9a-f]{64})\.json)$")
_MEASUREMENT = re.compile(rf"^{MEASUREMENTS}/(?P<kk>[0-9a-f]{{2}})/(?P<key>(?P=kk)[0-9a-f]{{62}})\.json$")


class ArchiveError(ValueError):
    """An archive (or a cache) that fails verification; the message names every bad member."""


@dataclass
class CacheScan:
    """A cache folder read whole: intact files by relative path, and what was left out."""

    files: dict[str, bytes] = field(default_factory=dict)
    damaged: list[str] = field(default_factory=list)
    temporary: list[str] = field(default_factory=list)

    @property
    def n_entries(self) -> int:
        return _count_entries(self.files)

    @property
    def n_measurements(self) -> int:
        return sum(name.startswith(MEASUREMENTS + "/") for name in self.files)


def _entry_problem(name: str, data: bytes, contexts: dict[str, bytes]) -> str | None:
    """Why the file `name` is not an intact cache file, or `None`."""
    if measured := _MEASUREMENT.match(name):
        return measurement_problem(measured["key"], data)
    match = _PATH.match(name)
    if not match:
        return f"not a cache path (<context>/context.json, <context>/<kk>/<key>.json or {MEASUREMENTS}/<kk>/<key>.json)"
    try:
        obj = json.loads(data)
    except ValueError:
        return "not JSON"
    if match["key"] is None:
        return None if isinstance(obj, dict) and "simulator_code_sha256" in obj else "not a cache context"
    try:
        inputs, result = obj["inputs"], obj["result"]
        if obj["sha256"] != entry_sha256(inputs, result) or set(result) != set(RESULT_FIELDS):
            return "its content does not match its hash"
        context = contexts.get(match["ctx"])
        if context is None or hashlib.sha256(canonical_json(json.loads(context))).hexdigest() != inputs["context"]:
            return "its context.json is missing or is another context"
    except (KeyError, TypeError, AttributeError, ValueError):
        return "not a cache entry"
    if hashlib.sha256(canonical_json(inputs)).hexdigest() != match["key"] or match["key"][:2] != match["kk"]:
        return "its name is not the hash of its inputs"
    return None if data == canonical_json(obj) else "not in the cache's canonical form"


def verify_files(files: dict[str, bytes]) -> list[str]:
    """Every problem of a set of cache files (relative path -> bytes), as `path: why`."""
    contexts = {name.split("/")[0]: data for name, data in files.items() if name.endswith("/context.json")}
    return [f"{name}: {why}" for name, data in sorted(files.items()) if (why := _entry_problem(name, data, contexts))]


def scan_cache(root: str | Path) -> CacheScan:
    """Read every file under `root`: intact ones, damaged ones, and temporary files of
    writers that died before their rename (harmless: never read as entries)."""
    root, scan = Path(root), CacheScan()
    found = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}
    for name in [n for n in found if n.rsplit("/", 1)[-1].startswith(".") and n.endswith(".tmp")]:
        scan.temporary.append(name)
        del found[name]
    files = {name: path.read_bytes() for name, path in found.items()}
    bad = {problem.split(":")[0] for problem in verify_files(files)}
    scan.damaged = sorted(bad)
    scan.files = {name: data for name, data in files.items() if name not in bad}
    return scan


def _tar_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def export_cache(root: str | Path, archive: str | Path) -> dict:
    """Write every intact file of the cache `root` and a manifest to `archive` (atomically).

    **Returns:**

    `entries` and `contexts` exported, `skipped` (damaged files, left out) and
    `manifest_sha256`, the hash to compare on import.
    """
    scan = scan_cache(root)
    body = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(scan.files.items())}
    manifest = json.dumps({"format": FORMAT, "files": body}, indent=1, sort_keys=True).encode() + b"\n"
    atomic_write_bytes(archive, _tar_bytes({MANIFEST: manifest, **dict(sorted(scan.files.items()))}))
    return {
        "entries": scan.n_entries,
        "contexts": len(scan.files) - scan.n_entries - scan.n_measurements,
        "measurements": scan.n_measurements,
        "skipped": scan.damaged,
        "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
    }


def _read_archive(archive: Path) -> tuple[bytes, dict[str, bytes], list[str]]:
    problems, files, manifest = [], {}, None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.isdir() and _FOLDER.match(member.name):
                    continue  # a folder of the cache (tar adds them when an archive is repacked by hand)
                if not member.isreg():
                    problems.append(f"{member.name}: not a regular file")
                elif member.name in files or (member.name == MANIFEST and manifest is not None):
                    problems.append(f"{member.name}: appears twice")
                elif member.name == MANIFEST:
                    manifest = tar.extractfile(member).read()
                else:
                    files[member.name] = tar.extractfile(member).read()
    except (OSError, tarfile.TarError, EOFError) as err:
        raise ArchiveError(f"{archive}: not a readable .tar.gz archive ({err}); export it again") from err
    if manifest is None:
        raise ArchiveError(f"{archive}: no {MANIFEST}; it was not written by make cache-export")
    return manifest, files, problems


def import_cache(archive: str | Path, root: str | Path, *, manifest_sha256: str | None = None) -> dict:
    """Verify every file of `archive` (see the module docs), then add them to the cache `root`.

    **Returns:**

    `added` and `present` (already there, identical) entry files and `manifest_sha256`.

    **Raises:**

    [`ArchiveError`][] listing every problem; nothing is written then.
    """
    archive, root = Path(archive), Path(root)
    manifest, files, problems = _read_archive(archive)
    digest = hashlib.sha256(manifest).hexdigest()
    if manifest_sha256 and digest != manifest_sha256.lower():
        problems.append(f"{MANIFEST}: SHA-256 {digest}, not the expected {manifest_sha256}")
    try:
        listed = json.loads(manifest)["files"] if json.loads(manifest)["format"] == FORMAT else None
    except (ValueError, KeyError, TypeError):
        listed = None
    if not isinstance(listed, dict):
        raise ArchiveError(f"{archive}: {MANIFEST} is not a {FORMAT} manifest")
    problems += [f"{name}: in the manifest, not in the archive" for name in sorted(set(listed) - set(files))]
    problems += [f"{name}: in the archive, not in the manifest" for name in sorted(set(files) - set(listed))]
    problems += [
        f"{name}: its SHA-256 is not the manifest's (edited or damaged)"
        for name, data in sorted(files.items())
        if name in listed and hashlib.sha256(data).hexdigest() != listed[name]
    ]
    problems += verify_files(files)
    present, new = [], {}
    existing = scan_cache(root) if not problems else CacheScan()
    for name, data in files.items():
        # Two measurements of one thing legitimately differ: the one this machine took stays.
        if name in existing.files and existing.files[name] != data and not _MEASUREMENT.match(name):
            problems.append(f"{name}: differs from the intact entry already in {root}")
        elif name in existing.files:
            present.append(name)
        else:
            new[name] = data
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise ArchiveError(f"{archive} refused, nothing imported ({len(problems)} problems):\n  {shown}")
    # Contexts before entries: a reader never meets an entry whose context is missing.
    for name in sorted(new, key=lambda n: not n.endswith("context.json")):
        atomic_write_bytes(root / name, new[name], durable=False)
    return {
        "added": _count_entries(new),
        "present": _count_entries(present),
        "measurements_added": sum(bool(_MEASUREMENT.match(name)) for name in new),
        "manifest_sha256": digest,
    }


def _count_entries(names) -> int:
    """How many of `names` are simulations (neither a context nor a measurement)."""
    return sum(bool(_PATH.match(name)) and not name.endswith("context.json") for name in names)


def main(argv: list[str] | None = None) -> int:
    """`python -m clusteremu.simulation.cache_archive export|import ...` (see `--help`)."""
    parser = argparse.ArgumentParser(prog="python -m clusteremu.simulation.cache_archive", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="write the cache's intact entries and a manifest to an archive")
    exp.add_argument("--cache", required=True, help="the simulation cache folder")
    exp.add_argument("--out", required=True, help="archive to write (.tar.gz)")
    imp = sub.add_parser("import", help="verify an archive and add its entries to the cache")
    imp.add_argument("archive", help="archive written by export")
    imp.add_argument("--cache", required=True, help="the simulation cache folder")
    imp.add_argument("--manifest-sha256", help="refuse unless the manifest has this SHA-256 (printed by export)")
    args = parser.parse_args(argv)
    try:
        if args.command == "export":
            if not str(args.out).endswith(".tar.gz"):
                raise ArchiveError(f"--out {args.out}: name the archive *.tar.gz")
            out = export_cache(args.cache, args.out)
            print(
                f"{args.out}: {out['entries']} entries, {out['contexts']} contexts, {out['measurements']} measurements"
            )
            print(f"manifest sha256 {out['manifest_sha256']}")
            for name in out["skipped"]:
                print(f"left out (damaged, will be recomputed): {name}", file=sys.stderr)
        else:
            out = import_cache(args.archive, args.cache, manifest_sha256=args.manifest_sha256)
            print(
                f"{args.cache}: {out['added']} entries added, {out['present']} already there, "
                f"{out['measurements_added']} measurements added"
            )
            print(f"manifest sha256 {out['manifest_sha256']}")
    except (ArchiveError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
