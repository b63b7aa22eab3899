"""Figure: the three summaries at t = T against Q0 (coloured by a) and against a (by Q0).

Reads:  the profile config (`--config`, section `figures`) and the campaign dataset
        (`--campaign`, from `03_simulate.py`).
Writes: the figure (`--out`, PNG), every simulation with all summaries defined.
"""

import matplotlib.pyplot as plt

from clusteremu.datasets.table import OUTPUT_NAMES, usable
from clusteremu.paper.plotting import LABELS, PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "campaign": ("{data}/campaign.csv", "campaign dataset (CSV)"),
}


def plot(campaign):
    cols = campaign
    ok = usable(cols)
    fig, axes = plt.subplots(3, 2, figsize=(6.4, 6.6), sharex="col")
    for row, name in enumerate(OUTPUT_NAMES):
        for col, (x, c) in enumerate([("q0", "a_au"), ("a_au", "q0")]):
            ax = axes[row, col]
            sc = ax.scatter(cols[x][ok], cols[name][ok], c=cols[c][ok], s=5, cmap="viridis")
            ax.set_ylabel(LABELS[name])
            if row == 2:
                ax.set_xlabel(PARAM_LABELS[x])
            if row == 0:
                fig.colorbar(sc, ax=axes[:, col], label=PARAM_LABELS[c], location="top", shrink=0.8)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
