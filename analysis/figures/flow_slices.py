"""Figure: one-dimensional slices through the flow mixture, its quantiles against the training simulations.

Reads:  the profile config (`--config`, section `figures`) and the flow's diagnosis
        (`--diagnosis`, from `19_flow_diagnosis.py`, which holds the slices).
Writes: the figure (`--out`, PNG): in Q0 at the middle of the a range (top) and in a at the
        middle of the Q0 range (bottom), the median (line) and the central 68% and 95%
        ranges (bands) of each summary under the mixture, and the training simulations
        within a tenth of the other parameter's range (dots).
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.datasets.table import OUTPUT_NAMES
from clusteremu.paper.plotting import LABELS, PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "diagnosis": ("{data}/diagnosis.json", "the flow's diagnosis (JSON)"),
}


def plot(diagnosis):
    fig, axes = plt.subplots(2, 3, figsize=(6.6, 4.6), layout="constrained")
    for row, cut in enumerate(diagnosis["slices"]):
        grid, q = np.array(cut["grid"]), np.array(cut["values"])  # quantile, point, summary
        train_y = np.array(cut["train_y"]).reshape(-1, 3)
        for j, name in enumerate(OUTPUT_NAMES):
            ax = axes[row, j]
            ax.scatter(cut["train_x"], train_y[:, j], s=3, color="#D55E00", label="training, near the slice", zorder=1)
            ax.fill_between(grid, q[0, :, j], q[4, :, j], color="#009E73", alpha=0.2, lw=0, label="95% range")
            ax.fill_between(grid, q[1, :, j], q[3, :, j], color="#009E73", alpha=0.45, lw=0, label="68% range")
            ax.plot(grid, q[2, :, j], color="#006B4E", lw=1.2, label="median")
            ax.set_xlabel(PARAM_LABELS["q0" if cut["axis"] == 0 else "a_au"])
            ax.set_ylabel(LABELS[name])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=7)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
