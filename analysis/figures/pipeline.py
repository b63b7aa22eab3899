"""Figure: the pipeline of the study, each box with the numbered scripts that make it.

Reads:  the profile config (`--config`, section `figures`); no data.
Writes: the diagram (`--out`, PNG) with its provenance record.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from clusteremu.paper.plotting import figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {}
#: (scripts, title, body) per box; the first row builds and chooses, the second judges.
BUILD = [
    ("01", "Design", "Latin hypercube\nover $(Q_0, a)$,\nsplit by point"),
    ("02, 03, 09", "Simulations", "validated JAX\nN-body, cached;\nthe campaign"),
    ("04, 05, 06, 11, 12", "Emulators", "MLP ensemble,\nGP, learned noise,\nflow mixture"),
    ("07, 08", "Selection set", "eight likelihoods,\nexact grid, NUTS;\nthe choice"),
    ("16, 80", "Scaling", "learning curve;\nmeasured costs"),
]
JUDGE = [
    ("10, 14", "Truth set", "emulated means\nagainst the\nsimulator's"),
    ("13, 19", "Development", "diagnosis;\nthe model\ncheck's null"),
    ("17, 18", "Confirmation", "read once:\ncoverage, SBC;\nnoisy observations"),
    ("15", "Reference bank", "simulator's own\nposteriors\n(efficiency)"),
    ("20, 21", "Misspecified", "mass spectrum,\nbinaries, ages;\ncheck, tempering"),
]


def _row(ax, steps, y, color):
    for k, (scripts, title, body) in enumerate(steps):
        x = 0.1 + 2.0 * k
        ax.add_patch(FancyBboxPatch((x, y), 1.6, 1.55, boxstyle="round,pad=0.04", fc=color, ec="#0072B2"))
        ax.text(x + 0.8, y + 1.32, title, ha="center", va="center", weight="bold", fontsize=8)
        ax.text(x + 0.8, y + 0.72, body, ha="center", va="center", fontsize=6.5)
        ax.text(x + 0.8, y + 0.13, scripts, ha="center", va="center", fontsize=6.5, family="monospace", color="0.3")
        if k:
            ax.add_patch(FancyArrowPatch((x - 0.36, y + 0.8), (x - 0.02, y + 0.8), arrowstyle="-|>", mutation_scale=9))


def plot():
    fig, ax = plt.subplots(figsize=(6.6, 3.1))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    _row(ax, BUILD, 2.3, "#E8F1F8")
    _row(ax, JUDGE, 0.15, "#FDF1E6")
    # the chosen likelihood goes on to the sets that judge it (drawn to the confirmation set, the
    # first of them, so that it does not cross the development set's dashed arrow)
    ax.add_patch(FancyArrowPatch((6.7, 2.28), (5.3, 1.75), arrowstyle="-|>", mutation_scale=9))
    ax.text(6.15, 2.0, "chosen likelihood", fontsize=6.5, ha="left", va="center")
    # the development set is where the flow's over-confidence was found and fixed: it fed the
    # emulators back (the confirmation set, read once, did not)
    ax.add_patch(
        FancyArrowPatch(
            (3.45, 1.75), (4.5, 2.28), arrowstyle="-|>", mutation_scale=9, ls="--", color="#D55E00", shrinkA=0
        )
    )
    ax.text(4.05, 1.86, "fixes", fontsize=6.5, color="#D55E00", ha="left", va="center")
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
