"""Collect every number the manuscript quotes into `_variables.yml`.

Reads:  the profile config (`--config`, the sections whose settings the text quotes) and
        the results JSON files of the analysis steps (`--design-summary`, `--validation`,
        `--campaign`, `--training`, `--evaluation`, `--inference`).
Writes: `_variables.yml` (`--out`) for `{{< var ... >}}` shortcodes, with its record. The
        figures' caption tags (`prov.*`) are added by the render, so this step does not
        depend on any figure.

Numbers are formatted here, once; the manuscript never types a number by hand.
"""

import argparse
import json
import math
import sys
from pathlib import Path

from clusteremu.config import ConfigError, load_config
from clusteremu.provenance import Run, git_state
from clusteremu.units import G
from clusteremu.variables import sci, write_variables

CONFIG_SECTIONS = ("domain", "simulation", "campaign", "emulator", "inference")


def build_info(config) -> dict:
    git = git_state()
    return {
        "profile": config.profile,
        "commit": (git["commit"] or "no-git")[:12],
        "tree": {True: "uncommitted changes", False: "clean", None: "not a git checkout"}[git["dirty"]],
    }


def design_vars(summary: dict) -> dict:
    dom = summary["domain"]
    pts = summary["points_per_split"]
    return {
        "n_points": summary["n_points"],
        "n_realizations": summary["n_realizations"],
        "n_simulations": summary["n_simulations"],
        "n_train": pts["train"],
        "n_validation": pts["validation"],
        "n_test": pts["test"],
        "q0_min": f"{dom['q0_min']:.2f}",
        "q0_max": f"{dom['q0_max']:.2f}",
        "a_min_au": f"{dom['a_min_au']:.0f}",
        "a_max_au": f"{dom['a_max_au']:.0f}",
        "seed": summary["seed"],
    }


def crossing_time_yr(a_au: float, mass_msun: float) -> float:
    """Plummer crossing time GM^(5/2) / (2|E|)^(3/2) = 6.256 sqrt(a^3 / GM), in years."""
    return 6.256 * math.sqrt(a_au**3 / (G * mass_msun))


def simulation_vars(config) -> dict:
    sim, dom = config["simulation"], config["domain"]
    n, m = sim["n_stars"], sim["star_mass_msun"]
    cut = sim["plummer_mass_cut"]
    t_cr = {k: crossing_time_yr(dom[k], n * m) for k in ("a_min_au", "a_max_au")}
    return {
        "t_cross_amin_yr": f"{t_cr['a_min_au']:.0f}",
        "t_cross_amax_yr": f"{t_cr['a_max_au']:.0f}",
        "n_cross_amin": f"{sim['t_end_yr'] / t_cr['a_min_au']:.1f}",
        "n_cross_amax": f"{sim['t_end_yr'] / t_cr['a_max_au']:.1f}",
        "n_stars": n,
        "mass_function": {"equal": "equal masses", "kroupa2001": "a Kroupa (2001) IMF"}[sim["mass_function"]],
        "star_mass_msun": f"{m:g}",
        "cluster_mass_msun": f"{n * m:g}",
        "mass_cut_percent": f"{100 * cut:g}",
        "r_max_over_a": f"{1 / (cut ** (-2 / 3) - 1) ** 0.5:.1f}",
        "softening_over_a": f"{sim['softening_over_a']:g}",
        "t_end_yr": f"{sim['t_end_yr']:g}",
        "n_steps": sim["n_steps"],
        "dt_yr": f"{sim['t_end_yr'] / sim['n_steps']:.4g}",
        "n_energy_checks": sim["n_energy_checks"],
        "min_bound_stars": sim["min_bound_stars"],
        "energy_error_max": sci(config["campaign"]["energy_error_max"], 0),
    }


def validation_vars(val: dict) -> dict:
    rb = val["rebound"]

    def worst(rows, name):
        return max(abs(r[f"{name}_ours"] - r[f"{name}_rebound"]) / abs(r[f"{name}_rebound"]) for r in rows)

    a_max = max(r["a_au"] for r in rb)
    wide = [r for r in rb if r["a_au"] == a_max]
    dense = [r for r in rb if r["a_au"] != a_max]
    return {
        "energy_slope": f"{val['energy_convergence']['slope']:.2f}",
        "kepler_slope": f"{val['two_body']['slope']:.2f}",
        "momentum_drift": sci(val["momentum_drift"]),
        "reversibility": sci(val["reversibility_error_over_a"]),
        "virial_ratio_error": sci(max(val["virial_ratio_error"], 1e-16)),
        "rh_over_a": f"{val['plummer']['half_mass_radius_over_a']:.3f}",
        "rh_expected": f"{val['plummer']['half_mass_radius_expected']:.3f}",
        "rebound_wide_rel": sci(max(worst(wide, n) for n in ("f_bound", "sigma_v_kms", "r_h_au"))),
        "rebound_dense_rel": f"{100 * max(worst(dense, n) for n in ('f_bound', 'sigma_v_kms', 'r_h_au')):.0f}",
        "rebound_energy_max": sci(max(r["energy_error_rebound"] for r in rb)),
        "ours_energy_max": sci(max(r["energy_error_ours"] for r in rb)),
    }


