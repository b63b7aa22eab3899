"""Figure: training and validation negative log-likelihood of every member of the flow mixture.

Reads:  the profile config (`--config`, section `figures`) and the flow's training facts
        (`--flow`, from `12_fit_flow.py`).
Writes: the figure (`--out`, PNG): per member (one colour each) the NLL of the observed,
        dequantized summaries per simulation, training solid and validation dashed, with a
        tick at the epoch whose parameters were kept.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from clusteremu.paper.plotting import figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "flow": ("{data}/flow.json", "flow training facts (JSON)"),
}


def plot(flow):
    curves, stride = flow["loss_curves"], flow["loss_curves"]["stride"][0]
    members = len(curves["train"])
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, members))
    for m in range(members):
        epoch = np.arange(len(curves["train"][m])) * stride
        ax.plot(epoch, curves["train"][m], color=colors[m], lw=0.8)
        ax.plot(epoch, curves["validation"][m], color=colors[m], lw=0.8, ls="--")
        ax.plot(flow["best_epoch"][m], flow["best_val_nll"][m], "|", color=colors[m], ms=10, mew=1.5)
    handles = [
        Line2D([], [], color="0.3", lw=0.8, label="training"),
        Line2D([], [], color="0.3", lw=0.8, ls="--", label="validation"),
        Line2D([], [], color="0.3", marker="|", ls="", ms=10, mew=1.5, label="kept parameters"),
        Line2D([], [], color=colors[-1], lw=3, label=f"{members} members, one colour each"),
    ]
    low = min(min(v) for v in curves["train"] + curves["validation"])
    ax.set_ylim(low - 0.2, low + 3.0)  # the first epochs, far above, would flatten the rest
    ax.set_xlabel("epoch (pass over the training simulations)")
    ax.set_ylabel("negative log-likelihood per simulation")
    ax.legend(handles=handles, fontsize=7, loc="upper right")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
