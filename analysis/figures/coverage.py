"""Figure: expected-coverage curves of the posteriors, per likelihood width and parameter.

Reads:  the profile config (`--config`, section `figures`) and the inference results
        (`--inference`, from `08_inference.py`).
Writes: the figure (`--out`, PNG): empirical coverage of central credible intervals
        against their nominal level, with a band of two binomial standard errors.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.plotting import PARAM_LABELS, VARIANT_NAMES, figure_script

CONFIG_SECTIONS = ("figures",)


def plot(inference):
    inf = inference
    levels, n = np.array(inf["levels"]), inf["n_coverage_used"]
    band = 2 * np.sqrt(levels * (1 - levels) / n)
    fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.0))
    for ax, p in zip(axes, PARAM_LABELS, strict=True):
        ax.fill_between(levels, levels - band, levels + band, color="0.85", label="±2 binomial s.e.")
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        for v, res in inf["coverage_set"].items():
            ax.plot(levels, res[p]["coverage"], "o-", ms=2.5, label=VARIANT_NAMES[v])
        ax.set_xlabel("nominal credibility")
        ax.set_ylabel("empirical coverage")
        ax.set_title(PARAM_LABELS[p])
    axes[0].legend(fontsize=6.5)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, plot, inference="inference results (JSON)")
