"""Figure: training and validation negative log-likelihood of every member of the flow mixture.

Reads:  the profile config (`--config`, section `figures`) and the flow's training facts
        (`--flow`, from `12_fit_flow.py`).
Writes: the figure (`--out`, PNG): per member (each in its own colour) the NLL of the
        observed, dequantized summaries per simulation, training solid and validation
        dashed, with a tick at the epoch whose parameters were kept (left), and the gap between
        the two losses as a running mean over WINDOW epochs (right).
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import figure_script, member_colors, member_curves

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "flow": ("{data}/flow.json", "flow training facts (JSON)"),
}


#: Points of the loss curves (epochs, unless the curves are thinned) averaged in the right panel:
#: the minibatch and validation noise of one epoch is larger than the gap between the two losses.
WINDOW = 10


def plot(flow):
    curves, stride = flow["loss_curves"], flow["loss_curves"]["stride"][0]
    fig, (ax, gap) = plt.subplots(1, 2, figsize=(6.6, 2.7), width_ratios=(1.4, 1))
    epochs = [np.arange(len(train)) * stride for train in curves["train"]]
    kept = list(zip(flow["best_epoch"], flow["best_val_nll"], strict=True))
    member_curves(ax, epochs, curves["train"], curves["validation"], kept, kept_label="kept parameters", ms=10)
    low = min(min(v) for v in curves["train"] + curves["validation"])
    ax.set_ylim(low - 0.2, low + 3.0)  # the first epochs, far above, would flatten the rest
    ax.set_xlabel("epoch (pass over the training simulations)")
    ax.set_ylabel("negative log-likelihood\nper simulation")
    kernel = np.ones(WINDOW) / WINDOW
    for color, epoch, train, val in zip(
        member_colors(len(epochs)), epochs, curves["train"], curves["validation"], strict=True
    ):
        diff = np.convolve(np.asarray(val, float) - np.asarray(train, float), kernel, mode="valid")
        gap.plot(epoch[WINDOW - 1 :], diff, color=color, lw=0.8)
    gap.axhline(0.0, color="k", lw=0.6)
    gap.set_xlabel("epoch")
    gap.set_ylabel(f"validation − training,\n{WINDOW * stride}-epoch running mean")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
