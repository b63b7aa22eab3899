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
#: Arrows (from, to) between boxes: every step of the first row reads the one before it; in the
#: second, an arrow is data one set's analysis reads from another's (18 calibrates the model
#: check on the development set, 15 and 21 compare with the confirmation set and its check),
#: and the truth set reads no other set.
BUILD_READS = [(k, k + 1) for k in range(len(BUILD) - 1)]
JUDGE_READS = [(1, 2), (2, 3), (2, 4)]


def _row(ax, steps, reads, y, color):
    for k, (scripts, title, body) in enumerate(steps):
        x = 0.1 + 2.0 * k
        ax.add_patch(FancyBboxPatch((x, y), 1.6, 1.55, boxstyle="round,pad=0.04", fc=color, ec="#0072B2"))
        ax.text(x + 0.8, y + 1.32, title, ha="center", va="center", weight="bold", fontsize=8)
        ax.text(x + 0.8, y + 0.72, body, ha="center", va="center", fontsize=6.5)
        ax.text(x + 0.8, y + 0.13, scripts, ha="center", va="center", fontsize=6.5, family="monospace", color="0.3")
    for i, j in reads:
        if j == i + 1:  # neighbours: straight across the gap
            ends, style = ((2.0 * j - 0.26, y + 0.8), (2.0 * j + 0.08, y + 0.8)), "arc3"
        else:  # further along the row: an arc under the boxes between
            ends, style = ((2.0 * i + 1.1, y - 0.06), (2.0 * j + 0.5, y - 0.06)), "arc3,rad=0.12"
        ax.add_patch(FancyArrowPatch(*ends, arrowstyle="-|>", mutation_scale=9, connectionstyle=style))


def plot():
    fig, ax = plt.subplots(figsize=(6.6, 2.8))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.4, 4)
    _row(ax, BUILD, BUILD_READS, 2.3, "#E8F1F8")
    _row(ax, JUDGE, JUDGE_READS, 0.15, "#FDF1E6")
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
