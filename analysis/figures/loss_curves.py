"""Figure: training and validation loss of every ensemble member, with the kept epochs.

Reads:  the profile config (`--config`, section `figures`) and the training facts
        (`--training`, from `04_train_emulator.py`).
Writes: the figure (`--out`, PNG).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from clusteremu.paper.plotting import figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "training": ("{data}/training.json", "training facts (JSON)"),
}


def plot(training):
    curves = training["loss_curves"]
    epoch = np.array(curves["epoch"])
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(curves["train"])))
    for m, (train, val) in enumerate(zip(curves["train"], curves["validation"], strict=True)):
        # One colour per member: training solid, validation dashed, kept epoch a tick.
        ax.plot(epoch, train, color=colors[m], lw=0.8)
        ax.plot(epoch, val, color=colors[m], lw=0.8, ls="--")
        ax.plot(training["best_epoch"][m], training["best_val_loss"][m], "|", color=colors[m], ms=9, mew=1.5)
    handles = [
        Line2D([], [], color="0.3", lw=0.8, label="training"),
        Line2D([], [], color="0.3", lw=0.8, ls="--", label="validation"),
        Line2D([], [], color="0.3", marker="|", ls="", ms=9, mew=1.5, label="kept weights"),
        Line2D([], [], color=colors[-1], lw=3, label=f"{len(colors)} members, one colour each"),
    ]
    ax.set_yscale("log")
    ax.set_xlabel("epoch (full-batch Adam step)")
    ax.set_ylabel("MSE (normalized units)")
    ax.legend(handles=handles, fontsize=7, loc="upper right")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
