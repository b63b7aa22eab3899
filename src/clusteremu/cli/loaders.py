"""Every file the command line reads, opened through one checked loader each.

A missing, unreadable or malformed file is refused with one line naming the file and the
fix (`make paper PROFILE=<profile>` rebuilds every model file of a profile), never a
traceback from the parser underneath. JAX is imported only by the loaders of model files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..config import load_config
from ..repro.paths import Layout
from . import checks
from .checks import UsageError

__all__ = [
    "config",
    "emulator",
    "file_hashes",
    "in_domain",
    "layout",
    "likelihood",
    "likelihood_files",
    "read_json",
    "recommended_likelihoods",
    "start_jax",
    "version",
]


def layout(args: argparse.Namespace) -> Layout:
    """The repository folders of `--root` and `--profile`, both checked."""
    root = checks.input_folder("--root", args.root).resolve()
    checks.profile_name(args.profile)
    out = Layout(root, args.profile)
    if not out.config.is_file():
        known = sorted(p.stem for p in out.config.parent.glob("*.yaml"))
        raise UsageError(f"unknown profile {args.profile!r}; allowed: {', '.join(known) or 'none found'}")
    return out


def config(where: Layout, sections: tuple[str, ...] | None = None):
    """The profile's validated config (`ConfigError` names the key, value and what is allowed)."""
    try:
        return load_config(where.config, sections=sections) if sections else load_config(where.config)
    except OSError as exc:
        raise UsageError(f"{where.config}: cannot read ({exc.strerror})") from None


def in_domain(cfg, q0: float, a: float) -> None:
    """Refuse a (Q0, a) outside the profile's domain (the simulator's prior box)."""
    dom = cfg["domain"]
    for flag, value, lo, hi, unit in (
        ("--q0", q0, dom["q0_min"], dom["q0_max"], ""),
        ("--a", a, dom["a_min_au"], dom["a_max_au"], " AU"),
    ):
        if not (value == value and lo <= value <= hi):  # NaN fails both comparisons
            raise UsageError(
                f"{flag} {value:g}{unit} is outside the domain of profile {cfg.profile!r}; "
                f"allowed: {lo:g} to {hi:g}{unit}"
            )


def read_json(path: Path, fix: str) -> Any:
    """A JSON file's content; an unreadable or malformed file is refused naming it and `fix`."""
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist; {fix}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror}); {fix}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise UsageError(f"{path} is not valid JSON{where}; {fix}") from None


def recommended_likelihoods(path: Path, profile: str) -> tuple[str, str]:
    """The coverage study's recommended likelihood, and its recommendation among those that
    model measurement errors: the only place the command line reads `inference.json`, through
    its type ([`LikelihoodComparison`][clusteremu.evaluation.reports.LikelihoodComparison]).
    Reading the paper's (1 MB) that way takes 0.4 s, so the two names are kept in the
    per-user cache under the file's content ([`programs.remembered`][clusteremu.cli.programs.remembered])."""
    from .programs import remembered

    return tuple(remembered("recommended", [path], lambda: _recommended(path, profile)))


def _recommended(path: Path, profile: str) -> list[str]:
    from ..evaluation.reports import LikelihoodComparison, StudyError
    from ..inference.registry import LIKELIHOOD_NAMES

    fix = (
        f"rebuild it with `make paper PROFILE={profile}` or pass --likelihood (allowed: {', '.join(LIKELIHOOD_NAMES)})"
    )
    try:
        study = LikelihoodComparison.from_data(read_json(path, fix), path)
    except StudyError as exc:
        reason = str(exc).split("; rebuild", 1)[0].removeprefix(f"{path}: ")
        raise UsageError(f"{path} is not a likelihood comparison of this version ({reason}); {fix}") from None
    names = (study.recommended, study.measurement.likelihood)
    if not all(n in LIKELIHOOD_NAMES for n in names):
        raise UsageError(f"{path} recommends {names[0]!r} / {names[1]!r}, unknown likelihoods; {fix}")
    return list(names)


#: The model check's null in a profile's data folder (written by `analysis/18_confirmation.py`).
CHECK_FILE = "model_check.json"


