"""One versioned file per fitted model: a line of JSON, then the model's arrays.

Every fitted model of the package (the mean and learned-noise emulators, the flow and
the Gaussian process, each in its own module) is stored the same way:
one line of JSON, the header, holding the format version, what rebuilds the model's
structure, free-form `info` from fitting and the SHA-256 of the arrays; then every array
of the model written by `eqx.tree_serialise_leaves`. Reading checks the format and that
arrays and header belong together, and fails with a message naming the file and what is
wrong with it, never with a half-read model.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import equinox as eqx

__all__ = ["EnsembleFileError", "ModelFileError", "model_bytes", "read_arrays", "read_model_file"]


class ModelFileError(ValueError):
    """A model file is malformed, of another format version, or inconsistent."""


class EnsembleFileError(ModelFileError):
    """An emulator file (mean or learned-noise ensemble) is malformed, of another format version, or inconsistent."""


def model_bytes(model: eqx.Module, head: dict[str, Any]) -> bytes:
    """The file of `model`: `head` (JSON-able, with its `format`) plus the arrays' SHA-256, then the arrays."""
    leaves = io.BytesIO()
    eqx.tree_serialise_leaves(leaves, model)
    blob = leaves.getvalue()
    head = {**head, "leaves_sha256": hashlib.sha256(blob).hexdigest()}
    return json.dumps(head, sort_keys=True).encode() + b"\n" + blob


def read_model_file(
    path: str | Path, formats: tuple[str, ...], *, kind: str, error: type[ModelFileError] = ModelFileError
) -> tuple[dict[str, Any], bytes]:
    """The header and the array bytes of a model file, checked.

    **Arguments:**

    - `path`: the file.
    - `formats`: the format versions the caller reads.
    - `kind`: what the file should be, for messages ("an emulator", "a flow").
    - `error`: the [`ModelFileError`][] subclass to raise.

    **Returns:**

    `(header, blob)`. Raises `error` if the file cannot be read, has no JSON header, has
    another format, or its arrays do not match the header's SHA-256.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    first, _, blob = raw.partition(b"\n")
    try:
        header = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise error(f"{path}: not {kind} file (no JSON header)") from None
    if not isinstance(header, dict) or header.get("format") not in formats:
        found = header.get("format") if isinstance(header, dict) else None
        expected = " or ".join(repr(f) for f in formats)
        raise error(f"{path}: format {found!r}, expected {expected} (refit with `make paper`)")
    if hashlib.sha256(blob).hexdigest() != header.get("leaves_sha256"):
        raise error(f"{path}: arrays do not match the header (corrupted or mixed files)")
    return header, blob


def read_arrays(
    path: str | Path, blob: bytes, skeleton: eqx.Module, *, structure: str, error: type[ModelFileError] = ModelFileError
) -> eqx.Module:
    """`skeleton` with the arrays of `blob`; raises `error` naming `structure` if they do not fit it."""
    try:
        return eqx.tree_deserialise_leaves(io.BytesIO(blob), skeleton)
    except Exception as exc:  # shape or dtype mismatch between header and arrays
        raise error(f"{path}: arrays do not fit the architecture {structure}: {exc}") from None
