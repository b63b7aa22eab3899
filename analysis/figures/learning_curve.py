"""Figure: one flow's accuracy and calibration against the number of training design points.

Reads:  the profile config (`--config`, section `figures`) and the learning curve
        (`--learning-curve`, from `16_learning_curve.py`).
Writes: the figure (`--out`, PNG), each point the mean over the replicates with their range
        as error bar: the 68th percentile of the truth-set error in units of sigma_sim per
        summary, with a perfect emulator's value; the 68% and 95% coverage of Q0 and a on the
        selection set, with two binomial s.e. about nominal; the sd of the standardized error.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.datasets.table import OUTPUT_NAMES
from clusteremu.paper.plotting import LABELS, PARAM_LABELS, binomial_band, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "learning_curve": ("{data}/learning_curve.json", "learning curve (JSON)"),
}


#: The parameters' colours and markers, apart from the summaries' (the first panel's colour cycle:
#: blue, orange, green); the vermilion Q0 once had read as the orange of sigma_v.
PARAM_STYLE = {"q0": {"color": "#000000", "marker": "s"}, "a_au": {"color": "#CC79A7", "marker": "^"}}


def plot(learning_curve):
    rows = learning_curve["rows"]
    sizes = sorted({r["n_train_points"] for r in rows})

    def band(key, j=None):
        """Mean and min-max over the replicates of each size."""
        values = [[r[key] if j is None else r[key][j] for r in rows if r["n_train_points"] == n] for n in sizes]
        return np.array([np.mean(v) for v in values]), np.array(
            [[np.mean(v) - min(v), max(v) - np.mean(v)] for v in values]
        ).T

    fig, axes = plt.subplots(1, 4, figsize=(6.3, 2.8))  # the printed width: no scaling down
    for j, name in enumerate(OUTPUT_NAMES):
        mean, err = band("truth_ratio68", j)
        axes[0].errorbar(sizes, mean, yerr=err, fmt="o-", ms=3, capsize=2, label=LABELS[name].split(" [")[0])
    axes[0].axhline(learning_curve["perfect"][0], color="k", ls=":", lw=0.8, label="perfect")
    axes[0].set_ylabel(r"truth error / $\sigma_\mathrm{sim}$, 68th pct")
    n = learning_curve["n_coverage"]
    for ax, level in ((axes[1], 68), (axes[2], 95)):
        binomial_band(ax, None, level / 100, n, centre=level / 100, color="0.88", label="nominal ± 2 s.e.")
        for p, label in PARAM_LABELS.items():
            mean, err = band(f"{p}_coverage{level}")
            ax.errorbar(sizes, mean, yerr=err, fmt="-", ms=3, capsize=2, label=label, **PARAM_STYLE[p])
        ax.set_ylabel(f"{level}% coverage")
    for p, label in PARAM_LABELS.items():
        mean, err = band(f"{p}_z_sd")
        axes[3].errorbar(sizes, mean, yerr=err, fmt="-", ms=3, capsize=2, label=label, **PARAM_STYLE[p])
    axes[3].axhline(1.0, color="k", ls=":", lw=0.8, label="calibrated (1)")
    axes[3].set_ylabel("sd of standardized error")
    # Two legends above the panels, never over the points: the summaries' (first panel) and
    # the parameters' with their reference marks (the other three).
    by_label = {}
    for ax in axes[1:]:
        handles, labels = ax.get_legend_handles_labels()
        by_label.update(zip(labels, handles, strict=True))
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper left", ncol=4, fontsize=6)
    fig.legend(by_label.values(), by_label.keys(), loc="outside upper right", ncol=4, fontsize=6)
    fig.supxlabel("training design points", fontsize=9)  # one label shared by the panels
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
