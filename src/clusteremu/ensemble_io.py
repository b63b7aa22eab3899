"""Save and load trained emulators as versioned files: the mean emulator and the learned one.

[`Emulator`][clusteremu.emulator.Emulator] (format `clusteremu.emulator/2`) and
[`LearnedEmulator`][clusteremu.learned.LearnedEmulator] (`clusteremu.learned/1`) share one
layout; [`load_model`][] reads either.

The layout is [`clusteremu.modelfile`][]'s: a JSON header, then the arrays. The header
holds what rebuilds an emulator's structure: architecture, output names, training domain,
number of noise-model points (or, for the learned one, the stars per cluster).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp

from . import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .emulator import Emulator
from .emulator_data import Normalizer
from .learned import LearnedEmulator
from .mlp import MLP, make_ensemble
from .modelfile import ModelFileError, model_bytes, read_arrays, read_model_file
from .prior import ParameterBox
from .selection import SelectionModel
from .transforms import SummaryTransform
from .uncertainty import NoiseModel

__all__ = [
    "FORMAT",
    "LEARNED_FORMAT",
    "EnsembleFileError",
    "emulator_bytes",
    "learned_bytes",
    "load_emulator",
    "load_learned",
    "load_model",
    "read_header",
]

FORMAT = "clusteremu.emulator/2"
LEARNED_FORMAT = "clusteremu.learned/1"


class EnsembleFileError(ModelFileError):
    """An emulator file is malformed, of another format version, or inconsistent."""


def _architecture(ensemble: MLP) -> dict[str, Any]:
    layers = ensemble.layers
    sizes = [int(layers[0].weight.shape[-1])] + [int(layer.weight.shape[-2]) for layer in layers]
    return {"sizes": sizes, "n_members": int(layers[0].weight.shape[0])}


def emulator_bytes(em: Emulator, info: dict[str, Any]) -> bytes:
    """Serialize `em`; `info` (JSON-able facts about the fit) goes into the header unread."""
    head = {
        "format": FORMAT,
        **_architecture(em.ensemble),
        "outputs": list(em.outputs),
        "domain": em.domain.as_dict(),
        "noise_points": int(em.noise.x_unit.shape[0]),
        "info": info,
    }
    return model_bytes(em, head)


def learned_bytes(em: LearnedEmulator, info: dict[str, Any]) -> bytes:
    """Serialize a learned-noise emulator; `info` goes into the header unread."""
    head = {
        "format": LEARNED_FORMAT,
        **_architecture(em.ensemble),
        "n_stars": em.transform.n_stars,
        "domain": em.domain.as_dict(),
        "info": info,
    }
    return model_bytes(em, head)


def read_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of an emulator file (checks its format and checksum; reads no array)."""
    header, _ = _read(path, (FORMAT,))
    return header


def _read(path: str | Path, formats: tuple[str, ...]) -> tuple[dict[str, Any], bytes]:
    return read_model_file(path, formats, kind="an emulator", error=EnsembleFileError)


def load_emulator(path: str | Path) -> Emulator:
    """Read an emulator file written by [`emulator_bytes`][]."""
    path = Path(path)
    header, blob = _read(path, (FORMAT,))
    n_out, k = len(header["outputs"]), header["noise_points"]
    zeros = jnp.zeros
    skeleton = Emulator(
        ensemble=make_ensemble(header["n_members"], header["sizes"], key=jax.random.key(0)),
        normalizer=Normalizer(zeros(2), zeros(2), zeros(n_out), zeros(n_out)),
        noise=NoiseModel(zeros((k, 2)), zeros((k, n_out)), 0.0),
        scale=zeros(n_out),
        residual_sd=zeros(n_out),
        residual_cov=zeros((n_out, n_out)),
        domain=ParameterBox.from_domain(header["domain"]),
        outputs=tuple(header["outputs"]),
    )
    return read_arrays(path, blob, skeleton, structure=str(header["sizes"]), error=EnsembleFileError)


def load_learned(path: str | Path) -> LearnedEmulator:
    """Read a learned-noise emulator file written by [`learned_bytes`][]."""
    path = Path(path)
    header, blob = _read(path, (LEARNED_FORMAT,))
    z2, z3 = jnp.zeros(2), jnp.zeros(3)
    skeleton = LearnedEmulator(
        make_ensemble(header["n_members"], header["sizes"], key=jax.random.key(0)),
        z2,
        z2,
        z3,
        z3,
        z3,
        SummaryTransform(header["n_stars"]),
        SelectionModel(jnp.zeros(6), z2, z2),
        ParameterBox.from_domain(header["domain"]),
    )
    return read_arrays(path, blob, skeleton, structure=str(header["sizes"]), error=EnsembleFileError)


def load_model(path: str | Path) -> Emulator | LearnedEmulator:
    """Read either kind of emulator file, by its format."""
    header, _ = _read(path, (FORMAT, LEARNED_FORMAT))
    return load_emulator(path) if header["format"] == FORMAT else load_learned(path)
