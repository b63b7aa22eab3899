"""Figure: emulated against simulated summaries on the test split.

Reads:  the profile config (`--config`, section `figures`) and the evaluation
        (`--evaluation`, from `06_evaluate_emulator.py`).
Writes: the figure (`--out`, PNG), one point per test simulation.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "evaluation": ("{data}/evaluation.json", "evaluation results (JSON)"),
}


def plot(evaluation):
    ev = evaluation
    y, mean = np.array(ev["test"]["y"]), np.array(ev["test"]["mean"])
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    for j, (ax, name) in enumerate(zip(axes, ev["outputs"], strict=True)):
        ax.scatter(y[:, j], mean[:, j], s=5, alpha=0.6)
        lo, hi = y[:, j].min(), y[:, j].max()
        ax.plot([lo, hi], [lo, hi], "k:", lw=0.8)
        ax.set_xlabel("simulated " + LABELS[name])
        ax.set_ylabel("emulated " + LABELS[name])
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
