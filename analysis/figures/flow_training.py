"""Figure: training and validation negative log-likelihood of every member of the flow mixture.

Reads:  the profile config (`--config`, section `figures`) and the flow's training facts
        (`--flow`, from `12_fit_flow.py`).
Writes: the figure (`--out`, PNG): per member (each in its own colour) the NLL of the
        observed, dequantized summaries per simulation, training solid and validation
        dashed, with a tick at the epoch whose parameters were kept.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import figure_script, member_curves

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "flow": ("{data}/flow.json", "flow training facts (JSON)"),
}


def plot(flow):
    curves, stride = flow["loss_curves"], flow["loss_curves"]["stride"][0]
    fig, ax = plt.subplots(figsize=(3.9, 2.55))  # printed 62% wide: 9-pt text prints at about 9 pt
    epochs = [np.arange(len(train)) * stride for train in curves["train"]]
    kept = list(zip(flow["best_epoch"], flow["best_val_nll"], strict=True))
    member_curves(ax, epochs, curves["train"], curves["validation"], kept, kept_label="kept parameters", ms=10)
    low = min(min(v) for v in curves["train"] + curves["validation"])
    ax.set_ylim(low - 0.2, low + 3.0)  # the first epochs, far above, would flatten the rest
    ax.set_xlabel("epoch (pass over the training simulations)")
    ax.set_ylabel("negative log-likelihood\nper simulation")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
