"""Figure: projected star positions at t = 0 and t = T for a cold and a hot cluster.

Reads:  the profile config (`--config`, section `figures`) and the snapshots
        (`--snapshots`, from `09_snapshots.py`).
Writes: the figure (`--out`, PNG): positions about the bound centre of mass, stars bound
        at T in blue, unbound in orange; each panel framed to hold at least 95% of the
        stars, with the number bound at T in the title, and the number outside the frame
        where there are any (not drawn; those in it are drawn whole, over the frame).
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
            # the stars in the frame drawn whole, over the spines (a star on the frame was cut in
            # half); those beyond it are counted in the note, not drawn
            shown = np.maximum(np.abs(x), np.abs(y)) <= lim
            style = {"s": 5, "clip_on": False}
            ax.scatter(x[bound & shown], y[bound & shown], color="#0072B2", label="bound at T", zorder=3, **style)
            ax.scatter(x[~bound & shown], y[~bound & shown], color="#D55E00", marker="x", label="unbound at T", **style)
            outside = int(np.sum(~shown))
            # a few bound stars close together print as one dot: their number says how many there
            # are; in the title, where it covers no star
            note = f"{int(bound.sum())} bound at T" + (f", {outside} of {x.size} outside" if outside else "")
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            # three ticks per axis: five labels of four digits ran together at print size
            ax.set_xticks([-lim, 0, lim])
            ax.set_yticks([-lim, 0, lim])
            ax.set_aspect("equal")
            ax.set_title(f"$Q_0$ = {q0:g}, {label}\n{note}", fontsize=9.5)
            ax.set_xlabel("x [AU]")
            ax.set_ylabel("y [AU]")
    # below the panels: inside one, the legend covered stars
    fig.legend(
        *axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=8.5, markerscale=1.5
    )
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
