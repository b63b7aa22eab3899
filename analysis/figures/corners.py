"""Figures: corner plots of the three representative posteriors (typical, edge, ridge).

Reads:  the profile config (`--config`, section `figures`) and the draws and grid
        densities of the example posteriors (`--posteriors`, from `08_inference.py`).
Writes: one figure per case (`--out`, three PNG paths in the order typical, edge,
        ridge): NUTS draws, the exact grid posterior as contours, the true values.
"""

import corner
import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "posteriors": ("{data}/posteriors.npz", "example posteriors (NPZ) from 08_inference.py"),
}
OUTPUTS = {
    "out": (
        ["{fig}/corner_typical.png", "{fig}/corner_edge.png", "{fig}/corner_ridge.png"],
        "the three corner figures (PNG)",
    )
}
CASES = ("typical", "edge", "ridge")


# Q0 to 0.01 and a to 1 AU: what the posteriors resolve.
TITLE = {"q0": ("$Q_0$", ".2f", ""), "a_au": ("$a$", ".0f", " AU")}


def one(post, case):
    draws = post[f"{case}_draws"]
    fig = corner.corner(
        draws,
        labels=list(PARAM_LABELS.values()),
        truths=post[f"{case}_truth"],
        truth_color="#D55E00",
        quantiles=[0.05, 0.5, 0.95],
        label_kwargs={"fontsize": 9},
    )
    fig.set_size_inches(3.6, 3.6)
    for k, name in enumerate(PARAM_LABELS):
        lo, mid, hi = np.quantile(draws[:, k], [0.05, 0.5, 0.95])
        symbol, f, unit = TITLE[name]
        fig.axes[3 * k].set_title(f"{symbol} = ${mid:{f}}^{{+{hi - mid:{f}}}}_{{-{mid - lo:{f}}}}${unit}", fontsize=8)
    for ax in fig.axes:
        ax.tick_params(labelsize=7)
    fig.axes[2].contour(
        post["q0_grid"], post["a_au_grid"], post[f"{case}_grid_density"].T, levels=4, colors="#009E73", linewidths=0.8
    )
    return fig


def plot(posteriors):
    # corner lays out its own axes (subplots_adjust), which constrained layout would refuse
    with plt.rc_context({"figure.constrained_layout.use": False}):
        return [one(posteriors, case) for case in CASES]


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot, outputs=OUTPUTS)
