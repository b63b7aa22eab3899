"""Figure: every emulator's mean against the truth set, in units of the realization sd.

Reads:  the profile config (`--config`, section `figures`) and the truth-set evaluation
        (`--truth`, from `14_truth_evaluation.py`).
Writes: the figure (`--out`, PNG): (emulated mean - truth mean) / sigma_sim at each truth
        point against Q0, per summary and model, with the 95% range a perfect emulator would
        show from the truth set's own sampling error.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.datasets.table import OUTPUT_NAMES
from clusteremu.paper.plotting import LABELS, PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "truth": ("{data}/truth.json", "truth-set evaluation (JSON)"),
}
MODELS = {
    "mean": ("mean ensemble", "o"),
    "learned": ("learned noise", "s"),
    "gp": ("Gaussian process", "^"),
    "flow": ("flow", "D"),
}


def plot(truth):
    pts = truth["points"]
    q0, mean, sd = np.array(pts["x"])[:, 0], np.array(pts["mean"]), np.array(pts["sd"])
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.6), sharey=True)
    for j, (ax, name) in enumerate(zip(axes, OUTPUT_NAMES, strict=True)):
        ax.axhspan(-truth["perfect"][1], truth["perfect"][1], color="0.88", lw=0, label="perfect emulator, 95%")
        ax.axhline(0, color="k", lw=0.6)
        for k, (model, (label, marker)) in enumerate(MODELS.items()):
            if model in truth["models"]:
                err = (np.array(truth["models"][model]["mean"])[:, j] - mean[:, j]) / sd[:, j]
                ax.plot(q0 + 0.008 * (k - 1.5), err, marker, ms=3.5, ls="none", label=label)
        ax.set_xlabel(PARAM_LABELS["q0"])
        ax.set_title(LABELS[name].split(" [")[0])
    axes[0].set_ylabel(r"(emulated $-$ true mean) / $\sigma_\mathrm{sim}$")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=5, fontsize=7)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
