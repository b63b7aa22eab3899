"""Figure: expected-coverage curves of the recommended likelihood's posteriors and a few others.

Reads:  the profile config (`--config`, section `figures`) and the likelihood comparison
        (`--inference`, from `08_inference.py`).
Writes: the figure (`--out`, PNG): empirical minus nominal coverage of central credible
        intervals against their nominal level, with a band of two binomial standard errors; the
        recommended likelihood against the comparators of
        `clusteremu.paper.labels.COMPARATORS` (the rest are in the coverage table and the
        per-quarter figure).
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.evaluation.reports import LikelihoodComparison
from clusteremu.paper.labels import COMPARATORS, LIKELIHOOD_NAMES
from clusteremu.paper.plotting import PARAM_LABELS, binomial_band, figure_script, likelihood_style

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "inference": ("{data}/inference.json", "likelihood comparison (JSON)"),
}


def plot(inference):
    levels, n = np.array(inference.levels), inference.n_coverage_used
    fig, axes = plt.subplots(1, 2, figsize=(6.6, 3.3), sharey=True)
    # Coverage minus its nominal level: on the diagonal itself the likelihoods' curves lie
    # within a marker's width of each other and of the diagonal.
    for ax, p in zip(axes, PARAM_LABELS, strict=True):
        binomial_band(ax, levels, levels, n)
        ax.axhline(0.0, color="k", lw=0.6, zorder=1)
        for name in dict.fromkeys([*COMPARATORS, inference.recommended]):  # recommended last, on top
            ax.plot(
                levels,
                np.array(inference.coverage_set[name].parameter(p).coverage) - levels,
                label=LIKELIHOOD_NAMES[name],
                **likelihood_style(name, inference.recommended),
            )
        ax.set_xlabel("nominal credibility")
        ax.set_title(PARAM_LABELS[p])
    axes[0].set_ylabel("empirical − nominal coverage")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right center", fontsize=6.5)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot, readers={"inference": LikelihoodComparison.load})
