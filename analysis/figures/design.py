"""Figure: the design points in the (Q0, a) plane, coloured by split.

Reads:  the profile config (`--config`, section `figures`) and the design summary
        (`--summary`, from `01_design.py`).
Writes: the figure (`--out`, PNG) with its provenance record.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from clusteremu.datasets.design import SPLITS
from clusteremu.paper.plotting import SPLIT_COLORS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "summary": ("{data}/design_summary.json", "design summary (JSON) from 01_design.py"),
}


SPLIT_MARKERS = {"train": "o", "validation": "s", "test": "^"}


def plot(summary):
    dom, pts = summary["domain"], summary["points"]
    split = np.array(pts["split"])
    fig, ax = plt.subplots(figsize=(4.6, 3.6))
    for name in SPLITS:
        sel = split == name
        ax.scatter(
            np.array(pts["q0"])[sel],
            np.array(pts["a_au"])[sel],
            s=16,
            color=SPLIT_COLORS[name],
            marker=SPLIT_MARKERS[name],  # amber and vermillion alone are hard to tell apart in print
            label=f"{name} ({sel.sum()})",
        )
    # The domain drawn as a box inside the axes: points on its edges show whole, clear of the spines.
    (q_lo, q_hi), (a_lo, a_hi) = (dom["q0_min"], dom["q0_max"]), (dom["a_min_au"], dom["a_max_au"])
    ax.add_patch(Rectangle((q_lo, a_lo), q_hi - q_lo, a_hi - a_lo, fill=False, ec="0.5", lw=0.8, zorder=1))
    pad_q, pad_a = 0.03 * (q_hi - q_lo), 0.03 * (a_hi - a_lo)
    ax.set_xlim(q_lo - pad_q, q_hi + pad_q)
    ax.set_ylim(a_lo - pad_a, a_hi + pad_a)
    ax.set_xlabel(r"initial virial ratio $Q_0 = K/|W|$")
    ax.set_ylabel(r"Plummer scale radius $a$ [AU]")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.13), ncol=3, handletextpad=0.2)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
