"""Either kind of emulator file, by its format: [`load_model`][].

The mean ensemble ([`clusteremu.emulators.mean_ensemble`][], format `clusteremu.emulator/3`)
and the learned-noise ensemble ([`clusteremu.emulators.learned_noise`][],
`clusteremu.learned/2`) each own their format; this module only dispatches on the header,
for callers (the CLI's `predict --model`) that accept either.
"""

from __future__ import annotations

from pathlib import Path

from .learned_noise import LEARNED_FORMAT, LearnedEmulator, load_learned
from .mean_ensemble import FORMAT, Emulator, load_emulator
from .modelfile import EnsembleFileError, read_model_file

__all__ = ["EnsembleFileError", "load_model"]


def load_model(path: str | Path) -> Emulator | LearnedEmulator:
    """Read either kind of emulator file, by its format."""
    header, _ = read_model_file(path, (FORMAT, LEARNED_FORMAT), kind="an emulator", error=EnsembleFileError)
    return load_emulator(path) if header["format"] == FORMAT else load_learned(path)
