"""Figure: reliability diagram on the test split, before and after calibration, and the GP.

Reads:  the profile config (`--config`, section `figures`) and the evaluation
        (`--evaluation`, from `06_evaluate_emulator.py`).
Writes: the figure (`--out`, PNG): empirical against nominal coverage of central intervals.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "evaluation": ("{data}/evaluation.json", "evaluation results (JSON)"),
}
STYLES = {"ensemble, uncalibrated": "o--", "ensemble, calibrated": "o-", "Gaussian process": "s:"}


def plot(evaluation):
    ev = evaluation
    levels = np.array(ev["reliability_levels"])
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    for j, (ax, name) in enumerate(zip(axes, ev["outputs"], strict=True)):
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        for method, style in STYLES.items():
            ax.plot(levels, np.asarray(ev["probabilistic"][method]["reliability"])[:, j], style, ms=2.5, label=method)
        ax.set_xlabel("nominal coverage")
        ax.set_ylabel("empirical coverage")
        ax.set_title(LABELS[name])
    axes[0].legend(fontsize=6)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
