"""Validate the N-body simulator against analytic results, conservation laws and REBOUND.

Reads:  the profile config (`--config`).
Writes: validation numbers (`--results`, JSON), a figure of energy conservation and
        convergence (`--fig-energy`), a figure of the initial conditions against the
        exact Plummer model (`--fig-ics`), each with its provenance record.
"""

import argparse
import sys

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from clusteremu.config import ConfigError, load_config
from clusteremu.energy import kinetic_energy, potential_energy, total_energy
from clusteremu.plotting import use_style
from clusteremu.plummer import plummer_positions, plummer_velocities
from clusteremu.provenance import Run
from clusteremu.simulate import SimulationSettings, simulate_one
from clusteremu.summaries import summarize
from clusteremu.units import G
from clusteremu.validation import (
    cluster_state,
    energy_history,
    momentum_drift,
    rebound_leapfrog,
    reversibility_error,
    two_body_errors,
)

SEED_OFFSET = 7_000_000  # validation seeds stay clear of the campaign's


def slope(x, y):
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def corners(config):
    d = config["domain"]
    return [(q, a) for q in (d["q0_min"], d["q0_max"]) for a in (d["a_min_au"], d["a_max_au"])]


def convergence(settings, config, seed):
    q0, a = config["domain"]["q0_min"], config["domain"]["a_min_au"]  # densest, coldest corner
    steps = [settings.n_steps // 4, settings.n_steps // 2, settings.n_steps, 2 * settings.n_steps]
    dts = np.array([settings.t_end_yr / n for n in steps])
    errs = np.array([energy_history(q0, a, settings, seed, n, 4)[1].max() for n in steps])
    kepler_dts = np.array([0.04, 0.02, 0.01, 0.005])
    kepler = np.array([two_body_errors(dt, n_orbits=2)[1].max() for dt in kepler_dts])
    return dts, errs, kepler_dts, kepler


def rebound_comparison(settings, config, seed):
    rows = []
    for k, (q0, a) in enumerate(corners(config)):
        masses, pos, vel, eps = cluster_state(q0, a, settings, seed + k)
        ours = simulate_one(q0, a, settings, key=jax.random.key(seed + k), keep_state=True)
        rpos, rvel = rebound_leapfrog(masses, pos, vel, eps, settings.dt_yr, settings.n_steps)
        theirs = summarize(jnp.asarray(rpos), jnp.asarray(rvel), masses, eps, settings.min_bound_stars)
        w0 = abs(float(potential_energy(pos, masses, eps)))
        e0 = float(total_energy(pos, vel, masses, eps))
        rows.append(
            {
                "q0": q0,
                "a_au": a,
                "energy_error_ours": float(ours.energy_error_final),
                "energy_error_rebound": abs(float(total_energy(rpos, rvel, masses, eps)) - e0) / w0,
                **{
                    f"{name}_{who}": float(getattr(s, name))
                    for name in ("f_bound", "sigma_v_kms", "r_h_au")
                    for who, s in (("ours", ours.summary), ("rebound", theirs))
                },
            }
        )
    return rows


def plot_energy(settings, config, conv, seed):
    dts, errs, kdts, kerr = conv
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.6, 2.9))
    dom = config["domain"]
    ax1.loglog(dts, errs, "o-", label=rf"cluster, $Q_0$={dom['q0_min']:.1f}, $a$={dom['a_min_au']:.0f} AU")
    ax1.loglog(dts, errs[-2] * (dts / dts[-2]) ** 2, "k:", label=r"$\propto \Delta t^2$")
    ax1.axvline(settings.dt_yr, color="0.6", lw=0.8)
    ax1.set_xlabel(r"timestep $\Delta t$ [yr]")
    ax1.set_ylabel(r"max $|E-E_0|/|W_0|$")
    ax1.loglog(kdts, kerr, "s--", label="two-body orbit: position error / $a_K$")
    ax1.legend(fontsize=6.5, loc="upper left")
    for k, (q0, a) in enumerate(corners(config)):
        t, err = energy_history(q0, a, settings, seed + k, settings.n_steps, settings.n_energy_checks)
        ax2.semilogy(t[1:], err[1:], label=rf"$Q_0$={q0:.1f}, $a$={a:.0f} AU")
    ax2.set_xlabel("time [yr]")
    ax2.set_ylabel(r"$|E(t)-E_0|/|W_0|$")
    ax2.legend(fontsize=6.5)
    return fig


