"""Figure: projected star positions at t = 0 and t = T for a cold and a hot cluster.

Reads:  the profile config (`--config`, section `figures`) and the snapshots
        (`--snapshots`, from `09_snapshots.py`).
Writes: the figure (`--out`, PNG): positions about the bound centre of mass, stars bound
        at T in blue, unbound in orange; each panel framed to hold at least 95% of the
        stars, with the number outside the frame written in the panel where there are any.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "snapshots": ("{data}/snapshots.npz", "cluster snapshots (NPZ)"),
}
# Share of the stars (bound and unbound together) each panel's square frame holds at least.
FRAME_QUANTILE = 0.95


def frame(x, y):
    """Half-width [AU] of a square frame holding FRAME_QUANTILE of the stars, rounded up to 1, 2 or 5 x 10^k."""
    half = np.quantile(np.maximum(np.abs(x), np.abs(y)), FRAME_QUANTILE)
    scale = 10.0 ** np.floor(np.log10(half))
    return scale * next(step for step in (1, 2, 5, 10) if step * scale >= half)


def plot(snapshots):
    snap = snapshots
    fig, axes = plt.subplots(2, 2, figsize=(5.6, 5.6))
    for row, name in enumerate(("cold", "hot")):
        q0, bound = float(snap[f"{name}_q0"]), snap[f"{name}_bound"]
        when = (("pos0", "t = 0"), ("pos", f"t = {float(snap['t_end_yr']):g} yr"))
        for col, (key, label) in enumerate(when):
            pos = snap[f"{name}_{key}"]
            centre = pos[:, bound].mean(axis=1) if bound.any() else np.zeros(3)
            x, y = pos[0] - centre[0], pos[1] - centre[1]
            lim = frame(x, y)
            ax = axes[row, col]
            ax.scatter(x[bound], y[bound], s=5, color="#0072B2", label="bound at T", zorder=3)
            ax.scatter(x[~bound], y[~bound], s=5, color="#D55E00", marker="x", label="unbound at T")
            outside = int(np.sum(np.maximum(np.abs(x), np.abs(y)) > lim))
            if outside:
                ax.text(
                    0.98,
                    0.98,
                    f"{outside} of {x.size} stars outside",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=8.5,  # the figure is printed at about 0.8 of its size
                    color="0.3",
                    bbox={"facecolor": "white", "alpha": 0.85, "linewidth": 0, "pad": 1.5},
                    zorder=4,
                )
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
            ax.set_title(f"$Q_0$ = {q0:g}, {label}", fontsize=9.5)
            ax.set_xlabel("x [AU]")
            ax.set_ylabel("y [AU]")
    # below the panels: inside one, the legend covered stars
    fig.legend(
        *axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=8.5, markerscale=1.5
    )
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
