"""Save and load a trained [`Emulator`][clusteremu.emulator.Emulator] as one versioned file.

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
from .mlp import make_ensemble
from .prior import ParameterBox
from .uncertainty import NoiseModel

__all__ = ["FORMAT", "EnsembleFileError", "emulator_bytes", "load_emulator", "read_header"]

FORMAT = "clusteremu.emulator/2"


class EnsembleFileError(ValueError):
    """An emulator file is malformed, of another format version, or inconsistent."""


def _structure(em: Emulator) -> dict[str, Any]:
    layers = em.ensemble.layers
    sizes = [int(layers[0].weight.shape[-1])] + [int(layer.weight.shape[-2]) for layer in layers]
    return {
        "sizes": sizes,
        "n_members": int(layers[0].weight.shape[0]),
        "outputs": list(em.outputs),
        "domain": em.domain.as_dict(),
        "noise_points": int(em.noise.x_unit.shape[0]),
    }


def emulator_bytes(em: Emulator, info: dict[str, Any]) -> bytes:
    """Serialize `em`; `info` (JSON-able facts about the fit) goes into the header unread."""
    leaves = io.BytesIO()
    eqx.tree_serialise_leaves(leaves, em)
    blob = leaves.getvalue()
    head = {"format": FORMAT, **_structure(em), "info": info, "leaves_sha256": hashlib.sha256(blob).hexdigest()}
    return json.dumps(head, sort_keys=True).encode() + b"\n" + blob


def read_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of an emulator file (checks the format, not the weights)."""
    header, _ = _split(Path(path))
    return header


def _split(path: Path) -> tuple[dict[str, Any], bytes]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EnsembleFileError(f"{path}: cannot read ({exc.strerror})") from None
    first, _, blob = raw.partition(b"\n")
    try:
        header = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EnsembleFileError(f"{path}: not an emulator file (no JSON header)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else None
        raise EnsembleFileError(f"{path}: format {found!r}, expected {FORMAT!r} (retrain with `make paper`)")
    return header, blob


def load_emulator(path: str | Path) -> Emulator:
    """Read an emulator file written by [`emulator_bytes`][]."""
    path = Path(path)
    header, blob = _split(path)
    if hashlib.sha256(blob).hexdigest() != header["leaves_sha256"]:
        raise EnsembleFileError(f"{path}: weights do not match the header (corrupted or mixed files)")
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
    try:
        return eqx.tree_deserialise_leaves(io.BytesIO(blob), skeleton)
    except Exception as exc:  # shape or dtype mismatch between header and weights
        raise EnsembleFileError(f"{path}: weights do not fit the architecture {header['sizes']}: {exc}") from None
