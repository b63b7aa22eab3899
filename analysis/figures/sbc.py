"""Figure: SBC rank histograms (posterior CDF at the true value), per width and parameter.

Reads:  the profile config (`--config`, section `figures`) and the inference results
        (`--inference`, from `08_inference.py`).
Writes: the figure (`--out`, PNG); the grey band is the 99% range of a bin count under
        uniformity, p the chi-squared uniformity test.
"""

import matplotlib.pyplot as plt
from scipy import stats

from clusteremu.plotting import PARAM_LABELS, VARIANT_NAMES, figure_script

CONFIG_SECTIONS = ("figures",)


def plot(inference):
    inf = inference
    results, n = inf["coverage_set"], inf["n_coverage_used"]
    fig, axes = plt.subplots(len(results), 2, figsize=(6.0, 5.2), sharex=True, squeeze=False)
    lo, hi = stats.binom.ppf([0.005, 0.995], n, 0.1)
    for i, (v, res) in enumerate(results.items()):
        for j, p in enumerate(PARAM_LABELS):
            ax = axes[i, j]
            ax.axhspan(lo, hi, color="0.88")
            ax.hist(res[p]["pit"], bins=10, range=(0, 1), color="#0072B2")
            ax.set_title(f"{VARIANT_NAMES[v]}: {PARAM_LABELS[p]} (p = {res[p]['sbc_chi2_p']:.2f})", fontsize=7.5)
            if i == len(results) - 1:
                ax.set_xlabel("posterior CDF at the true value")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, plot, inference="inference results (JSON)")
