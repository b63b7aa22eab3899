"""The study's family of likelihoods, built from their registry entries.

[`likelihood_family`][] builds every likelihood of
[`clusteremu.inference.registry.LIKELIHOODS`][] from loaded models (the study);
[`load_likelihood`][] builds one, reading only the model files it needs (the command line,
the reference posteriors, the costs).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..emulators.gp import GPEmulator
from ..emulators.learned_noise import LearnedEmulator
from ..emulators.mean_ensemble import Emulator
from .flow_likelihood import FlowLikelihoodModel
from .gaussian import Likelihood
from .gp_likelihood import GPLikelihood
from .learned_likelihood import LearnedLikelihood
from .model import LikelihoodModel, Selected
from .registry import LIKELIHOODS, MODEL_FILES, LikelihoodSpec, spec

__all__ = [
    "MODEL_FILES",
    "FlowLikelihoodModel",
    "GPLikelihood",
    "LearnedLikelihood",
    "likelihood_family",
    "load_likelihood",
    "model_files",
]


def _base(entry: LikelihoodSpec, models: Mapping[str, Any], obs_sd) -> LikelihoodModel:
    """The likelihood of `entry`'s forward model, before any P(usable) factor."""
    if entry.model == "mean":
        return Likelihood.of(models["mean"], entry.width, obs_sd)
    if entry.model == "gp":
        return GPLikelihood(models["gp"], obs_sd)
    if entry.model == "learned":
        return LearnedLikelihood(models["learned"], obs_sd)
    return FlowLikelihoodModel(models["flow"], None if obs_sd is None else np.asarray(obs_sd, float))


def _build(entry: LikelihoodSpec, models: Mapping[str, Any], obs_sd, bases: dict | None = None) -> LikelihoodModel:
    """The likelihood `entry` describes, on loaded `models` (by role); `bases` shares one
    inner likelihood between the entries with and without the P(usable) factor."""
    bases = {} if bases is None else bases
    key = (entry.model, entry.width)
    if key not in bases:
        bases[key] = _base(entry, models, obs_sd)
    like = bases[key]
    return Selected(like, models["learned"].selection) if entry.selection else like


def likelihood_family(
    em: Emulator, learned: LearnedEmulator, gp: GPEmulator, flow=None, obs_sd=None
) -> dict[str, LikelihoodModel]:
    """Every likelihood of [`clusteremu.inference.registry.LIKELIHOODS`][] that the models allow.

    The three Gaussian widths around the mean emulator, the GP as forward model, the
    learned-noise Gaussian with and without the P(usable) factor, and (if given) the flow
    with and without it. `obs_sd`, the measurement sds (physical units), enters every
    likelihood (a flow takes them as a condition, within the range it was trained for). A
    likelihood with the P(usable) factor wraps the very object of the one without
    ([`clusteremu.inference.grid.grid_posteriors`][] evaluates it once for both).
    """
    models, bases = {"mean": em, "learned": learned, "gp": gp, "flow": flow}, {}
    return {s.name: _build(s, models, obs_sd, bases) for s in LIKELIHOODS if models[s.model] is not None}


def model_files(args) -> dict[str, str]:
    """The model files of a script's arguments `--model`, `--learned`, `--gp`, `--flow`, by role."""
    return {"mean": args.model, "learned": args.learned, "gp": args.gp, "flow": args.flow}


def _load(role: str, path: str | Path):
    if role == "mean":
        return Emulator.load(path)
    if role == "gp":
        return GPEmulator.load(path)
    if role == "learned":
        from ..emulators.learned_noise import load_learned

        return load_learned(path)
    from ..emulators.flow import load_flow

    return load_flow(path)


def load_likelihood(name: str, files: Mapping[str, str | Path], obs_sd=None) -> LikelihoodModel:
    """One likelihood of the registry, reading only the model files it needs.

    **Arguments:**

    - `name`: a key of [`clusteremu.inference.registry.LIKELIHOOD_NAMES`][].
    - `files`: model file by role (`mean`, `learned`, `gp`, `flow`; see [`MODEL_FILES`][]).
    - `obs_sd`: measurement sds of (f_bound, sigma_v km/s, r_h AU), or None.

    **Returns:**

    The likelihood. Raises `ValueError` for an unknown name or measurement sds the model
    cannot take (a flow names the range it was trained for), `FileNotFoundError` naming a
    missing file.
    """
    entry = spec(name)
    for role in entry.needs:
        if not Path(files[role]).exists():
            raise FileNotFoundError(f"the {name!r} likelihood needs {files[role]}, which does not exist")
    return _build(entry, {role: _load(role, files[role]) for role in entry.needs}, obs_sd)
