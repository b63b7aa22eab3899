"""Figure: training and validation loss of every ensemble member, with the kept epochs.

Reads:  the profile config (`--config`, section `figures`) and the training facts
        (`--training`, from `04_train_emulator.py`).
Writes: the figure (`--out`, PNG).
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.config import load_config
from clusteremu.plotting import figure_parser, run_figure_script, save_figure, use_style

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


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    use_style()
    fig = plot(json.loads(Path(args.training).read_text()))
    save_figure(fig, args.out, script=__file__, config=config, inputs=[args.training])


if __name__ == "__main__":
    run_figure_script(main, figure_parser(__doc__, training="training facts (JSON)"))
