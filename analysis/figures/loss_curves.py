"""Figure: training and validation loss of every ensemble member, with the kept epochs.

Reads:  the profile config (`--config`, section `figures`) and the training facts
        (`--training`, from `04_train_emulator.py`).
Writes: the figure (`--out`, PNG): per member (each in its own colour) the mean squared error
        in normalized units against the epoch, training solid and validation dashed, with a
        tick at the epoch whose weights were kept; left the whole run (logarithmic), right its
        end, where the curves differ (linear).
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
    train, val = np.array(curves["train"], dtype=float), np.array(curves["validation"], dtype=float)
    kept = list(zip(training["best_epoch"], training["best_val_loss"], strict=True))
    fig, (full, zoom) = plt.subplots(1, 2, figsize=(6.8, 3.0))
    for ax in (full, zoom):
        member_curves(ax, [epoch] * len(train), train, val, kept, kept_label="kept weights", legend=ax is full)
        ax.set_xlabel("epoch (full-batch Adam step)")
    full.set_yscale("log")
    full.set_ylabel("MSE (normalized units)")
    # The right panel shows the end of training, where the curves differ: from the first epoch
    # at which every member's validation loss is within 20% of its own minimum, on a linear scale.
    start = epoch[np.argmax((val <= 1.2 * np.nanmin(val, axis=1, keepdims=True)).all(axis=0))]
    late = np.concatenate([train[:, epoch >= start], val[:, epoch >= start]])
    lo, hi = np.nanmin(late), np.nanmax(late)
    zoom.set_xlim(start, epoch[-1])
    zoom.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    zoom.set_title(f"from epoch {start}, linear scale", fontsize=8)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
