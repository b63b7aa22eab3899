"""Save and load a trained ensemble as one versioned artifact.

Layout: one line of JSON (the header), then the ensemble's leaves written by
`eqx.tree_serialise_leaves`. The header holds the format version, the architecture, the
training-only normalization, the training domain, the noise model and calibration, and the
SHA-256 of the leaves, so loading checks that weights and metadata belong together.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import equinox as eqx
import jax

from .emulator_data import Normalizer
from .mlp import MLP, make_ensemble

__all__ = ["FORMAT", "EnsembleFileError", "ensemble_bytes", "load_ensemble"]

FORMAT = "clusteremu.ensemble/1"


class EnsembleFileError(ValueError):
    """An ensemble file is malformed, of another format version, or inconsistent."""


def ensemble_bytes(ensemble: MLP, header: dict[str, Any]) -> bytes:
    """Serialize `ensemble` with `header` (must hold `sizes`, `n_members`, `normalizer`)."""
    leaves = io.BytesIO()
    eqx.tree_serialise_leaves(leaves, ensemble)
    blob = leaves.getvalue()
    head = {**header, "format": FORMAT, "leaves_sha256": hashlib.sha256(blob).hexdigest()}
    return json.dumps(head, sort_keys=True).encode() + b"\n" + blob


def load_ensemble(path: str | Path) -> tuple[MLP, Normalizer, dict[str, Any]]:
    """Read an ensemble file; returns the ensemble, its normalizer and the full header."""
    raw = Path(path).read_bytes()
    first, _, blob = raw.partition(b"\n")
    try:
        header = json.loads(first)
    except json.JSONDecodeError:
        raise EnsembleFileError(f"{path}: not an ensemble file (no JSON header)") from None
    if header.get("format") != FORMAT:
        raise EnsembleFileError(f"{path}: format {header.get('format')!r}, expected {FORMAT!r}")
    if hashlib.sha256(blob).hexdigest() != header["leaves_sha256"]:
        raise EnsembleFileError(f"{path}: weights do not match the header (corrupted or mixed files)")
    skeleton = make_ensemble(header["n_members"], header["sizes"], key=jax.random.key(0))
    try:
        ensemble = eqx.tree_deserialise_leaves(io.BytesIO(blob), skeleton)
    except Exception as exc:  # shape or dtype mismatch between header and weights
        raise EnsembleFileError(f"{path}: weights do not fit the architecture {header['sizes']}: {exc}") from None
    return ensemble, Normalizer.from_dict(header["normalizer"]), header
