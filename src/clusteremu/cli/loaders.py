"""The files the command line reads: the profile, the emulators, the likelihoods' models."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..config import ConfigError
from ..repro.paths import Layout


def _layout(args: argparse.Namespace) -> Layout:
    root = Path(args.root).resolve()
    layout = Layout(root, args.profile)
    if not layout.config.exists():
        known = sorted(p.stem for p in layout.config.parent.glob("*.yaml"))
        raise ConfigError(f"unknown profile {args.profile!r}; allowed: {', '.join(known) or 'none found'}")
    return layout


def _load_model(args: argparse.Namespace):
    from ..emulators.files import EnsembleFileError, load_model

    layout = _layout(args)
    model = Path(args.model) if args.model else layout.data / "learned.eqx"
    if not model.exists():
        raise ConfigError(f"no trained emulator at {model}; run `make paper PROFILE={args.profile}` first")
    try:
        return model, load_model(model)
    except EnsembleFileError as exc:
        raise ConfigError(str(exc)) from None


def _likelihood_name(args: argparse.Namespace, data: Path, measured: bool) -> str:
    """The likelihood asked for, or the one the profile's coverage study recommends (with
    measurement errors: the one it recommends among those that model them)."""
    from ..paper.labels import LIKELIHOOD_NAMES

    if args.likelihood != "recommended":
        if args.likelihood not in LIKELIHOOD_NAMES:
            raise ConfigError(f"--likelihood {args.likelihood!r}; allowed: recommended, {', '.join(LIKELIHOOD_NAMES)}")
        return args.likelihood
    study = data / "inference.json"
    if not study.exists():
        raise ConfigError(
            f"no coverage study at {study} to take the recommended likelihood from; run "
            f"`make paper PROFILE={args.profile}` or pass --likelihood (allowed: "
            f"{', '.join(LIKELIHOOD_NAMES)})"
        )
    result = json.loads(study.read_text())
    return result["measurement"]["likelihood"] if measured else result["recommended"]


def _likelihood(args: argparse.Namespace, name: str, files: dict, obs_sd):
    from ..emulators.flow import FlowFileError
    from ..emulators.modelfile import EnsembleFileError
    from ..inference.family import load_likelihood
    from ..inference.model import Likelihood

    try:
        if args.sigma is None:
            return load_likelihood(name, files, obs_sd)
        sigma = np.asarray(args.sigma, dtype=float)
        if name != "constant":
            raise ConfigError(
                f"--sigma fixes the widths of the constant likelihood; pass --likelihood constant "
                f"(not {name!r}) with it"
            )
        if np.any(sigma <= 0) or not np.all(np.isfinite(sigma)):
            raise ConfigError("--sigma needs three positive numbers (f_bound, sigma_v km/s, r_h AU)")
        return Likelihood(load_likelihood("constant", files).emulator, "constant", sigma, np.diag(sigma**2), obs_sd)
    except FileNotFoundError as exc:
        raise ConfigError(f"{exc}; run `make paper PROFILE={args.profile}` first") from None
    except (ValueError, EnsembleFileError, FlowFileError) as exc:
        raise ConfigError(str(exc)) from None
