"""Figures: corner plots of the three representative posteriors (typical, edge, ridge).

Reads:  the profile config (`--config`, section `figures`) and the draws and grid
        densities of the example posteriors (`--posteriors`, from `08_inference.py`).
Writes: one figure per case (`--out`, three PNG paths in the order typical, edge,
        ridge): NUTS draws, the exact grid posterior as contours, the true values.
"""

import argparse

import corner
import matplotlib.pyplot as plt
import numpy as np

from clusteremu.config import load_config
from clusteremu.plotting import PARAM_LABELS, run_figure_script, save_figure, use_style

CONFIG_SECTIONS = ("figures",)
CASES = ("typical", "edge", "ridge")


def plot(post, case):
    # corner lays out its own axes (subplots_adjust), which constrained layout would refuse
    with plt.rc_context({"figure.constrained_layout.use": False}):
        return _corner(post, case)


def _corner(post, case):
    fig = corner.corner(
        post[f"{case}_draws"],
        labels=list(PARAM_LABELS.values()),
        truths=post[f"{case}_truth"],
        truth_color="#D55E00",
        quantiles=[0.05, 0.5, 0.95],
        show_titles=True,
        title_fmt=".3g",
    )
    fig.set_size_inches(4.2, 4.2)
    fig.axes[2].contour(post["q0_grid"], post["a_au_grid"], post[f"{case}_grid_density"].T, levels=4,
                        colors="#009E73", linewidths=0.8)  # fmt: skip
    return fig


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    use_style()
    with np.load(args.posteriors) as post:
        for case, out in zip(CASES, args.out, strict=True):
            save_figure(plot(post, case), out, script=__file__, config=config, inputs=[args.posteriors])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--posteriors", required=True, help="example posteriors (NPZ) from 08_inference.py")
    parser.add_argument("--out", required=True, nargs=3, help="output figures: typical, edge, ridge (PNG)")
    run_figure_script(main, parser)