def campaign_vars(c: dict) -> dict:
    out = {
        "n_simulations": c["n_simulations"],
        "n_flag_energy": c["n_flag_energy"],
        "n_few_bound": c["n_few_bound"],
        "n_usable": c["n_usable"],
        "energy_median": sci(c["energy_error_median"]),
        "energy_p99": sci(c["energy_error_p99"]),
        "energy_max": sci(c["energy_error_max"]),
        "percent_below_1e3": f"{100 * c['fraction_below_threshold']:.1f}",
        "f_bound_low_q0": f"{c['f_bound_median_low_q0']:.2f}",
        "f_bound_high_q0": f"{c['f_bound_median_high_q0']:.2f}",
    }
    fmt = {"f_bound": "{:.3f}", "sigma_v_kms": "{:.2f}", "r_h_au": "{:.0f}"}
    for name, nf in c["noise_floor"].items():
        out[f"noise_{name}"] = fmt[name].format(nf["median_sigma_sim"])
        out[f"noise_{name}_ratio"] = f"{nf['median_sigma_sim'] / nf['design_spread']:.2f}"
    return out


OUT_TEXT = {"f_bound": "the bound fraction", "sigma_v_kms": "the velocity dispersion", "r_h_au": "the half-mass radius"}
OUT_FMT = {"f_bound": "{:.3f}", "sigma_v_kms": "{:.2f}", "r_h_au": "{:.0f}"}


def emulator_vars(config, training: dict, ev: dict) -> dict:
    em = config["emulator"]
    names = list(OUT_FMT)
    acc, prob, nf = ev["accuracy"], ev["probabilistic"], ev["noise_floor"]
    raw, cal = prob["ensemble, uncalibrated"], prob["ensemble, calibrated"]
    simple = ("mean", "linear", "knn", "rbf")
    beats = [n for j, n in enumerate(names) if all(acc["ensemble"]["rmse"][j] < acc[m]["rmse"][j] for m in simple)]
    gp_better = [OUT_TEXT[n] for j, n in enumerate(names) if acc["gp"]["rmse"][j] < acc["ensemble"]["rmse"][j]]
    out = {
        "n_members": em["n_members"],
        "width": em["hidden_width"],
        "layers": em["hidden_layers"],
        "learning_rate": f"{em['learning_rate']:g}",
        "patience": em["patience_epochs"],
        "max_epochs": em["max_epochs"],
        "noise_neighbours": em["noise_neighbours"],
        "n_train": training["n_train"],
        "n_validation": training["n_validation"],
        "n_test": training["n_test"],
        "n_excluded_few_bound": training["n_excluded_few_bound"],
        "n_excluded_energy": training["n_excluded_energy"],
        "epochs_run": training["epochs_run"],
        "best_epoch_min": min(training["best_epoch"]),
        "best_epoch_max": max(training["best_epoch"]),
        "n_beats_simple": len(beats),
        "beats_simple_outputs": ", ".join(OUT_TEXT[n] for n in beats) or "none of the outputs",
        "gp_better": " and ".join(gp_better) if gp_better else "none of the outputs",
        "knn_k": ev["baseline_hyper"]["knn_k"],
        "rbf_smoothing": f"{ev['baseline_hyper']['rbf_smoothing']:.3g}",
        "n_test_points": nf["n_points"],
        "nf68_perfect": f"{nf['perfect'][0]:.2f}",
        "nf95_perfect": f"{nf['perfect'][1]:.2f}",
        "se68": f"{ev['binomial_se68']:.3f}",
        "se95": f"{ev['binomial_se95']:.3f}",
    }
    for j, n in enumerate(names):
        f = OUT_FMT[n]
        out |= {
            f"rmse_ens_{n}": f.format(acc["ensemble"]["rmse"][j]),
            f"rmse_gp_{n}": f.format(acc["gp"]["rmse"][j]),
            f"nf68_{n}": f"{nf['p68'][j]:.2f}",
            f"nf95_{n}": f"{nf['p95'][j]:.2f}",
            f"scale_{n}": f"{ev['calibration_scale'][j]:.2f}",
            f"cov68_raw_{n}": f"{raw['coverage68'][j]:.2f}",
            f"cov68_cal_{n}": f"{cal['coverage68'][j]:.2f}",
            f"cov95_raw_{n}": f"{raw['coverage95'][j]:.2f}",
            f"cov95_cal_{n}": f"{cal['coverage95'][j]:.2f}",
            f"z2_raw_{n}": f"{raw['z2_mean'][j]:.2f}",
            f"z2_cal_{n}": f"{cal['z2_mean'][j]:.2f}",
        }
    return out


