"""Figure: training and validation loss of every ensemble member, with the kept epochs.

Reads:  the profile config (`--config`, section `figures`) and the training facts
        (`--training`, from `04_train_emulator.py`).
Writes: the figure (`--out`, PNG): per member (each in its own colour) the mean squared error
        in normalized units against the epoch, training solid and validation dashed, with a
        tick at the epoch whose weights were kept.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import figure_script, member_curves

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "training": ("{data}/training.json", "training facts (JSON)"),
}


def plot(training):
    curves = training["loss_curves"]
    epoch = np.array(curves["epoch"])
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    kept = list(zip(training["best_epoch"], training["best_val_loss"], strict=True))
    member_curves(
        ax, [epoch] * len(curves["train"]), curves["train"], curves["validation"], kept, kept_label="kept weights"
    )
    ax.set_yscale("log")
    ax.set_xlabel("epoch (full-batch Adam step)")
    ax.set_ylabel("MSE (normalized units)")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