def check_null(data: Path, name: str, profile: str) -> tuple[list[float] | None, str]:
    """The model check's null p-values for the likelihood `name` from `data/model_check.json`
    ([`CheckCalibration`][clusteremu.evaluation.check_calibration.CheckCalibration]) and how
    the check is calibrated; None (raw p-values) where the file is absent or holds another
    likelihood's null. A damaged file is refused, naming it and the fix."""
    from ..evaluation.check_calibration import CheckCalibration
    from ..evaluation.reports import StudyError

    path = data / CHECK_FILE
    if not path.exists():
        return None, f"not calibrated: {path} does not exist (`make paper PROFILE={profile}` writes it)"
    try:
        record = CheckCalibration.from_data(read_json(path, _fix(profile)), path)
    except StudyError as exc:
        reason = str(exc).split("; rebuild", 1)[0].removeprefix(f"{path}: ")
        raise UsageError(f"{path} is not a model-check null of this version ({reason}); {_fix(profile)}") from None
    if record.likelihood != name or not record.null_p:
        return None, f"not calibrated: {path} holds no null for {name!r}"
    return record.null_p, f"calibrated against {record.n_used} held-out simulations of the model's own physics"


def _fix(profile: str) -> str:
    return f"rebuild it with `make paper PROFILE={profile}`"


def emulator(path: Path, profile: str):
    """Either kind of emulator file (`predict --model`), checked (after [`start_jax`][])."""
    checks.input_file("--model", path, f"a trained emulator; run `make paper PROFILE={profile}` first")
    from ..emulators.files import load_model
    from ..emulators.modelfile import REFIT, ModelFileError

    try:
        return load_model(path)
    except ModelFileError as exc:
        raise UsageError(f"{str(exc).removesuffix(f'; {REFIT}')}; {_fix(profile)} or pass another --model") from None


def likelihood_files(name: str, data: Path, profile: str) -> list[Path]:
    """The model files in `data` that the likelihood `name` reads, each checked to be a readable file."""
    from ..inference.registry import MODEL_FILES, spec

    files = [data / MODEL_FILES[role] for role in spec(name).needs]
    for path in files:
        checks.input_file(f"the {name!r} likelihood's model", path, f"run `make paper PROFILE={profile}`")
    return files


def likelihood(name: str, data: Path, obs_sd, sigma, profile: str):
    """The likelihood `name` on the model files of `data`, each checked before it is read.

    `sigma`: fixed widths for the `constant` likelihood (or None); `obs_sd`: measurement
    sds (or None). Every model file is read through `clusteremu.emulators.modelfile`, whose
    errors name the file and what is wrong with it. Call [`start_jax`][] first.
    """
    from ..inference.registry import MODEL_FILES

    likelihood_files(name, data, profile)
    files = {role: data / f for role, f in MODEL_FILES.items()}
    import numpy as np

    from ..emulators.modelfile import REFIT, ModelFileError
    from ..inference.family import load_likelihood
    from ..inference.gaussian import Likelihood

    try:
        if sigma is None:
            return load_likelihood(name, files, obs_sd)
        return Likelihood(load_likelihood("constant", files).emulator, "constant", sigma, np.diag(sigma**2), obs_sd)
    except ModelFileError as exc:
        raise UsageError(f"{str(exc).removesuffix(f'; {REFIT}')}; {_fix(profile)}") from None
    except ValueError as exc:  # measurement sds the model cannot take (a flow names its trained range)
        raise UsageError(f"--obs-sd with the {name!r} likelihood: {exc}") from None


def file_hashes(name: str, data: Path) -> dict[str, str]:
    """SHA-256 of each model file the likelihood `name` read, by file name."""
    from ..inference.registry import MODEL_FILES, spec
    from ..repro.provenance import sha256_file

    return {MODEL_FILES[role]: sha256_file(data / MODEL_FILES[role]) for role in spec(name).needs}


def version(where: Layout) -> dict[str, Any]:
    """The package version and the commit of `where.root` (None outside a git checkout)."""
    from .. import __version__
    from ..repro.provenance import git_state

    state = git_state(where.root)
    return {"clusteremu_version": __version__, "commit": state["commit"], "dirty": state["dirty"]}


def start_jax(*, one_thread: bool = False, compilation_cache: bool = True) -> None:
    """Import JAX for a command that computes.

    `compilation_cache`: JAX's persistent compilation cache on, in the per-user folder
    ([`cache_folder`][clusteremu.compilation_cache.cache_folder]; never in the
    repository), so that a second call loads XLA's executables instead of compiling them
    (`simulate`); the commands that keep their own compiled programs there
    ([`clusteremu.cli.programs`][]) leave it off. `one_thread`: one XLA worker thread,
    faster for NUTS (see [`clusteremu.inference.threads`][]).
    """
    import jax

    from .. import _jaxconfig  # noqa: F401  (float64 before any array)
    from ..compilation_cache import use_compilation_cache

    if compilation_cache:
        use_compilation_cache()
    else:  # without a folder JAX would still hash every program for it
        jax.config.update("jax_enable_compilation_cache", False)
    if one_thread:
        from ..inference.threads import start_one_thread

        start_one_thread()
