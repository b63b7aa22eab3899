"""The manuscript's numbers from the results of the simulation and emulator steps.

One function per section of `_variables.yml`; each takes the results (and the profile
sections the text quotes) and returns that section's values, formatted once, as strings.
The inference study's numbers and sentences are in [`clusteremu.paper.findings`][], the
costs' in [`clusteremu.paper.costs_text`][].
"""

from __future__ import annotations

import numpy as np

from ..datasets.table import OUTPUT_NAMES
from ..evaluation.trust import ACCURACY_TARGETS
from ..simulation.plummer import truncation_radius
from ..simulation.validation import crossing_time_yr
from ..units import KM_S_PER_AU_YR
from .text import MODEL_TEXT, OUT_FMT, listing, upper_first, word
from .variables import sci

#: "Below the realization noise": the 68th-percentile error under one realization sd.
REALIZATION_NOISE = 1.0

__all__ = [
    "campaign_vars",
    "design_vars",
    "emulator_vars",
    "learning_curve_vars",
    "selection_vars",
    "simulation_vars",
    "truth_vars",
    "validation_vars",
]


def design_vars(summary: dict) -> dict:
    dom, pts = summary["domain"], summary["points_per_split"]
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
    }


def simulation_vars(config) -> dict:
    sim, dom = config["simulation"], config["domain"]
    n, m = sim["n_stars"], sim["star_mass_msun"]
    cut = sim["plummer_mass_cut"]
    t_cr = {k: crossing_time_yr(dom[k], n * m) for k in ("a_min_au", "a_max_au")}
    return {
        "kms_per_auyr": f"{KM_S_PER_AU_YR:.4f}",
        "t_cross_amin_yr": f"{t_cr['a_min_au']:.0f}",
        "t_cross_amax_yr": f"{t_cr['a_max_au']:.0f}",
        "n_cross_amin": f"{sim['t_end_yr'] / t_cr['a_min_au']:.1f}",
        "n_cross_amax": f"{sim['t_end_yr'] / t_cr['a_max_au']:.1f}",
        "n_stars": n,
        "mass_function": {"equal": "equal masses", "kroupa2001": "a Kroupa (2001) IMF"}[sim["mass_function"]],
        "star_mass_msun": f"{m:g}",
        "cluster_mass_msun": f"{n * m:g}",
        "kroupa_min_msun": f"{sim['kroupa_min_msun']:g}",
        "kroupa_max_msun": f"{sim['kroupa_max_msun']:g}",
        "mass_cut_percent": f"{100 * cut:g}",
        "r_max_over_a": f"{truncation_radius(cut):.1f}",
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
    wide, dense = [r for r in rb if r["a_au"] == a_max], [r for r in rb if r["a_au"] != a_max]
    ss, ee, pr = val["self_similarity"], val["energy_errors"], val["precision"]
    return {
        "energy_convergence": energy_convergence_text(val["energy_convergence"], val["production_dt_yr"]),
        "kepler_slope": f"{val['two_body']['slope']:.2f}",
        "momentum_drift": sci(val["momentum_drift"]),
        "reversibility": sci(val["reversibility_error_over_a"]),
        "virial_ratio_error": sci(max(val["virial_ratio_error"], 1e-16)),
        "rh_over_a": f"{val['plummer']['half_mass_radius_over_a']:.3f}",
        "rh_expected": f"{val['plummer']['half_mass_radius_expected']:.3f}",
        "rebound_wide_rel": sci(max(worst(wide, n) for n in OUTPUT_NAMES)),
        "rebound_dense_rel": f"{100 * max(worst(dense, n) for n in OUTPUT_NAMES):.0f}",
        "self_similarity": sci(max(max(ss["relative_difference"]), 1e-16)),
        "self_similarity_a1": f"{ss['a_au'][0]:.0f}",
        "self_similarity_a2": f"{ss['a_au'][1]:.0f}",
        "self_similarity_crossings": f"{ss['crossings']:g}",
        "n_energy_compared": len(ee["ours"]),
        "energy_median_ours": sci(float(np.median(ee["ours"]))),
        "energy_median_rebound": sci(float(np.median(ee["rebound"]))),
        "energy_max_ours": sci(max(ee["ours"])),
        "energy_max_rebound": sci(max(ee["rebound"])),
        "precision_seeds": pr["n_seeds"],
        "precision_a_au": listing(sorted({f"{r['a_au']:g}" for r in pr["rows"]})),
        "precision_max_z": f"{max(max(r['mean_difference_over_se']) for r in pr['rows']):.1f}",
        "precision_same_f": _share_of_runs(np.mean([r["same_f_bound"] for r in pr["rows"]])),
    }


#: The error at the smallest step falls by less than this factor of the step's square (0.25
#: for second order) when it "levels off".
FLOOR_RATIO = 0.4


def energy_convergence_text(conv: dict, production_dt_yr: float) -> str:
    """What the cluster's energy errors against the timestep show, as a sentence: the local
    slopes; float32 against float64 forces at the production step `production_dt_yr` where
    they differ by more than a factor of two; and whether the smallest step levels off, and if
    so whether float64 forces remove the floor (then it is the forces' rounding)."""
    err, err64, dt = np.array(conv["error"]), np.array(conv["error_float64"]), np.array(conv["dt_yr"])
    slopes, slopes64 = (
        listing([f"{s:.1f}" for s in np.log(e[:-1] / e[1:]) / np.log(dt[:-1] / dt[1:])]) for e in (err, err64)
    )
    text = f"falls with local logarithmic slopes of {slopes} in $\\Delta t$ from the largest step to the smallest"
    if slopes64 != slopes:  # the runs' float32 forces, and what float64 forces give
        text += f" with the float32 forces the runs use, and of {slopes64} with float64 forces"
    if err[-1] / err[-2] <= FLOOR_RATIO:
        which = " with float32" if slopes64 != slopes else ""
        return (
            text
            + f" (a straight line through the errors at the three smallest steps has slope {conv['slope']:.2f}{which})"
        )
    p = int(np.argmin(np.abs(dt - production_dt_yr)))
    if p < len(dt) - 1 and err[p] > 2 * err64[p]:
        text += (
            f". At the production step ({dt[p]:g} yr) it is {sci(err[p])} with the float32 forces the runs use "
            f"against {sci(err64[p])} with float64 forces; at the smallest step"
        )
    else:
        text += ":"
    if err64[-1] < FLOOR_RATIO * err[-1]:
        return (
            text + f" it levels off at {sci(err[-1])}, with float64 forces at {sci(err64[-1])}, so the floor is "
            "the rounding of the float32 forces"
        )
    return (
        text + f" it levels off at {sci(err[-1])}, and with float64 forces at {sci(err64[-1])} as well, so that "
        "floor is not the forces' rounding; the largest error of a chaotic run comes from its closest encounters, "
        "and these change with the timestep"
    )


def _share_of_runs(share: float) -> str:
    """ "every run ends" or "97% of the runs end": a share of runs as the subject of a sentence."""
    return "every run ends" if share == 1 else f"{100 * share:.0f}% of the runs end"


def campaign_vars(c: dict) -> dict:
    n_flag = c["n_flag_energy"]
    out = {
        "n_simulations": c["n_simulations"],
        "flagged": "none was flagged" if n_flag == 0 else f"{word(n_flag)} {'was' if n_flag == 1 else 'were'} flagged",
        "n_few_bound": c["n_few_bound"],
        "n_usable": c["n_usable"],
        "q0_min_few_bound": f"{c['q0_min_few_bound']:.2f}" if c["q0_min_few_bound"] is not None else "none",
        "energy_median": sci(c["energy_error_median"]),
        "energy_p99": sci(c["energy_error_p99"]),
        "energy_max": sci(c["energy_error_max"]),
        "f_bound_low_q0": f"{c['f_bound_median_low_q0']:.2f}",
        "f_bound_high_q0": f"{c['f_bound_median_high_q0']:.2f}",
    }
    for name, nf in c["noise_floor"].items():
        rel = c["relative_noise_by_q0"][name]
        out[f"relnoise_{name}_low"] = f"{100 * rel['low_q0']:.0f}"
        out[f"relnoise_{name}_high"] = f"{100 * rel['high_q0']:.0f}"
        out[f"noise_{name}"] = OUT_FMT[name].format(nf["median_sigma_sim"])
        out[f"noise_{name}_ratio"] = f"{nf['median_sigma_sim'] / nf['design_spread']:.2f}"
    return out


def emulator_vars(config, training: dict, learned: dict, ev: dict) -> dict:
    em = config["emulator"]
    return {
        "n_members": em["n_members"],
        "width": em["hidden_width"],
        "layers": em["hidden_layers"],
        "n_train": training["n_train"],
        "n_validation": training["n_validation"],
        "epochs_run": training["epochs_run"],
        "beta": f"{config['learned']['beta']:g}",
        "learned_scale": listing([f"{s:.2f}" for s in learned["calibration_scale"]]),
        "mean_scale": listing([f"{s:.2f}" for s in training["calibration_scale"]]),
        "noise_share": listing([f"{s:.2f}" for s in ev["noise_share"]["ensemble"]]),
        "knn_k": ev["baseline_hyper"]["knn_k"],
        "rbf_smoothing": f"{ev['baseline_hyper']['rbf_smoothing']:.3g}",
    }


def truth_vars(config, truth: dict) -> dict:
    meets, below, above = [], [], []
    for model, text in MODEL_TEXT.items():
        r = truth["models"][model]
        if max(r["ratio68"]) <= ACCURACY_TARGETS[0] and max(r["ratio95"]) <= ACCURACY_TARGETS[1]:
            meets.append(text)
        (below if max(r["ratio68"]) < REALIZATION_NOISE else above).append(text)
    sentence = (
        f"The error of {listing(below) if below else 'no emulator'} stays below the realization noise at the "
        "truth points for every summary"
    )
    sentence += f", but not that of {listing(above)}." if above else "."
    if meets:
        sentence += (
            f" {upper_first(listing(meets))} even stay{'s' if len(meets) == 1 else ''} within "
            f"{ACCURACY_TARGETS[0]:g} and {ACCURACY_TARGETS[1]:g} of "
            "it at the two percentiles"
        )
        # A miss that the tables' two decimals hide, said so that they do not seem to contradict the text.
        near = [
            f"{MODEL_TEXT[m]}'s {pct}th percentile is {worst:.3f}"
            for m, text in MODEL_TEXT.items()
            if text not in meets
            for pct, key, target in ((68, "ratio68", ACCURACY_TARGETS[0]), (95, "ratio95", ACCURACY_TARGETS[1]))
            if (worst := max(truth["models"][m][key])) > target and round(worst, 2) <= target
        ]
        sentence += f" ({listing(near)}, a miss in the third decimal)." if near else "."
    unphysical = [
        f"{MODEL_TEXT[m]} reaches {v['min'][0]:.2f} to {v['max'][0]:.2f} in $f_\\mathrm{{bound}}$"
        for m, v in truth["physical_range"].items()
        if not v["physical"]
    ]
    return {
        "n_points": config["truth"]["n_points"],
        "n_realizations": config["truth"]["n_realizations"],
        "interior_percent": f"{100 * config['truth']['interior_fraction']:.0f}",
        "perfect68": f"{truth['perfect'][0]:.2f}",
        "perfect95": f"{truth['perfect'][1]:.2f}",
        "sentence": sentence,
        "unphysical": "; ".join(unphysical) if unphysical else "none of them leaves it either",
    }


def selection_vars(learned: dict) -> dict:
    top = learned["selection"]["quarters"][-1]
    return {"unusable_top": f"{100 * (1 - top['usable_fraction']):.0f}"}


def learning_curve_vars(lc: dict) -> dict:
    """The learning curve's sentence: the smallest and the full training set, each as the
    mean over its replicates, with the replicates' range for the sd of a's standardized error."""
    rows = lc["rows"]
    sizes = sorted({r["n_train_points"] for r in rows})

    def at(n, key, j=None):
        values = [r[key] if j is None else max(r[key]) for r in rows if r["n_train_points"] == n]
        return float(np.mean(values)), min(values), max(values)

    first, last = sizes[0], sizes[-1]
    reps = len([r for r in rows if r["n_train_points"] == last])
    z_first, z_last = at(first, "a_au_z_sd"), at(last, "a_au_z_sd")
    sentence = (
        f"With {first} training points the 68th-percentile truth-set error of one flow's worst summary (a mean over "
        f"replicates of each replicate's worst) is {at(first, 'truth_ratio68', 1)[0]:.2f} "
        f"realization standard deviations and the sd of the standardized error of $a$ is {z_first[0]:.2f} "
        f"({z_first[1]:.2f} to {z_first[2]:.2f} over {word(reps)} replicates); with all {last} they are "
        f"{at(last, 'truth_ratio68', 1)[0]:.2f} and {z_last[0]:.2f} ({z_last[1]:.2f} to {z_last[2]:.2f}), and the "
        f"{95}% coverage of $a$ is {at(last, 'a_au_coverage95')[0]:.2f}. "
        + _learning_answer(at(first, "truth_ratio68", 1), at(last, "truth_ratio68", 1), z_first, z_last, first)
    )
    return {"sentence": sentence, "replicates": reps}


def _learning_answer(t_first, t_last, z_first, z_last, first: int) -> str:
    """What the curve answers: whether the truth-set error and a's calibration change beyond
    the replicates' scatter (their ranges, (mean, min, max), do not overlap), and how large
    one flow's fitting noise is at the full size."""

    def apart(x, y):
        return x[2] < y[1] or y[2] < x[1]

    truth = (
        f"the truth-set error changes beyond the replicates' scatter ({t_first[0]:.2f} to {t_last[0]:.2f})"
        if apart(t_first, t_last)
        else f"beyond {first} training points the truth-set error stays within the replicates' scatter"
    )
    calibration = (
        f"the calibration of $a$ improves by more than the scatter (sd {z_first[0]:.2f} to {z_last[0]:.2f})"
        if apart(z_first, z_last) and z_last[0] < z_first[0]
        else "the calibration of $a$ changes by more than the scatter"
        if apart(z_first, z_last)
        else "the calibration of $a$ stays within it too"
    )
    return (
        f"So {truth}, and {calibration}; at the full size one flow's fitting noise spans "
        f"{z_last[2] - z_last[1]:.2f} in that sd."
    )