def plummer_checks(settings, seed):
    n, a, mtot = 20_000, 100.0, 100.0
    k1, k2 = jax.random.split(jax.random.key(seed))
    pos = plummer_positions(n, a, key=k1, mass_cut=settings.plummer_mass_cut)
    vel = np.asarray(plummer_velocities(pos, a, mtot, key=k2))
    r = np.linalg.norm(np.asarray(pos), axis=0)
    return a, mtot, r, vel


def plot_ics(a, mtot, r, vel):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.6, 2.8))
    rs = np.sort(r)
    ax1.plot(rs / a, np.arange(1, r.size + 1) / r.size, label="sampled")
    grid = np.logspace(-2, 1.5, 200)
    ax1.plot(grid, grid**3 / (1 + grid**2) ** 1.5, "k:", label=r"$M(<r)/M$, Plummer")
    ax1.axvline(1.3048, color="0.6", lw=0.8, label=r"$r_h = 1.3048\,a$")
    ax1.set_xscale("log")
    ax1.set_xlabel(r"$r/a$")
    ax1.set_ylabel("enclosed mass fraction")
    ax1.legend(fontsize=7)
    edges = np.quantile(r, np.linspace(0, 0.97, 16))
    mid = 0.5 * (edges[1:] + edges[:-1])
    disp = [np.sqrt(np.mean(vel[:, (r >= lo) & (r < hi)] ** 2)) for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    ax2.plot(mid / a, np.array(disp), "o", ms=3, label="sampled")
    ax2.plot(grid, np.sqrt(G * mtot / (6 * a * np.sqrt(grid**2 + 1))), "k:", label="Plummer DF")
    ax2.set_xscale("log")
    ax2.set_xlabel(r"$r/a$")
    ax2.set_ylabel(r"$\sigma_{1D}(r)$ [AU/yr]")
    ax2.legend(fontsize=7)
    return fig


def main(args):
    config = load_config(args.config)
    settings = SimulationSettings.from_config(config)
    seed = config["design"]["seed"] + SEED_OFFSET
    use_style()
    conv = convergence(settings, config, seed)
    a, mtot, r, vel = plummer_checks(settings, seed)
    masses, pos, v0, eps = cluster_state(1.0, 100.0, settings, seed)
    cut = settings.plummer_mass_cut
    results = {
        "energy_convergence": {
            "dt_yr": conv[0].tolist(),
            "error": conv[1].tolist(),
            "slope": slope(conv[0][1:], conv[1][1:]),
        },  # fmt: skip
        "two_body": {
            "dt_yr": conv[2].tolist(),
            "position_error": conv[3].tolist(),
            "slope": slope(*conv[2:]),
        },
        "momentum_drift": momentum_drift(1.0, 100.0, settings, seed),
        "reversibility_error_over_a": reversibility_error(1.0, 100.0, settings, seed, settings.n_steps // 4),
        "virial_ratio_error": abs(float(kinetic_energy(v0, masses) / abs(potential_energy(pos, masses, eps))) - 1.0),
        "half_mass_radius_over_a": float(np.median(r) / a),
        "half_mass_radius_expected": float(1.0 / np.sqrt((0.5 * cut) ** (-2 / 3) - 1)),
        "rebound": rebound_comparison(settings, config, seed),
    }
    run = Run(__file__, config, seeds={"validation": seed})
    run.write_json(args.results, results)
    dpi = config["figures"]["dpi"]
    run.save_figure(plot_energy(settings, config, conv, seed), args.fig_energy, dpi)
    run.save_figure(plot_ics(a, mtot, r, vel), args.fig_ics, dpi)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--results", required=True, help="output validation numbers (JSON)")
    parser.add_argument("--fig-energy", required=True, help="output figure: energy conservation")
    parser.add_argument("--fig-ics", required=True, help="output figure: initial conditions")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
