"""Figures: corner plots of the three representative posteriors (typical, edge, ridge).

Reads:  the profile config (`--config`, section `figures`) and the draws and grid
        densities of the example posteriors (`--posteriors`, from `08_inference.py`).
Writes: one figure per case (`--out`, three PNG paths in the order typical, edge,
        ridge): NUTS draws with their 68% and 95% highest-density contours (black), the
        exact grid posterior's 68% and 95% highest-density contours (green), the true
        values (blue), the grid's edge (the prior boundary) where it falls in view, with
        what lies outside the prior shaded, and marginal densities with the median and
        central 90% interval; a legend names each.
"""

import corner
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from clusteremu.paper.plotting import PARAM_LABELS, TRUTH_COLOR, figure_script

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
# Posterior mass inside the drawn contours, the same for the draws and the grid.
HPD = (0.68, 0.95)


BOUNDARY_DASHES = (0, (5, 2, 1, 2))  # dash-dot, with gaps the truth's colour shows through


def hpd_thresholds(density, masses=HPD):
    """Density values whose upper level sets hold `masses` of a density on a uniform grid (descending)."""
    d = np.sort(density.ravel())[::-1]
    cumulative = np.cumsum(d) / d.sum()
    return [d[np.searchsorted(cumulative, m)] for m in sorted(masses, reverse=True)]


def _with_margin(limits, value, edges, share=0.04, beyond=0.08):
    """Axis `limits` widened where needed so that `value` stays a `share` of the range inside,
    and each prior edge of `edges` that lies in view or within a `share` of the range of it a
    `beyond` share inside: wide enough that the shaded strip outside the prior shows, also where
    a true value's line lies on the edge."""
    lo, hi = limits
    pad, out = share * (hi - lo), beyond * (hi - lo)
    near = [e for e in edges if lo - pad <= e <= hi + pad]
    return min(lo, value - pad, *(e - out for e in near)), max(hi, value + pad, *(e + out for e in near))


def _box_edges(centres):
    """The prior box's edges along one axis, from the grid's evenly spaced cell centres."""
    half = (centres[1] - centres[0]) / 2
    return centres[0] - half, centres[-1] + half


def one(post, case):
    draws = post[f"{case}_draws"]
    fig = corner.corner(
        draws,
        labels=list(PARAM_LABELS.values()),
        truths=post[f"{case}_truth"],
        truth_color=TRUTH_COLOR,
        quantiles=[0.05, 0.5, 0.95],
        levels=HPD,
        plot_density=False,  # no unlabelled grey levels: the draws as points, their two contours
        hist_kwargs={"density": True},
        data_kwargs={"alpha": 0.3},  # corner's default (0.1) leaves the draws barely visible in print
        label_kwargs={"fontsize": 9},
    )
    fig.set_size_inches(4.2, 4.0)
    # room for the right-hand marginal's density scale, and between the columns for the
    # joint panel's last Q0 tick and the a marginal's first
    fig.subplots_adjust(right=0.84, wspace=0.12)
    for k, name in enumerate(PARAM_LABELS):
        lo, mid, hi = np.quantile(draws[:, k], [0.05, 0.5, 0.95])
        symbol, f, unit = TITLE[name]
        fig.axes[3 * k].set_title(f"{symbol} = ${mid:{f}}^{{+{hi - mid:{f}}}}_{{-{mid - lo:{f}}}}${unit}", fontsize=8)
    for ax in (ax for ax in fig.axes if ax.get_frame_on()):  # corner's empty upper-right panel stays empty
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(labelrotation=0)  # corner's 45-degree labels are small and collide
    for ax, side in ((fig.axes[0], "left"), (fig.axes[3], "right")):  # the marginals get a scale
        ax.tick_params(labelleft=side == "left", labelright=side == "right", left=side == "left", right=side == "right")
        ax.yaxis.set_major_locator(MaxNLocator(2))
        ax.yaxis.set_major_formatter(ScalarFormatter())  # corner blanks the labels
        ax.yaxis.set_label_position(side)
        ax.set_ylabel("density", fontsize=8)
    for ax in (fig.axes[0], fig.axes[3]):
        for quantile in (ln for ln in ax.lines if ln.get_linestyle() == "--"):
            quantile.set_zorder(2.5)  # corner draws the truth after the quantiles: a median on it would hide
    joint = fig.axes[2]
    q0, a_au = post["q0_grid"], post["a_au_grid"]
    joint.contour(
        q0,
        a_au,
        post[f"{case}_grid_density"].T,
        levels=hpd_thresholds(post[f"{case}_grid_density"]),
        colors="#009E73",
        linewidths=0.9,
    )
    # the grid posterior's marginals beside the draws' histograms, as densities on the same scale
    density = post[f"{case}_grid_density"]
    for ax, centres, other in ((fig.axes[0], q0, 1), (fig.axes[3], a_au, 0)):
        marginal = density.sum(axis=other)
        ax.plot(centres, marginal / (marginal.sum() * (centres[1] - centres[0])), color="#009E73", lw=0.9)
    # The grid's cells tile the prior box: a contour ending there is cut by the prior, not by the plot.
    # A prior edge or a true value at the edge of the view would hide under the axis: leave them
    # a margin, and shade what lies outside the prior.
    truth = post[f"{case}_truth"]
    q_edges, a_edges = (_box_edges(centres) for centres in (q0, a_au))
    q_limits = _with_margin(joint.get_xlim(), truth[0], q_edges)
    a_limits = _with_margin(joint.get_ylim(), truth[1], a_edges)
    for ax, (lo, hi), edges, vertical in (
        (fig.axes[0], q_limits, q_edges, True),
        (joint, q_limits, q_edges, True),
        (joint, a_limits, a_edges, False),
        (fig.axes[3], a_limits, a_edges, True),
    ):
        span, line = (ax.axvspan, ax.axvline) if vertical else (ax.axhspan, ax.axhline)
        for outside in ((lo, edges[0]), (edges[1], hi)):
            if outside[0] < outside[1]:
                span(*outside, color="0.9", lw=0, zorder=0)
        if ax is joint:
            for edge in (e for e in edges if lo < e < hi):
                # Above the true value's line, which can lie on the edge (the edge case's Q0): black
                # dashes, wider than a thin grey line, read on the blue.
                line(edge, color="k", lw=1.0, ls=BOUNDARY_DASHES, zorder=2.5)
        (ax.set_xlim if vertical else ax.set_ylim)(lo, hi)
    handles = [
        Line2D([], [], ls="none", marker="o", ms=2.5, color="k", alpha=0.3, label="NUTS draws"),
        Line2D([], [], color="k", lw=1.0, label="draws' 68%, 95% HPD"),
        Line2D([], [], color="#009E73", lw=1.0, label="grid posterior: 68%, 95% HPD,\nmarginals"),
        Line2D([], [], color="k", ls="--", lw=1.0, label="median, central 90%"),
        Line2D([], [], color=TRUTH_COLOR, lw=1.0, label="true value"),
        Line2D([], [], color="k", ls=BOUNDARY_DASHES, lw=1.0, label="prior boundary"),
        Patch(color="0.9", lw=0, label="outside the prior"),
    ]
    fig.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.99, 0.9), fontsize=7, frameon=False)
    return fig


def plot(posteriors):
    # corner lays out its own axes (subplots_adjust), which constrained layout would refuse
    with plt.rc_context({"figure.constrained_layout.use": False}):
        return [one(posteriors, case) for case in CASES]


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot, outputs=OUTPUTS)
