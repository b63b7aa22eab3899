"""Figure: the simulator's noise floor, the realization scatter of each summary per point.

Reads:  the profile config (`--config`, section `figures`) and the campaign dataset
        (`--campaign`, from `03_simulate.py`).
Writes: the figure (`--out`, PNG): standard deviation over the usable realizations of
        each design point against Q0, coloured by a.
"""

import matplotlib.pyplot as plt

from clusteremu.datasets.splits import usable_points
from clusteremu.datasets.table import OUTPUT_NAMES
from clusteremu.paper.plotting import LABELS, PARAM_LABELS, figure_script

CONFIG_SECTIONS = ("figures",)
INPUTS = {
    "campaign": ("{data}/campaign.csv", "campaign dataset (CSV)"),
}


def plot(campaign):
    points = usable_points(campaign)
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.5))
    for j, (ax, name) in enumerate(zip(axes, OUTPUT_NAMES, strict=True)):
        sc = ax.scatter(points.x[:, 0], points.sd[:, j], c=points.x[:, 1], s=6, cmap="viridis")
        ax.set_xlabel(PARAM_LABELS["q0"])
        ax.set_title(r"$\sigma_\mathrm{sim}$ of " + LABELS[name])
    fig.colorbar(sc, ax=axes, label=PARAM_LABELS["a_au"])
    return fig


if __name__ == "__main__":
    figure_script(__file__, __doc__, CONFIG_SECTIONS, INPUTS, plot)