def inference_vars(config, inf: dict, training: dict) -> dict:
    cfg = config["inference"]
    best = inf["recommended"]
    cov = inf["coverage_set"]
    nuts = inf["nuts"][best]
    params = ("q0", "a_au")
    healthy = [r for r in nuts if r["healthy"]]
    dmean = max(abs(r[p]["nuts_mean"] - r[p]["grid_mean"]) / r[p]["grid_sd"] for r in nuts for p in params)
    dsd = max(abs(r[p]["nuts_sd"] / r[p]["grid_sd"] - 1) for r in nuts for p in params)
    corr = training["residual_correlation"]
    out = {
        "n_coverage_total": inf["n_coverage_total"],
        "n_coverage_used": inf["n_coverage_used"],
        "n_excluded": inf["n_excluded"],
        "n_test_used": inf["n_test_used"],
        "grid_points": cfg["grid_points"],
        "chains": cfg["nuts_chains"],
        "warmup": cfg["nuts_warmup"],
        "samples": cfg["nuts_samples"],
        "n_nuts": len(nuts),
        "n_nuts_healthy": len(healthy),
        "n_divergent": sum(1 for r in nuts if r["divergences"] > 0),
        "max_rhat": f"{max(r[p]['r_hat'] for r in nuts for p in params):.4f}",
        "min_ess": f"{min(r[p]['ess_bulk'] for r in nuts for p in params):.0f}",
        "nuts_grid_dmean": f"{dmean:.2f}",
        "nuts_grid_dsd": f"{100 * dsd:.0f}",
        "corr_fb_sv": f"{corr[0][1]:.2f}",
        "corr_fb_rh": f"{corr[0][2]:.2f}",
        "corr_sv_rh": f"{corr[1][2]:.2f}",
        "se68": f"{(0.68 * 0.32 / inf['n_coverage_used']) ** 0.5:.3f}",
        "se95": f"{(0.95 * 0.05 / inf['n_coverage_used']) ** 0.5:.3f}",
    }
    for p in params:
        r = cov[best][p]
        out |= {
            f"cov68_{p}": f"{r['coverage68']:.2f}",
            f"cov95_{p}": f"{r['coverage95']:.2f}",
            f"sbc_p_{p}": f"{r['sbc_chi2_p']:.2f}",
            f"contraction_{p}": f"{r['contraction_median']:.1f}",
        }
    return out


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    names = ("design_summary", "validation", "campaign", "training", "learned", "flow", "evaluation", "truth",
             "inference")  # fmt: skip
    results = {name: json.loads(Path(getattr(args, name)).read_text()) for name in names}
    variables = {
        "build": build_info(config),
        "design": design_vars(results["design_summary"]),
        "sim": simulation_vars(config),
        "val": validation_vars(results["validation"]),
        "campaign": campaign_vars(results["campaign"]),
        "emu": emulator_vars(config, results["training"], results["evaluation"]),
        "inf": inference_vars(config, results["inference"], results["training"]),
    }
    inputs = [getattr(args, name) for name in names]
    run = Run(__file__, config, inputs=inputs)
    write_variables(run, Path(args.out), variables)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--design-summary", required=True, help="design summary JSON from 01_design.py")
    parser.add_argument("--validation", required=True, help="validation JSON from 02_validate_simulator.py")
    parser.add_argument("--campaign", required=True, help="campaign statistics JSON from 03_simulate.py")
    parser.add_argument("--training", required=True, help="training facts JSON from 04_train_emulator.py")
    parser.add_argument("--learned", required=True, help="training facts JSON from 11_fit_learned.py")
    parser.add_argument("--flow", required=True, help="training facts JSON from 12_fit_flow.py")
    parser.add_argument("--evaluation", required=True, help="metrics JSON from 06_evaluate_emulator.py")
    parser.add_argument("--truth", required=True, help="truth-set evaluation JSON from 14_truth_evaluation.py")
    parser.add_argument("--inference", required=True, help="inference numbers JSON from 08_inference.py")
    parser.add_argument("--out", required=True, help="output _variables.yml")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
