"""Figure: the simulator's noise floor, the realization scatter of each summary per point.

Reads:  the profile config (`--config`, section `figures`) and the campaign dataset
        (`--campaign`, from `03_simulate.py`).
Writes: the figure (`--out`, PNG): standard deviation over the usable realizations of
        each design point against Q0, coloured by a.
"""

import matplotlib.pyplot as plt

from clusteremu.config import load_config
from clusteremu.dataset import OUTPUT_NAMES, read_dataset
from clusteremu.emulator_data import usable_points
from clusteremu.plotting import LABELS, PARAM_LABELS, figure_parser, run_figure_script, save_figure, use_style

CONFIG_SECTIONS = ("figures",)


def plot(points):
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.5))
    for j, (ax, name) in enumerate(zip(axes, OUTPUT_NAMES, strict=True)):
        sc = ax.scatter(points.x[:, 0], points.sd[:, j], c=points.x[:, 1], s=6, cmap="viridis")
        ax.set_xlabel(PARAM_LABELS["q0"])
        ax.set_title(r"$\sigma_\mathrm{sim}$ of " + LABELS[name])
    fig.colorbar(sc, ax=axes, label=PARAM_LABELS["a_au"])
    return fig


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    use_style()
    fig = plot(usable_points(read_dataset(args.campaign)))
    save_figure(fig, args.out, script=__file__, config=config, inputs=[args.campaign])


if __name__ == "__main__":
    run_figure_script(main, figure_parser(__doc__, campaign="campaign dataset (CSV)"))
