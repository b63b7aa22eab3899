"""Run the simulation campaign: every (design point, realization) of the design.

Reads:  the profile config (`--config`) and the design table (`--design`).
Writes: the dataset (`--dataset`, CSV: inputs, seeds, summaries, energy errors, flags),
        campaign statistics (`--summary`, JSON), and figures of the summaries against
        Q0 and a (`--fig-summaries`), of the realization scatter, i.e. the simulator's
        noise floor (`--fig-noise`), and of the energy errors (`--fig-energy`).
        Finished batches are checkpointed in `--checkpoints`, so an interrupted run
        resumes; the folder is removed once the dataset is written.
"""

import argparse
import shutil
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from clusteremu.campaign import OUTPUTS, dataset_to_csv, run_campaign, usable
from clusteremu.config import ConfigError, load_config
from clusteremu.design import read_design
from clusteremu.plotting import use_style
from clusteremu.provenance import Run
from clusteremu.simulate import SimulationSettings

LABELS = {"f_bound": r"$f_\mathrm{bound}$", "sigma_v_kms": r"$\sigma_v$ [km/s]", "r_h_au": r"$r_h$ [AU]"}


def realization_scatter(cols, name):
    """Per design point: mean Q0, a, and the std (ddof=1) of `name` over usable realizations."""
    ok = usable(cols)
    pts = np.unique(cols["point"])
    q0, a, sd = [], [], []
    for p in pts:
        sel = ok & (cols["point"] == p)
        if sel.sum() >= 2:
            q0.append(cols["q0"][sel][0])
            a.append(cols["a_au"][sel][0])
            sd.append(np.std(cols[name][sel], ddof=1))
    return np.array(q0), np.array(a), np.array(sd)


def statistics(cols, threshold):
    err = cols["energy_error"]
    stats = {
        "n_simulations": int(err.size),
        "n_flag_energy": int(cols["flag_energy"].sum()),
        "n_few_bound": int(cols["few_bound"].sum()),
        "n_usable": int(usable(cols).sum()),
        "energy_error_threshold": threshold,
        "energy_error_median": float(np.median(err)),
        "energy_error_p99": float(np.quantile(err, 0.99)),
        "energy_error_max": float(err.max()),
        "fraction_below_1e-3": float(np.mean(err <= 1e-3)),
        "noise_floor": {},
    }
    # Median bound fraction in the lowest and highest tenth of the Q0 range.
    q0, lo, hi = cols["q0"], cols["q0"].min(), cols["q0"].max()
    edge = 0.1 * (hi - lo)
    stats["f_bound_median_low_q0"] = float(np.median(cols["f_bound"][q0 <= lo + edge]))
    stats["f_bound_median_high_q0"] = float(np.median(cols["f_bound"][q0 >= hi - edge]))
    for name, _ in OUTPUTS:
        _, _, sd = realization_scatter(cols, name)
        values = cols[name][usable(cols)]
        stats["noise_floor"][name] = {
            "median_sigma_sim": float(np.median(sd)),
            "p90_sigma_sim": float(np.quantile(sd, 0.9)),
            "design_spread": float(np.std(values, ddof=1)),
            "n_points": int(sd.size),
        }
    return stats


def plot_summaries(cols):
    ok = usable(cols)
    fig, axes = plt.subplots(3, 2, figsize=(6.4, 6.6), sharex="col")
    for row, (name, _) in enumerate(OUTPUTS):
        for col, (x, c, xl, cl) in enumerate(
            [("q0", "a_au", r"$Q_0$", r"$a$ [AU]"), ("a_au", "q0", r"$a$ [AU]", r"$Q_0$")]
        ):
            ax = axes[row, col]
            sc = ax.scatter(cols[x][ok], cols[name][ok], c=cols[c][ok], s=5, cmap="viridis")
            ax.set_ylabel(LABELS[name])
            if row == 2:
                ax.set_xlabel(xl)
            if row == 0:
                fig.colorbar(sc, ax=axes[:, col], label=cl, location="top", shrink=0.8)
    return fig


def plot_noise(cols):
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.5))
    for ax, (name, _) in zip(axes, OUTPUTS, strict=True):
        q0, a, sd = realization_scatter(cols, name)
        sc = ax.scatter(q0, sd, c=a, s=6, cmap="viridis")
        ax.set_xlabel(r"$Q_0$")
        ax.set_title(r"$\sigma_\mathrm{sim}$ of " + LABELS[name])
    fig.colorbar(sc, ax=axes, label=r"$a$ [AU]")
    return fig


def plot_energy(cols, threshold):
    err = np.maximum(cols["energy_error"], 1e-16)
    fig, ax = plt.subplots(figsize=(4.6, 2.8))
    bins = np.logspace(np.log10(err.min()) - 0.1, max(np.log10(err.max()), np.log10(threshold)) + 0.1, 40)
    ax.hist(err, bins=bins, color="#0072B2")
    ax.axvline(threshold, color="#D55E00", ls="--", label=f"flag threshold {threshold:g}")
    ax.axvline(np.median(err), color="k", ls=":", label="median")
    ax.set_xscale("log")
    ax.set_xlabel(r"max$_t$ $|E(t)-E_0|\,/\,|W_0|$")
    ax.set_ylabel("simulations")
    ax.legend()
    return fig


def main(args):
    config = load_config(args.config)
    design = read_design(Path(args.design).read_text())
    settings = SimulationSettings.from_config(config)
    threshold = config["campaign"]["energy_error_max"]
    use_style()
    with tqdm(total=design.seed.size, desc="simulations", mininterval=5.0, file=sys.stderr) as bar:
        cols = run_campaign(
            design,
            settings,
            batch_size=config["campaign"]["batch_size"],
            energy_error_max=threshold,
            checkpoints=Path(args.checkpoints),
            progress=bar.update,
        )
    run = Run(__file__, config, inputs=[args.design], seeds={"design": config["design"]["seed"]})
    run.write_text(args.dataset, dataset_to_csv(cols), extra={"settings": settings.as_dict()})
    run.write_json(args.summary, statistics(cols, threshold))
    dpi = config["figures"]["dpi"]
    run.save_figure(plot_summaries(cols), args.fig_summaries, dpi)
    run.save_figure(plot_noise(cols), args.fig_noise, dpi)
    run.save_figure(plot_energy(cols, threshold), args.fig_energy, dpi)
    shutil.rmtree(args.checkpoints, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--design", required=True, help="design table from 01_design.py")
    parser.add_argument("--checkpoints", required=True, help="folder for finished batches (resume)")
    parser.add_argument("--dataset", required=True, help="output dataset (CSV)")
    parser.add_argument("--summary", required=True, help="output campaign statistics (JSON)")
    parser.add_argument("--fig-summaries", required=True, help="output figure: summaries vs parameters")
    parser.add_argument("--fig-noise", required=True, help="output figure: realization scatter")
    parser.add_argument("--fig-energy", required=True, help="output figure: energy errors")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
