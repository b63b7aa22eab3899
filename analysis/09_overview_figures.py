"""Draw the two overview figures: the pipeline, and the clusters themselves.

Reads:  the profile config (`--config`).
Writes: a diagram of the pipeline from design to posterior (`--fig-pipeline`) and
        projected star positions at t = 0 and t = T for a sub-virial and a super-virial
        cluster with bound and unbound stars marked (`--fig-clusters`), each with its
        provenance record.
"""

import argparse
import sys

import jax
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from clusteremu.config import ConfigError, load_config
from clusteremu.plotting import use_style
from clusteremu.provenance import Run
from clusteremu.simulate import SimulationSettings, simulate_one
from clusteremu.summaries import bound_mask

STEPS = [
    ("Design", "Latin hypercube\nover $(Q_0, a)$,\nsplit by point"),
    ("Simulations", "JAX N-body,\nrealizations\nper point"),
    ("Emulator", "ensemble of MLPs,\nbaselines,\ncalibration"),
    ("Likelihood", "Gaussian in\nphysical units,\nthree widths"),
    ("Posterior", "NUTS and exact\ngrid; coverage\nand SBC"),
]


def plot_pipeline():
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


def plot_clusters(config, seed):
    settings = SimulationSettings.from_config(config)
    a = 0.5 * (config["domain"]["a_min_au"] + config["domain"]["a_max_au"])
    cases = [
        (0.3, "sub-virial, $Q_0$ = 0.3"),
        (config["domain"]["q0_max"], f"super-virial, $Q_0$ = {config['domain']['q0_max']:g}"),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(5.6, 5.6))
    lim = 8 * a
    for row, (q0, label) in enumerate(cases):
        out = simulate_one(q0, a, settings, key=jax.random.key(seed + row), keep_state=True)
        st = {k: np.asarray(v) for k, v in out.state.items()}
        bound, _ = bound_mask(out.state["pos"], out.state["vel"], out.state["masses"], float(st["softening"]))
        bound = np.asarray(bound)
        for col, (pos, when) in enumerate(((st["pos0"], "t = 0"), (st["pos"], f"t = {settings.t_end_yr:g} yr"))):
            ax = axes[row, col]
            centre = pos[:, bound].mean(axis=1) if bound.any() else np.zeros(3)
            x, y = pos[0] - centre[0], pos[1] - centre[1]
            ax.scatter(x[bound], y[bound], s=5, color="#0072B2", label="bound at T")
            ax.scatter(x[~bound], y[~bound], s=5, color="#D55E00", marker="x", label="unbound at T")
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
            ax.set_title(f"{label}, {when}", fontsize=8)
            ax.set_xlabel("x [AU]")
            ax.set_ylabel("y [AU]")
    axes[0, 0].legend(fontsize=7, loc="lower left")
    return fig


def main(args):
    config = load_config(args.config)
    seed = config["design"]["seed"] + 9_000_000  # clear of the campaign's and validation's seeds
    use_style()
    run = Run(__file__, config, seeds={"snapshots": seed})
    dpi = config["figures"]["dpi"]
    run.save_figure(plot_pipeline(), args.fig_pipeline, dpi)
    run.save_figure(plot_clusters(config, seed), args.fig_clusters, dpi)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--fig-pipeline", required=True, help="output figure: the pipeline")
    parser.add_argument("--fig-clusters", required=True, help="output figure: cluster snapshots")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
