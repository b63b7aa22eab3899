"""Figure: emulated against simulated summaries on the test split.

Reads:  the profile config (`--config`, section `figures`) and the evaluation
        (`--evaluation`, from `06_evaluate_emulator.py`).
Writes: the figure (`--out`, PNG), one point per test simulation.
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.config import load_config
from clusteremu.plotting import LABELS, figure_parser, run_figure_script, save_figure, use_style

CONFIG_SECTIONS = ("figures",)


def plot(ev):
    y, mean = np.array(ev["test"]["y"]), np.array(ev["test"]["mean"])
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    for j, (ax, name) in enumerate(zip(axes, ev["outputs"], strict=True)):
        ax.scatter(y[:, j], mean[:, j], s=5, alpha=0.6)
        lo, hi = y[:, j].min(), y[:, j].max()
        ax.plot([lo, hi], [lo, hi], "k:", lw=0.8)
        ax.set_xlabel("simulated " + LABELS[name])
        ax.set_ylabel("emulated " + LABELS[name])
    return fig


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    use_style()
    fig = plot(json.loads(Path(args.evaluation).read_text()))
    save_figure(fig, args.out, script=__file__, config=config, inputs=[args.evaluation])


if __name__ == "__main__":
    run_figure_script(main, figure_parser(__doc__, evaluation="evaluation results (JSON)"))
