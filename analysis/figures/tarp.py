"""Figure: TARP expected-coverage curves of the joint (Q0, a) posteriors, every likelihood.

Reads:  the profile config (`--config`, section `figures`) and the likelihood comparison
        (`--inference`, from `08_inference.py`).
Writes: the figure (`--out`, PNG): the deviation of the expected coverage probability from
        the credibility level (ECP - alpha; zero for a calibrated posterior) against the
        credibility level (Lemos et al. 2023), with the simultaneous 95% band of a calibrated
        estimator as a deviation too, the coverage it allows clipped to [0, 1]; the
        recommended likelihood and the comparators of `clusteremu.paper.labels.COMPARATORS`
        as curves, and the range of every likelihood's curve as a shaded envelope (eight
        curves in one narrow band would hide one another).
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.evaluation.reports import LikelihoodComparison
from clusteremu.paper.labels import COMPARATORS, LIKELIHOOD_NAMES
from clusteremu.paper.plotting import figure_script, likelihood_style

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "inference": ("{data}/inference.json", "likelihood comparison (JSON)"),
}


def plot(inference):
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    first = inference.coverage_set[inference.likelihoods[0]].tarp
    alpha, band = np.array(first.alpha), first.band
    # a coverage lies in [0, 1]; so does the band, drawn as a deviation from the diagonal
    lo, hi = np.clip(alpha - band, 0, 1) - alpha, np.clip(alpha + band, 0, 1) - alpha
    ax.fill_between(alpha, lo, hi, color="0.85", lw=0, label="95% band (calibrated)")
    ax.axhline(0.0, color="k", lw=0.6, zorder=1)
    deviation = {name: np.array(inference.coverage_set[name].tarp.ecp) - alpha for name in inference.likelihoods}
    every = np.array(list(deviation.values()))
    ax.fill_between(
        alpha,
        every.min(axis=0),
        every.max(axis=0),
        facecolor="none",
        edgecolor="0.45",
        hatch="////",
        lw=0,  # hatched, not filled: no likelihood's colour is mistaken for it
        label=f"range of all {len(every)} likelihoods",
    )
    for name in dict.fromkeys([*COMPARATORS, inference.recommended]):  # recommended last, on top
        ax.plot(alpha, deviation[name], label=LIKELIHOOD_NAMES[name], **likelihood_style(name, inference.recommended))
    ax.set_xlabel(r"credibility level $\alpha$")
    ax.set_ylabel(r"expected coverage (TARP) − $\alpha$")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right center", fontsize=6.5)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot, readers={"inference": LikelihoodComparison.load})
