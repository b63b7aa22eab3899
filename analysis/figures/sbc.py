"""Figure: SBC rank histograms of the recommended likelihood and of the input-dependent width.

Reads:  the profile config (`--config`, section `figures`) and the likelihood comparison
        (`--inference`, from `08_inference.py`).
Writes: the figure (`--out`, PNG): histograms of the posterior CDF at the true value
        (outlined, so the grey band, the 99% range of a bin count under uniformity, stays
        visible), with the chi-squared uniformity test's p; one y scale for all panels, the
        band's level in the legend.
"""

import matplotlib.pyplot as plt
from scipy import stats

from clusteremu.evaluation.reports import LikelihoodComparison
from clusteremu.paper.labels import LIKELIHOOD_NAMES
from clusteremu.paper.plotting import PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "inference": ("{data}/inference.json", "likelihood comparison (JSON)"),
}


def plot(inference):
    names = list(dict.fromkeys([inference.recommended, "input"]))
    n = inference.n_coverage_used
    lo, hi = stats.binom.ppf([0.005, 0.995], n, 0.1)
    fig, axes = plt.subplots(
        len(names), 2, figsize=(6.0, 2.3 * len(names) + 0.3), sharex=True, sharey=True, squeeze=False
    )
    for i, name in enumerate(names):
        for j, p in enumerate(PARAM_LABELS):
            r = inference.coverage_set[name].parameter(p)
            ax = axes[i, j]
            ax.axhspan(lo, hi, color="0.88", lw=0, label=f"99% range of a bin count if uniform ({n} cases)")
            ax.hist(r.pit, bins=10, range=(0, 1), histtype="step", color="#0072B2", lw=1.4, label="rank histogram")
            ax.set_title(f"{LIKELIHOOD_NAMES[name]}: {PARAM_LABELS[p]} (p = {r.sbc_chi2_p:.2f})", fontsize=8)
            if i == len(names) - 1:
                ax.set_xlabel("posterior CDF at the true value")
        axes[i, 0].set_ylabel("cases per bin")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=7)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot, readers={"inference": LikelihoodComparison.load})
