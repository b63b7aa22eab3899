"""Figure style and the colours that carry meaning across figures.

All figures use one matplotlib style file (`clusteremu.mplstyle`, shipped with the
package) so that fonts, sizes and colours agree everywhere in the paper. Figures are
written by [`clusteremu.provenance.Run.save_figure`][], which embeds the provenance stamp.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless and deterministic: the same bytes on every machine
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["STYLE", "SPLIT_COLORS", "use_style"]

STYLE = Path(__file__).with_name("clusteremu.mplstyle")

#: Colour of each data split, used by every figure that shows splits.
SPLIT_COLORS = {"train": "#0072B2", "validation": "#E69F00", "test": "#D55E00"}


def use_style() -> None:
    """Apply the project style to all figures made afterwards."""
    plt.style.use(STYLE)
