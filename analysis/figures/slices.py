"""Figure: one-dimensional slices through the emulator, with members and bands.

Reads:  the profile config (`--config`, section `figures`) and the evaluation
        (`--evaluation`, from `06_evaluate_emulator.py`, which holds the slices).
Writes: the figure (`--out`, PNG): in Q0 at the middle of the a range (top) and in a at
        the middle of the Q0 range (bottom), extending beyond the training domain (the grey
        span); bands clipped to each summary's physical range (the mean and the members are
        drawn as the emulator gives them); one colour and legend entry per member.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import LABELS, PARAM_LABELS, figure_script, member_colors

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "evaluation": ("{data}/evaluation.json", "evaluation results (JSON)"),
}
# What each summary can physically be: a fraction, and two positive sizes.
PHYSICAL = {"f_bound": (0.0, 1.0), "sigma_v_kms": (0.0, np.inf), "r_h_au": (0.0, np.inf)}


def plot(evaluation):
    ev = evaluation
    fig, axes = plt.subplots(2, 3, figsize=(6.6, 4.8))
    colors = member_colors(len(ev["slices"][0]["members"]))  # as in the loss curves (Fig. 9)
    for row, cut in enumerate(ev["slices"]):
        grid, mean = np.array(cut["grid"]), np.array(cut["mean"])
        ens, tot, members = np.array(cut["ensemble_sd"]), np.array(cut["total_sd"]), np.array(cut["members"])
        for j, name in enumerate(ev["outputs"]):
            ax = axes[row, j]
            ax.axvspan(*cut["domain"], color="0.93", zorder=0, label="training domain")
            lo, hi = PHYSICAL[name]
            ax.fill_between(
                grid,
                np.clip(mean[:, j] - 2 * tot[:, j], lo, hi),
                np.clip(mean[:, j] + 2 * tot[:, j], lo, hi),
                color="#56B4E9",
                alpha=0.3,
                lw=0,
                label=r"$\pm 2\sigma$ predictive",
            )
            ax.fill_between(
                grid,
                np.clip(mean[:, j] - 2 * ens[:, j], lo, hi),
                np.clip(mean[:, j] + 2 * ens[:, j], lo, hi),
                color="#0072B2",
                alpha=0.5,
                lw=0,
                label=r"$\pm 2\sigma$ ensemble",
            )
            for m in range(members.shape[0]):  # one colour per member, named in the legend
                ax.plot(grid, members[m, :, j], color=colors[m], lw=0.9, label=f"member {m + 1}")
            ax.plot(grid, mean[:, j], color="k", lw=1.0, ls="--", label="mean")
            ax.scatter(
                cut["train_x"],
                np.array(cut["train_y"]).reshape(-1, 3)[:, j],
                s=3,
                color="0.35",  # neutral: orange and vermilion are members' colours here
                alpha=0.5,
                zorder=1.5,  # under the lines, which it would otherwise hide inside the domain
                label="training, near slice",
            )
            ax.set_xlabel(PARAM_LABELS["q0" if cut["axis"] == 0 else "a_au"])
            ax.set_ylabel(LABELS[name])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=6, fontsize=7)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
