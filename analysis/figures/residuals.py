"""Figure: test residuals against Q0, a and the prediction, with running means.

Reads:  the profile config (`--config`, section `figures`) and the evaluation
        (`--evaluation`, from `06_evaluate_emulator.py`).
Writes: the figure (`--out`, PNG); the running means in equal-count bins show any
        systematic bias.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.evaluation.metrics import running_mean
from clusteremu.paper.plotting import LABELS, PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "evaluation": ("{data}/evaluation.json", "evaluation results (JSON)"),
}


def plot(evaluation):
    ev = evaluation
    x, y, mean = (np.array(ev["test"][k]) for k in ("x", "y", "mean"))
    fig, axes = plt.subplots(3, 3, figsize=(6.6, 5.6))
    for j, name in enumerate(ev["outputs"]):
        r = y[:, j] - mean[:, j]
        columns = [
            (x[:, 0], PARAM_LABELS["q0"]),
            (x[:, 1], PARAM_LABELS["a_au"]),
            (mean[:, j], "emulated " + LABELS[name]),
        ]
        for col, (v, label) in enumerate(columns):
            ax = axes[j, col]
            ax.scatter(v, r, s=4, alpha=0.5)
            ax.plot(*running_mean(v, r), color="#D55E00", lw=1.5)
            ax.axhline(0, color="k", lw=0.6)
            ax.set_xlabel(label)
            if col == 0:
                ax.set_ylabel("residual " + LABELS[name])
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
