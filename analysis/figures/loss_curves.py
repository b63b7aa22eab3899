"""Figure: training and validation loss of every ensemble member, with the kept epochs.

Reads:  the profile config (`--config`, section `figures`) and the training facts
        (`--training`, from `04_train_emulator.py`).
Writes: the figure (`--out`, PNG).
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.plotting import figure_script

CONFIG_SECTIONS = ("figures",)


def plot(training):
    curves = training["loss_curves"]
    epoch = np.array(curves["epoch"])
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    for m, (train, val) in enumerate(zip(curves["train"], curves["validation"], strict=True)):
        ax.plot(epoch, train, color="#0072B2", lw=0.8, label="training" if m == 0 else None)
        ax.plot(epoch, val, color="#D55E00", lw=0.8, label="validation" if m == 0 else None)
    ax.plot(training["best_epoch"], training["best_val_loss"], "k|", ms=8, label="kept weights")
    ax.set_yscale("log")
    ax.set_xlabel("epoch (full-batch Adam step)")
    ax.set_ylabel("MSE (normalized units)")
    ax.legend()
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, plot, training="training facts (JSON)")
