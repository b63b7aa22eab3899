"""Figure: reliability diagram on the test split, before and after calibration, and the GP.

Reads:  the profile config (`--config`, section `figures`) and the evaluation
        (`--evaluation`, from `06_evaluate_emulator.py`).
Writes: the figure (`--out`, PNG): empirical against nominal coverage of central intervals.
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.config import load_config
from clusteremu.plotting import LABELS, figure_parser, run_figure_script, save_figure, use_style

CONFIG_SECTIONS = ("figures",)
STYLES = {"ensemble, uncalibrated": "o--", "ensemble, calibrated": "o-", "Gaussian process": "s:"}


def plot(ev):
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


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    use_style()
    fig = plot(json.loads(Path(args.evaluation).read_text()))
    save_figure(fig, args.out, script=__file__, config=config, inputs=[args.evaluation])


if __name__ == "__main__":
    run_figure_script(main, figure_parser(__doc__, evaluation="evaluation results (JSON)"))
