"""Figure: projected star positions at t = 0 and t = T for a cold and a hot cluster.

Reads:  the profile config (`--config`, section `figures`) and the snapshots
        (`--snapshots`, from `09_snapshots.py`).
Writes: the figure (`--out`, PNG): positions about the bound centre of mass, stars bound
        at T in blue, unbound in orange.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "snapshots": ("{data}/snapshots.npz", "cluster snapshots (NPZ)"),
}


def plot(snapshots):
    snap = snapshots
    fig, axes = plt.subplots(2, 2, figsize=(5.6, 5.6))
    for row, name in enumerate(("cold", "hot")):
        q0, a, bound = float(snap[f"{name}_q0"]), float(snap[f"{name}_a_au"]), snap[f"{name}_bound"]
        lim = 8 * a
        when = (("pos0", "t = 0"), ("pos", f"t = {float(snap['t_end_yr']):g} yr"))
        for col, (key, label) in enumerate(when):
            pos = snap[f"{name}_{key}"]
            centre = pos[:, bound].mean(axis=1) if bound.any() else np.zeros(3)
            x, y = pos[0] - centre[0], pos[1] - centre[1]
            ax = axes[row, col]
            ax.scatter(x[bound], y[bound], s=5, color="#0072B2", label="bound at T")
            ax.scatter(x[~bound], y[~bound], s=5, color="#D55E00", marker="x", label="unbound at T")
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
            ax.set_title(f"$Q_0$ = {q0:g}, {label}", fontsize=8)
            ax.set_xlabel("x [AU]")
            ax.set_ylabel("y [AU]")
    axes[0, 0].legend(fontsize=7, loc="lower left")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
