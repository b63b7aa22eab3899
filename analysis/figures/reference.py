"""Figure: the recommended emulator posterior against the simulator-based reference.

Reads:  the profile config (`--config`, section `figures`) and the reference posteriors
        (`--reference`, from `15_reference_posteriors.py`).
Writes: the figure (`--out`, PNG): per reference observation (rows), the joint posterior
        on the local grid (synthetic likelihood filled, emulator as lines, truth as a
        cross) and the two marginals.
"""

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.paper.plotting import PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "reference": ("{data}/reference.json", "reference posteriors (JSON)"),
}


def plot(reference):
    rows = reference["observations"]
    fig, axes = plt.subplots(len(rows), 3, figsize=(6.6, 2.3 * len(rows)), squeeze=False)
    for r, obs in enumerate(rows):
        q0, a = np.array(obs["q0"]), np.array(obs["a_au"])
        bsl, emu = np.array(obs["bsl"]["density"]), np.array(obs["emulator"]["density"])
        ax = axes[r, 0]
        ax.contourf(q0, a, bsl.T, levels=6, cmap="Greys")
        ax.contour(q0, a, emu.T, levels=6, colors="#D55E00", linewidths=0.8)
        ax.plot(*obs["truth"], "x", color="#0072B2", ms=7, mew=2)
        ax.set_xlabel(PARAM_LABELS["q0"])
        ax.set_ylabel(PARAM_LABELS["a_au"])
        # marginal of one parameter: sum over the other axis times the other's cell width
        for k, (grid, other, step, name) in enumerate(((q0, 1, a[1] - a[0], "q0"), (a, 0, q0[1] - q0[0], "a_au"))):
            ax_m = axes[r, 1 + k]
            ax_m.plot(grid, bsl.sum(axis=other) * step, color="0.3", label="synthetic likelihood")
            ax_m.plot(grid, emu.sum(axis=other) * step, color="#D55E00", label="emulator")
            ax_m.axvline(obs["truth"][k], color="#0072B2", lw=0.8)
            ax_m.set_xlabel(PARAM_LABELS[name])
            ax_m.set_yticks([])
    axes[0, 1].legend(fontsize=6.5)
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
