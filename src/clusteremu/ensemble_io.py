"""Save and load trained emulators as versioned files: the mean emulator and the learned one.

[`Emulator`][clusteremu.emulator.Emulator] (format `clusteremu.emulator/2`) and
[`LearnedEmulator`][clusteremu.learned.LearnedEmulator] (`clusteremu.learned/1`) share one
layout; [`load_model`][] reads either.

Layout: one line of JSON (the header), then every array of the emulator written by
`eqx.tree_serialise_leaves`. The header holds the format version, what is needed to
rebuild the module's structure (architecture, output names, training domain, number of
noise-model points), free-form `info` from fitting, and the SHA-256 of the arrays, so
loading checks that weights and metadata belong together and fails with a clear message
otherwise.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from . import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from .emulator import Emulator
from .emulator_data import Normalizer
from .learned import LearnedEmulator
from .mlp import MLP, make_ensemble
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


class EnsembleFileError(ValueError):
    """An emulator file is malformed, of another format version, or inconsistent."""


def _architecture(ensemble: MLP) -> dict[str, Any]:
    layers = ensemble.layers
    sizes = [int(layers[0].weight.shape[-1])] + [int(layer.weight.shape[-2]) for layer in layers]
    return {"sizes": sizes, "n_members": int(layers[0].weight.shape[0])}


def _file_bytes(module: eqx.Module, head: dict[str, Any]) -> bytes:
    leaves = io.BytesIO()
    eqx.tree_serialise_leaves(leaves, module)
    blob = leaves.getvalue()
    head = {**head, "leaves_sha256": hashlib.sha256(blob).hexdigest()}
    return json.dumps(head, sort_keys=True).encode() + b"\n" + blob


def emulator_bytes(em: Emulator, info: dict[str, Any]) -> bytes:
    """Serialize `em`; `info` (JSON-able facts about the fit) goes into the header unread."""
    head = {"format": FORMAT, **_architecture(em.ensemble), "outputs": list(em.outputs),
            "domain": em.domain.as_dict(), "noise_points": int(em.noise.x_unit.shape[0]), "info": info}  # fmt: skip
    return _file_bytes(em, head)


def learned_bytes(em: LearnedEmulator, info: dict[str, Any]) -> bytes:
    """Serialize a learned-noise emulator; `info` goes into the header unread."""
    head = {"format": LEARNED_FORMAT, **_architecture(em.ensemble), "n_stars": em.transform.n_stars,
            "domain": em.domain.as_dict(), "info": info}  # fmt: skip
    return _file_bytes(em, head)


def read_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of an emulator file (checks the format, not the weights)."""
    header, _ = _split(Path(path))
    return header


def _split(path: Path, formats: tuple[str, ...] = (FORMAT,)) -> tuple[dict[str, Any], bytes]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EnsembleFileError(f"{path}: cannot read ({exc.strerror})") from None
    first, _, blob = raw.partition(b"\n")
    try:
        header = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EnsembleFileError(f"{path}: not an emulator file (no JSON header)") from None
    if not isinstance(header, dict) or header.get("format") not in formats:
        found = header.get("format") if isinstance(header, dict) else None
        expected = " or ".join(repr(f) for f in formats)
        raise EnsembleFileError(f"{path}: format {found!r}, expected {expected} (retrain with `make paper`)")
    if hashlib.sha256(blob).hexdigest() != header.get("leaves_sha256"):
        raise EnsembleFileError(f"{path}: weights do not match the header (corrupted or mixed files)")
    return header, blob


def _deserialise(path: Path, blob: bytes, skeleton: eqx.Module, sizes) -> eqx.Module:
    try:
        return eqx.tree_deserialise_leaves(io.BytesIO(blob), skeleton)
    except Exception as exc:  # shape or dtype mismatch between header and weights
        raise EnsembleFileError(f"{path}: weights do not fit the architecture {sizes}: {exc}") from None


def load_emulator(path: str | Path) -> Emulator:
    """Read an emulator file written by [`emulator_bytes`][]."""
    path = Path(path)
    header, blob = _split(path)
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
    return _deserialise(path, blob, skeleton, header["sizes"])


def load_learned(path: str | Path) -> LearnedEmulator:
    """Read a learned-noise emulator file written by [`learned_bytes`][]."""
    path = Path(path)
    header, blob = _split(path, (LEARNED_FORMAT,))
    z2, z3 = jnp.zeros(2), jnp.zeros(3)
    skeleton = LearnedEmulator(
        make_ensemble(header["n_members"], header["sizes"], key=jax.random.key(0)), z2, z2, z3, z3, z3,
        SummaryTransform(header["n_stars"]), SelectionModel(jnp.zeros(6), z2, z2),
        ParameterBox.from_domain(header["domain"]),
    )  # fmt: skip
    return _deserialise(path, blob, skeleton, header["sizes"])


def load_model(path: str | Path) -> Emulator | LearnedEmulator:
    """Read either kind of emulator file, by its format."""
    header, _ = _split(Path(path), (FORMAT, LEARNED_FORMAT))
    return load_emulator(path) if header["format"] == FORMAT else load_learned(path)
