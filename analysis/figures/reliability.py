"""Figure: reliability diagram on the test split, before and after calibration, and the GP.

Reads:  the profile config (`--config`, section `figures`) and the evaluation
        (`--evaluation`, from `06_evaluate_emulator.py`).
Writes: the figure (`--out`, PNG): empirical coverage against the nominal credibility of
        central intervals, with a band of two binomial standard errors about the diagonal
        for the test split's number of rows, and each summary's calibration scale (where it
        is 1.00 the two ensemble curves coincide; the uncalibrated one's hollow markers show).
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import LABELS, binomial_band, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "evaluation": ("{data}/evaluation.json", "evaluation results (JSON)"),
}
# The uncalibrated curve's hollow, larger markers stay visible around the calibrated one's
# where calibration changes nothing (a scale of 1.00 gives the same curve).
STYLES = {
    "ensemble, uncalibrated": {"fmt": "o--", "ms": 4.5, "mfc": "none"},
    "ensemble, calibrated": {"fmt": "o-", "ms": 2.5},
    "Gaussian process": {"fmt": "s:", "ms": 2.5},
}


def plot(evaluation):
    ev = evaluation
    levels = np.array(ev["reliability_levels"])
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.7))
    for j, (ax, name) in enumerate(zip(axes, ev["outputs"], strict=True)):
        binomial_band(ax, levels, levels, ev["n_test_rows"], centre=levels)
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        curves = {method: np.asarray(ev["probabilistic"][method]["reliability"])[:, j] for method in STYLES}
        for method, style in STYLES.items():
            ax.plot(levels, curves[method], style["fmt"], ms=style["ms"], mfc=style.get("mfc"), label=method)
        scale = ev["calibration_scale"][j]
        ax.text(0.97, 0.03, f"calibration scale {scale:.2f}", transform=ax.transAxes, ha="right", fontsize=7)
        ax.set_xlabel("nominal credibility")
        ax.set_title(LABELS[name])
    axes[0].set_ylabel("empirical coverage")
    # below the panels: inside, any corner covers some curve
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=7)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
