"""Checks of the command line's arguments, all made before any computation.

Each check raises [`UsageError`][] with one line naming the argument, the value and what
is allowed; `clusteremu` prints it and exits with status 2. Nothing here imports JAX, so
a refused call costs only Python's start-up.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path

from ..units import KM_S_PER_AU_YR, G

__all__ = [
    "MAX_SEED",
    "UsageError",
    "input_file",
    "input_folder",
    "number",
    "observation_limits",
    "output_file",
    "path_name",
    "profile_name",
    "seed",
]

#: Seeds feed `jax.random.key` (NUTS, simulate) and NumPy's generator (grid draws): the
#: range both take identically.
MAX_SEED = 2**32 - 1

#: Longest file-name component and path most Linux file systems take (bytes).
NAME_MAX = 255
PATH_MAX = 4096

_PROFILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class UsageError(ValueError):
    """An argument or input file the command line refuses (one line, exit status 2)."""


def _fmt(value: float) -> str:
    return f"{value:g}"


def number(
    flag: str, value: float, lo: float, hi: float, unit: str = "", *, lo_open: bool = False, hi_open: bool = False
) -> float:
    """`value` if it is finite and in the interval from `lo` to `hi` (open where asked); else `UsageError`."""
    ok = math.isfinite(value) and (lo < value if lo_open else lo <= value) and (value < hi if hi_open else value <= hi)
    if not ok:
        left, right = "(" if lo_open else "[", ")" if hi_open else "]"
        interval = f"{left}{_fmt(lo)}, {_fmt(hi)}{right}{unit}"
        raise UsageError(f"{flag} {_fmt(value)}{unit} is not allowed; allowed: a finite number in {interval}")
    return value


def seed(flag: str, value: int) -> int:
    """A seed in [0, 2^32 - 1], the same range for every command and sampler."""
    if not 0 <= value <= MAX_SEED:
        shown = str(value) if len(str(value)) <= 24 else f"{str(value)[:12]}... ({len(str(value))} digits)"
        raise UsageError(f"--seed {shown} is not allowed; allowed: an integer in [0, 2^32 - 1 = {MAX_SEED}]")
    return value


def profile_name(name: str) -> str:
    """A profile name short and plain enough to be a file name (`analysis/config/<name>.yaml`)."""
    if not _PROFILE.fullmatch(name):
        shown = repr(name) if len(name) <= 40 else f"{name[:20]!r}... ({len(name)} characters)"
        raise UsageError(
            f"--profile {shown} is not a profile name; allowed: 1 to 64 letters, digits, '_' or '-' "
            "(a file analysis/config/<name>.yaml)"
        )
    return name


def path_name(flag: str, path: str | Path) -> Path:
    """`path`, refused if the file system could not hold its name (too long, NUL byte)."""
    text = str(path)
    if "\0" in text or not text:
        raise UsageError(f"{flag} {text!r} is not a file name; allowed: a non-empty path without NUL characters")
    if len(os.fsencode(text)) > PATH_MAX:
        raise UsageError(f"{flag}: a path of {len(text)} characters; allowed: at most {PATH_MAX} bytes")
    for part in Path(text).parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise UsageError(
                f"{flag}: the name {part[:20]!r}... has {len(part)} characters; allowed: at most {NAME_MAX} bytes "
                "per file or folder name"
            )
    return Path(text)


def input_file(flag: str, path: str | Path, fix: str) -> Path:
    """An existing, readable regular file; `fix` says how to make it."""
    path = path_name(flag, path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise UsageError(f"{flag} {path} {what}; allowed: an existing file ({fix})")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{flag} {path} cannot be read; allowed: a readable file")
    return path


def input_folder(flag: str, path: str | Path) -> Path:
    """An existing folder."""
    path = path_name(flag, path)
    if not path.is_dir():
        raise UsageError(f"{flag} {path} is not a folder; allowed: an existing folder")
    return path


def output_file(flag: str, path: str | Path, suffix: str) -> Path:
    """A file path the run can write at its end: refused now, not after the work, if it cannot.

    The name must end in `suffix`, must not be a folder, and its folder (or the nearest
    existing folder above it, under which the missing ones will be made) must take a new
    file; that is tried with a temporary file, since permission bits do not tell (root,
    read-only mounts).
    """
    path = path_name(flag, path)
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a folder; allowed: a file name ending in {suffix}")
    if path.suffix != suffix:
        raise UsageError(f"{flag} {path} is not allowed; allowed: a file name ending in {suffix}")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"{flag} {path}: {folder} is not a folder; allowed: a path inside a writable folder")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".clusteremu-probe-")
    except OSError as exc:
        raise UsageError(
            f"{flag} {path}: cannot write in {folder} ({exc.strerror}); allowed: a path inside a writable folder"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return path


def observation_limits(config) -> dict[str, float]:
    """The largest sigma_v (km/s) and r_h (AU) the CLI accepts as observed for a profile.

    Generous physical bounds, not fits: 10 times the circular velocity sqrt(G M / a) of
    the most compact cluster of the prior (the softened potential's depth is about 20
    G M / a), and 100 times the largest Plummer radius. Beyond them no (Q0, a) of the
    prior explains the observation, and the likelihood underflows.
    """
    sim, dom = config["simulation"], config["domain"]
    mass = sim["n_stars"] * (sim["star_mass_msun"] if sim["mass_function"] == "equal" else sim["kroupa_max_msun"])
    v_circ = math.sqrt(G * mass / dom["a_min_au"]) * KM_S_PER_AU_YR
    return {
        "sigma_v_kms": 10.0 * v_circ,
        "r_h_au": 100.0 * dom["a_max_au"],
        "f_bound_min": sim["min_bound_stars"] / sim["n_stars"],
    }
