"""Figure: the pipeline of the study, from design to posterior.

Reads:  the profile config (`--config`, section `figures`); no data.
Writes: the diagram (`--out`, PNG) with its provenance record.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from clusteremu.paper.plotting import figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {}
STEPS = [
    ("Design", "Latin hypercube\nover $(Q_0, a)$,\nsplit by point"),
    ("Simulations", "JAX N-body,\nrealizations\nper point"),
    ("Emulator", "ensemble of MLPs,\nbaselines,\ncalibration"),
    ("Likelihood", "Gaussian in\nphysical units,\nthree widths"),
    ("Posterior", "NUTS and exact\ngrid; coverage\nand SBC"),
]


def plot():
    fig, ax = plt.subplots(figsize=(6.6, 1.7))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 2)
    for k, (title, body) in enumerate(STEPS):
        x = 0.1 + 2.0 * k
        ax.add_patch(FancyBboxPatch((x, 0.15), 1.6, 1.7, boxstyle="round,pad=0.04", fc="#E8F1F8", ec="#0072B2"))
        ax.text(x + 0.8, 1.55, title, ha="center", va="center", weight="bold", fontsize=8.5)
        ax.text(x + 0.8, 0.8, body, ha="center", va="center", fontsize=7)
        if k:
            ax.add_patch(FancyArrowPatch((x - 0.36, 1.0), (x - 0.02, 1.0), arrowstyle="-|>", mutation_scale=10))
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
