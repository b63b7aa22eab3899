"""Figure: test residuals against Q0, a and the prediction, with running means.

Reads:  the profile config (`--config`, section `figures`) and the evaluation
        (`--evaluation`, from `06_evaluate_emulator.py`).
Writes: the figure (`--out`, PNG); the running means in equal-count bins show any
        systematic bias.
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.config import load_config
from clusteremu.metrics import running_mean
from clusteremu.plotting import LABELS, PARAM_LABELS, figure_parser, run_figure_script, save_figure, use_style

CONFIG_SECTIONS = ("figures",)


def plot(ev):
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


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    use_style()
    fig = plot(json.loads(Path(args.evaluation).read_text()))
    save_figure(fig, args.out, script=__file__, config=config, inputs=[args.evaluation])


if __name__ == "__main__":
    run_figure_script(main, figure_parser(__doc__, evaluation="evaluation results (JSON)"))
