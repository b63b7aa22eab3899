"""Where each profile's artifacts live, in one place.

Profiles never share an output path: data in `data/<profile>/`, figures in
`figures/<profile>/`, the manuscript's generated inputs and the PDF in `build/<profile>/`.
The Makefile spells the same paths; [`Layout`][] is what the Python side uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Layout"]


@dataclass(frozen=True)
class Layout:
    """Paths of one profile's artifacts below the repository root `root`."""

    root: Path
    profile: str

    @property
    def config(self) -> Path:
        return self.root / "analysis" / "config" / f"{self.profile}.yaml"

    @property
    def data(self) -> Path:
        return self.root / "data" / self.profile

    @property
    def figures(self) -> Path:
        return self.root / "figures" / self.profile

    @property
    def build(self) -> Path:
        return self.root / "build" / self.profile

    @property
    def paper_src(self) -> Path:
        return self.root / "paper"

    @property
    def config_stamps(self) -> Path:
        """One file per config section, rewritten when that section changes (build bookkeeping)."""
        return self.build / "config"

    @property
    def variables(self) -> Path:
        return self.build / "_variables.yml"

    @property
    def stage(self) -> Path:
        """A scratch copy of the Quarto project with this profile's figures and variables."""
        return self.build / "paper"

    @property
    def pdf(self) -> Path:
        return self.build / "paper.pdf"
