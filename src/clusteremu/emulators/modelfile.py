"""One versioned file per fitted model: a line of JSON, then the model's arrays.

Every fitted model of the package (the mean and learned-noise emulators, the flow and
the Gaussian process, each in its own module) is stored the same way:
one line of JSON, the header, holding the format version, what rebuilds the model's
structure (architecture, training domain, ...), free-form `info` from fitting and one
SHA-256 over the header's other fields *and* the arrays; then every array of the model
written by `eqx.tree_serialise_leaves`. Reading checks the format and the checksum (so an
edited domain is refused like a damaged array), and fails with a message naming the file,
what is wrong with it and the command that rebuilds it, never with a half-read model.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import equinox as eqx

__all__ = ["REFIT", "EnsembleFileError", "ModelFileError", "model_bytes", "read_arrays", "read_model_file"]


class ModelFileError(ValueError):
    """A model file is malformed, of another format version, or inconsistent."""


class EnsembleFileError(ModelFileError):
    """An emulator file (mean or learned-noise ensemble) is malformed, of another format version, or inconsistent."""


#: What rebuilds any model file (the fit's steps are named in the file's `info`).
REFIT = "refit it with `make paper` (or `make data`) for the file's profile"


def _checksum(head: dict[str, Any], blob: bytes) -> str:
    """SHA-256 over the header (canonical JSON, without the checksum itself) and the arrays."""
    fields = {k: v for k, v in head.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode() + b"\n" + blob).hexdigest()


def model_bytes(model: eqx.Module, head: dict[str, Any]) -> bytes:
    """The file of `model`: `head` (JSON-able, with its `format`) and a checksum of both, then the arrays."""
    leaves = io.BytesIO()
    eqx.tree_serialise_leaves(leaves, model)
    blob = leaves.getvalue()
    head = {**head, "sha256": _checksum(head, blob)}
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
    another format (an older version's file included), or its header or arrays do not
    match its SHA-256.
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
        raise error(f"{path}: format {found!r}, expected {expected}; {REFIT}")
    if header.get("sha256") != _checksum(header, blob):
        raise error(f"{path}: header or arrays do not match its checksum (edited, corrupted or mixed files); {REFIT}")
    return header, blob


def read_arrays(
    path: str | Path, blob: bytes, skeleton: eqx.Module, *, structure: str, error: type[ModelFileError] = ModelFileError
) -> eqx.Module:
    """`skeleton` with the arrays of `blob`; raises `error` naming `structure` if they do not fit it."""
    try:
        return eqx.tree_deserialise_leaves(io.BytesIO(blob), skeleton)
    except Exception as exc:  # shape or dtype mismatch between header and arrays
        raise error(f"{path}: arrays do not fit the architecture {structure}: {exc}") from None
