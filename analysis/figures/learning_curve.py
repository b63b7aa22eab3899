"""Figure: accuracy, coverage and contraction against the number of training design points.

Reads:  the profile config (`--config`, section `figures`) and the learning curve
        (`--learning-curve`, from `16_learning_curve.py`).
Writes: the figure (`--out`, PNG): left, the 68th percentile of the truth-set error in units
        of sigma_sim per summary, with a perfect emulator's value; middle, the 95% coverage
        of Q0 and a with two binomial s.e.; right, the median contraction of Q0 and a.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.datasets.table import OUTPUT_NAMES
from clusteremu.paper.plotting import LABELS, PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "learning_curve": ("{data}/learning_curve.json", "learning curve (JSON)"),
}


def plot(learning_curve):
    rows = learning_curve["rows"]
    n = np.array([r["n_train_points"] for r in rows])
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.5))
    for j, name in enumerate(OUTPUT_NAMES):
        axes[0].plot(n, [r["truth_ratio68"][j] for r in rows], "o-", ms=3, label=LABELS[name].split(" [")[0])
    axes[0].axhline(learning_curve["perfect"][0], color="k", ls=":", lw=0.8, label="perfect")
    axes[0].set_ylabel(r"truth error / $\sigma_\mathrm{sim}$ (68th pct)")
    axes[0].legend(fontsize=6.5)
    se = np.sqrt(0.95 * 0.05 / learning_curve["n_coverage"])
    axes[1].axhspan(0.95 - 2 * se, 0.95 + 2 * se, color="0.88", lw=0)
    for p, label in PARAM_LABELS.items():
        axes[1].plot(n, [r[f"{p}_coverage95"] for r in rows], "o-", ms=3, label=label)
        axes[2].plot(n, [r[f"{p}_contraction_median"] for r in rows], "o-", ms=3, label=label)
    axes[1].set_ylabel("95% coverage")
    axes[2].set_ylabel("median contraction")
    axes[2].legend(fontsize=6.5)
    for ax in axes:
        ax.set_xlabel("training design points")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
