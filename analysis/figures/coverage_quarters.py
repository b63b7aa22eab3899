"""Figure: coverage of the 68% and 95% intervals in each quarter of the Q0 range.

Reads:  the profile config (`--config`, section `figures`) and the likelihood comparison
        (`--inference`, from `08_inference.py`).
Writes: the figure (`--out`, PNG): per parameter (rows) and level (columns), the
        coverage of every likelihood in each Q0 quarter, with the nominal level and its
        band of two binomial standard errors for the quarter's number of cases.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.evaluation.reports import LikelihoodComparison
from clusteremu.paper.labels import LIKELIHOOD_NAMES
from clusteremu.paper.plotting import PARAM_LABELS, figure_script, likelihood_style

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "inference": ("{data}/inference.json", "likelihood comparison (JSON)"),
}


def plot(inference):
    names = inference.likelihoods
    fig, axes = plt.subplots(2, 2, figsize=(6.6, 4.6), sharex=True)
    for row, p in enumerate(PARAM_LABELS):
        for col, level in enumerate((68, 95)):
            ax = axes[row, col]
            bins = inference.coverage_set[names[0]].parameter(p).by_q0
            mid = np.array([0.5 * (b.lo + b.hi) for b in bins])
            width = bins[0].hi - bins[0].lo
            se = np.array([getattr(b, f"se{level}") for b in bins])
            for m, b in zip(mid, se, strict=True):
                ax.fill_between(
                    [m - width / 2, m + width / 2], level / 100 - 2 * b, level / 100 + 2 * b, color="0.88", lw=0
                )
            ax.axhline(level / 100, color="k", lw=0.6)
            for k, name in enumerate(names):
                cov = [getattr(b, f"coverage{level}") for b in inference.coverage_set[name].parameter(p).by_q0]
                offset = (k - (len(names) - 1) / 2) * width / (1.6 * len(names))
                ax.plot(
                    mid + offset,
                    cov,
                    label=LIKELIHOOD_NAMES[name],
                    **likelihood_style(name, inference.recommended) | {"ls": "none"},
                )
            ax.set_title(f"{PARAM_LABELS[p]}, {level}% intervals", fontsize=8)
            if row == 1:
                ax.set_xlabel(r"true $Q_0$ (quarters of its range)")
    axes[0, 0].set_ylabel("empirical coverage")
    axes[1, 0].set_ylabel("empirical coverage")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=6.5)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot, readers={"inference": LikelihoodComparison.load})
