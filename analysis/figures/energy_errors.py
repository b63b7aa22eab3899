"""Figure: the histogram of the campaign's energy errors, with the flagging threshold.

Reads:  the profile config (`--config`, section `figures`) and the campaign statistics
        (`--summary`) and dataset (`--campaign`), from `03_simulate.py`.
Writes: the figure (`--out`, PNG).
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "campaign": ("{data}/campaign.csv", "campaign dataset (CSV)"),
    "summary": ("{data}/campaign_summary.json", "campaign statistics (JSON)"),
}


def plot(campaign, summary):
    err, threshold = campaign["energy_error"], summary["energy_error_threshold"]
    err = np.maximum(err, 1e-16)
    fig, ax = plt.subplots(figsize=(4.6, 2.8))
    bins = np.logspace(np.log10(err.min()) - 0.1, max(np.log10(err.max()), np.log10(threshold)) + 0.1, 40)
    ax.hist(err, bins=bins, color="#0072B2")
    ax.axvline(threshold, color="#D55E00", ls="--", label=f"flag threshold {threshold:g}")
    ax.axvline(np.median(err), color="k", ls=":", label="median")
    ax.set_xscale("log")
    ax.set_xlabel(r"max$_t$ $|E(t)-E_0|\,/\,|W_0|$")
    ax.set_ylabel("simulations")
    # above the axes: the threshold sits at the right edge, where a legend inside would cover it
    fig.legend(loc="outside upper center", ncol=2)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
