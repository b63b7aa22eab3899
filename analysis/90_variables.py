"""Collect every number the manuscript quotes into `_variables.yml`, and check its claims.

Reads:  the profile config (`--config`, the sections whose settings the text quotes) and the
        results of the analysis steps (`--design-summary`, `--validation`, `--campaign`,
        `--training`, `--learned`, `--flow`, `--evaluation`, `--truth`, `--inference`,
        `--reference`, `--learning-curve`, `--costs`).
Writes: `_variables.yml` (`--out`) for `{{< var ... >}}` shortcodes, with its record. The
        figures' caption tags (`prov.*`) are added by the render, so this step does not
        depend on any figure.

Numbers are formatted here, once; the manuscript never types a number by hand. Sentences
whose wording depends on the results are composed here from the results. Every other
qualitative statement of the manuscript is listed in `CLAIMS` with the test that makes it
true: if a test fails, the build stops and names the sentence.
"""

import argparse
import json
import platform
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from clusteremu.config import ConfigError, load_config
from clusteremu.datasets.table import OUTPUT_NAMES
from clusteremu.evaluation.trust import EMULATOR_OF, assess
from clusteremu.paper.labels import LIKELIHOOD_NAMES
from clusteremu.paper.variables import sci, write_variables
from clusteremu.prior import PARAMETERS
from clusteremu.repro.provenance import Run, git_state
from clusteremu.simulation.validation import crossing_time_yr
from clusteremu.units import KM_S_PER_AU_YR

CONFIG_SECTIONS = (
    "domain",
    "simulation",
    "campaign",
    "emulator",
    "learned",
    "truth",
    "inference",
    "reference",
    "manuscript",
)
RESULTS = (
    "design_summary",
    "validation",
    "campaign",
    "training",
    "learned",
    "flow",
    "evaluation",
    "truth",
    "inference",
    "reference",
    "learning_curve",
    "costs",
)
OUT_FMT = {"f_bound": "{:.3f}", "sigma_v_kms": "{:.2f}", "r_h_au": "{:.0f}"}
OUT_TEXT = {"f_bound": "the bound fraction", "sigma_v_kms": "the velocity dispersion", "r_h_au": "the half-mass radius"}
PARAM_TEXT = {"q0": "$Q_0$", "a_au": "$a$"}
MODEL_TEXT = {
    "mean": "the mean ensemble",
    "learned": "the learned-noise ensemble",
    "gp": "the Gaussian process",
    "flow": "the flow",
}
WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
CHECK_TEXT = {
    "accuracy": "the accuracy condition",
    "global": "the overall coverage",
    "quarters": "the coverage by quarter",
    "sbc": "the SBC test",
    "tarp": "the TARP test",
}


def word(n: int) -> str:
    return WORDS[n] if n < len(WORDS) else str(n)


def upper_first(text: str) -> str:
    """Capitalize the first letter only (str.capitalize would lower "Gaussian" and "$Q_0$")."""
    return text[:1].upper() + text[1:]


def two_digits(x: float) -> str:
    """Two significant digits without an exponent for ordinary sizes: 0.0046, 3.9, 87, 130."""
    return f"{float(f'{x:.2g}'):g}"


def listing(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


#: The packages whose versions the manuscript states (exact pins in requirements.lock).
SOFTWARE = (
    "jax",
    "equinox",
    "optax",
    "numpyro",
    "flowjax",
    "arviz",
    "numpy",
    "scipy",
    "scikit-learn",
    "rebound",
    "matplotlib",
    "typst",
)


def build_info(config) -> dict:
    git = git_state()
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in SOFTWARE)
    return {
        "python": platform.python_version(),
        "versions": versions,
        "profile": config.profile,
        "commit": (git["commit"] or "no-git")[:12],
        "tree": {True: "uncommitted changes", False: "clean", None: "not a git checkout"}[git["dirty"]],
    }


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
    wide, dense = [r for r in rb if r["a_au"] == a_max], [r for r in rb if r["a_au"] != a_max]
    ss, ee, pr = val["self_similarity"], val["energy_errors"], val["precision"]
    return {
        "energy_slope": f"{val['energy_convergence']['slope']:.2f}",
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
        "precision_max_z": f"{max(max(r['mean_difference_over_se']) for r in pr['rows']):.1f}",
        "precision_same_f": f"{100 * np.mean([r['same_f_bound'] for r in pr['rows']]):.0f}",
    }


def campaign_vars(c: dict) -> dict:
    out = {
        "n_simulations": c["n_simulations"],
        "n_flag_energy": c["n_flag_energy"],
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
        if max(r["ratio68"]) <= 0.3 and max(r["ratio95"]) <= 0.5:
            meets.append(text)
        (below if max(r["ratio68"]) < 1.0 else above).append(text)
    sentence = (
        f"The error of {listing(below) if below else 'no emulator'} stays below the realization noise at the "
        "truth points for every summary"
    )
    sentence += f", but not that of {listing(above)}." if above else "."
    if meets:
        sentence += (
            f" {upper_first(listing(meets))} even stay{'s' if len(meets) == 1 else ''} within 0.3 and 0.5 of "
            "it at the two percentiles."
        )
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


def continued_text(rows: list[dict], samples: int) -> str:
    """What the continuation rule did, as a clause: how many runs missed R-hat or ESS at the
    profile's draws and how often the most continued one was continued."""
    n = sum(1 for r in rows if r["extensions"] > 0)
    if not n:
        return f"no run missed $\\hat R$ or ESS at {samples} draws per chain"
    most = max(r["extensions"] for r in rows)
    times = {1: "once", 2: "twice"}.get(most, f"{word(most)} times")
    if n == 1:
        return f"one run had missed $\\hat R$ or ESS at {samples} draws per chain and was continued {times}"
    return (
        f"{word(n)} runs had missed $\\hat R$ or ESS at {samples} draws per chain and were continued, at most {times}"
    )


def nuts_summary(rows: list[dict]) -> dict:
    dmean = max(abs(r[p]["nuts_mean"] - r[p]["grid_mean"]) / r[p]["grid_sd"] for r in rows for p in PARAMETERS)
    dsd = max(abs(r[p]["nuts_sd"] / r[p]["grid_sd"] - 1) for r in rows for p in PARAMETERS)
    return {
        "n_nuts": len(rows),
        "n_nuts_healthy": sum(r["healthy"] for r in rows),
        "n_divergent": sum(1 for r in rows if r["divergences"] > 0),
        "max_rhat": f"{max(r[p]['r_hat'] for r in rows for p in PARAMETERS):.4f}",
        "min_ess": f"{min(min(r[p]['ess_bulk'], r[p]['ess_tail']) for r in rows for p in PARAMETERS):.0f}",
        "nuts_grid_dmean": f"{dmean:.2f}",
        "nuts_grid_dsd": f"{100 * dsd:.0f}",
        "dmean_value": dmean,
    }


def inference_vars(config, inf: dict, truth: dict) -> dict:
    cfg, best = config["inference"], inf["recommended"]
    n = inf["n_coverage_used"]
    nuts = nuts_summary(inf["nuts"][best])
    out = {
        "n_coverage_total": inf["n_coverage_total"],
        "n_coverage_used": n,
        "n_excluded": inf["n_excluded"],
        "grid_points": cfg["grid_points"],
        "chains": cfg["nuts_chains"],
        "warmup": cfg["nuts_warmup"],
        "samples": cfg["nuts_samples"],
        "extensions": cfg["nuts_extensions"],
        "rhat_max": "1.01",
        "ess_min": "400",
        "se68": f"{(0.68 * 0.32 / n) ** 0.5:.3f}",
        "se95": f"{(0.95 * 0.05 / n) ** 0.5:.3f}",
        "recommended_name": LIKELIHOOD_NAMES[best],
        **{k: v for k, v in nuts.items() if k != "dmean_value"},
        "continued": continued_text(inf["nuts"][best], cfg["nuts_samples"]),
    }
    for p in PARAMETERS:
        r = inf["coverage_set"][best][p]
        out |= {
            f"cov68_{p}": f"{r['coverage68']:.2f}",
            f"cov95_{p}": f"{r['coverage95']:.2f}",
            f"sbc_p_{p}": f"{r['sbc_chi2_p']:.2f}",
            f"contraction_{p}": f"{r['contraction_median']:.1f}",
        }
    sd = inf["measurement"]["sd"]
    out["measurement_sd"] = (
        f"{sd[0]:g} in $f_\\mathrm{{bound}}$, {sd[1]:g} km/s in $\\sigma_v$ and {sd[2]:g} AU in $r_h$"
    )
    measured = inf["measurement"]["likelihood"]
    who = (
        "its coverage is"
        if measured == best
        else f"the recommended likelihood among those that model them, the {LIKELIHOOD_NAMES[measured]} one (the flow "
        "has no measurement model), covers the truth in"
    )
    m = inf["measurement"]["report"]
    out["sentence_measurement"] = (
        f"With measurement errors of {out['measurement_sd']} added to the observations and to the likelihood, {who} "
        f"{m['q0']['coverage95']:.2f} of cases for $Q_0$ and {m['a_au']['coverage95']:.2f} for $a$ at {95}%."
    )
    out |= inference_sentences(inf, truth)
    return out


def inference_sentences(inf: dict, truth: dict) -> dict:
    checks = {name: inf["coverage_set"][name]["checks"] for name in inf["likelihoods"]}
    passing = [LIKELIHOOD_NAMES[n] for n, c in checks.items() if all(c.values())]
    ranking = (
        f"{upper_first(word(len(passing)))} of the {word(len(checks))} likelihoods pass every calibration check"
        + (f" ({listing(passing)})." if passing else ".")
    )
    top = {name: inf["coverage_set"][name]["q0"]["by_q0"][-1]["coverage95"] for name in inf["likelihoods"]}
    moves = []
    for base, text in (("learned", "the learned-noise likelihood"), ("flow", "the flow")):
        before, after = f"{top[base]:.2f}", f"{top[base + '+selection']:.2f}"
        moves.append(
            f"leaves it at {before} for {text}" if before == after else f"moves it from {before} to {after} for {text}"
        )
    selection = (
        f"Of the {95}% coverage of $Q_0$ in the highest quarter of its range, where clusters are lost, "
        f"conditioning on the cluster being usable {' and '.join(moves)}."
    )
    lg, fl = inf["coverage_set"]["learned+selection"], inf["coverage_set"]["flow+selection"]
    flow = (
        f"The flow, which assumes no Gaussian shape, covers $Q_0$ in {fl['q0']['coverage95']:.2f} and $a$ in "
        f"{fl['a_au']['coverage95']:.2f} of cases at {95}%, against {lg['q0']['coverage95']:.2f} and "
        f"{lg['a_au']['coverage95']:.2f} for the learned-noise Gaussian, both with the selection factor; where the "
        "two agree, what remains of the error is the emulated mean's, not the likelihood's shape."
    )
    return {"sentence_ranking": ranking, "sentence_selection": selection, "sentence_flow": flow}


def reference_vars(config, ref: dict) -> dict:
    parts = []
    ok = True
    for label, r in zip(("typical", "high-$Q_0$"), ref["observations"], strict=True):
        dm, ratio = r["dmean_over_sd"], r["sd_ratio"]
        ok &= max(dm) <= 0.3 and all(abs(x - 1) <= 0.2 for x in ratio)
        parts.append(
            f"for the {label} observation the emulator's means differ from the reference by {dm[0]:.2f} and "
            f"{dm[1]:.2f} posterior standard deviations for $Q_0$ and $a$, and its standard deviations are "
            f"{ratio[0]:.2f} and {ratio[1]:.2f} times the reference's"
        )
    verdict = (
        "Both are within the targets of 0.3 standard deviations and 20%."
        if ok
        else "Not both are within the targets of 0.3 standard deviations and 20%."
    )
    return {
        "grid_points": config["reference"]["grid_points"],
        "realizations": config["reference"]["realizations"],
        "span_sd": f"{config['reference']['span_sd']:g}",
        "n_simulations": ref["n_simulations"],
        "sentence": upper_first("; ".join(parts)) + ". " + verdict,
    }


def learning_curve_vars(lc: dict) -> dict:
    first, last = lc["rows"][0], lc["rows"][-1]
    sentence = (
        f"With {first['n_train_points']} training points the worst summary's truth-set error is "
        f"{max(first['truth_ratio68']):.2f} realization standard deviations and the {95}% coverage of $Q_0$ "
        f"and $a$ {first['q0_coverage95']:.2f} and {first['a_au_coverage95']:.2f}; with all "
        f"{last['n_train_points']} it is {max(last['truth_ratio68']):.2f}, with coverage "
        f"{last['q0_coverage95']:.2f} and {last['a_au_coverage95']:.2f} and median contractions of "
        f"{last['q0_contraction_median']:.1f} and {last['a_au_contraction_median']:.1f}."
    )
    return {"sentence": sentence}


def cost_vars(costs: dict, campaign: dict, reference: dict, config) -> dict:
    m = costs["machine"]
    inf = config["inference"]
    sim = costs["simulation_seconds_batched"]
    # A lower bound: one simulation per NUTS iteration, not per leapfrog step, and one
    # realization where a synthetic likelihood needs many.
    evals = inf["nuts_chains"] * (inf["nuts_warmup"] + inf["nuts_samples"])
    per_reference = reference["n_simulations"] / len(reference["observations"])
    by_likelihood = costs["posterior_seconds_by_likelihood"].items()
    article = "an" if m["cpu"][:1].upper() in "AEIOU" else "a"
    return {
        "machine": (
            f"{m['cores']} cores of {article} {m['cpu']} (JAX on {m['jax_backend'].upper()}, "
            f"{m['jax_devices']} devices)"
        ),
        "simulation": two_digits(sim),
        "simulation_alone": two_digits(costs["simulation_seconds_alone"]),
        "campaign_minutes": f"{campaign['n_simulations'] * sim / 60:.1f}",
        "prediction_us": f"{1e6 * costs['prediction_seconds_one']:.0f}",
        "prediction_batched_us": two_digits(1e6 * costs["prediction_seconds_batched"]),
        "grid": two_digits(costs["posterior_seconds_grid"]),
        "nuts": two_digits(costs["posterior_seconds_nuts"]),
        "nuts_by_simulation_minutes": f"{evals * sim / 60:.0f}",
        "by_likelihood": listing(
            [f"{LIKELIHOOD_NAMES[n]} {two_digits(t['nuts'])} s" for n, t in by_likelihood if t["nuts"] is not None]
        ),
        "grid_by_likelihood": listing(
            [f"{LIKELIHOOD_NAMES[n]} {two_digits(1e3 * t['grid'])} ms" for n, t in by_likelihood]
        ),
        "reference_simulations": f"{per_reference:.0f}",
        "reference_minutes": f"{per_reference * sim / 60:.1f}",
    }


def scale_radius_sentence(inf: dict) -> str:
    """Whether every likelihood leaves a weakly constrained (median contraction below two)."""
    worst = max(c["a_au"]["contraction_median"] for c in inf["coverage_set"].values())
    if worst < 2.0:
        return (
            f"The scale radius stays weakly constrained whatever the likelihood (median contraction at most "
            f"{worst:.1f}), as self-similarity implies: the observed summaries of a cluster of this size carry "
            "little information on it."
        )
    return (
        f"The scale radius is constrained too, with a median contraction of up to {worst:.1f}, through the "
        "dynamical age that self-similarity leaves as its only trace in the summaries."
    )


def verdict_vars(inf: dict, truth: dict, costs: dict) -> dict:
    best = inf["recommended"]
    a = assess(best, truth, inf)
    name = LIKELIHOOD_NAMES[best]
    model = MODEL_TEXT[EMULATOR_OF[best]]
    per = {}
    for p in PARAMETERS:
        if a[p]["trusted"]:
            per[p] = f"meets every condition for {PARAM_TEXT[p]}"
        else:
            per[p] = f"misses {listing([CHECK_TEXT[c] for c in a[p]['failed']])} for {PARAM_TEXT[p]}"
    both = a["q0"]["trusted"] and a["a_au"]["trusted"]
    outcome = "meets every condition for both parameters" if both else f"{per['q0']} and {per['a_au']}"
    answer = (
        "Yes, for both parameters"
        if both
        else "Yes for $Q_0$; for $a$, not yet"
        if a["q0"]["trusted"]
        else "Yes for $a$; for $Q_0$, not yet"
        if a["a_au"]["trusted"]
        else "Not yet"
    )
    c = inf["coverage_set"][best]
    abstract = (
        f"The recommended likelihood, built on {model} ({name}), {outcome}: its "
        f"{95}% credible intervals cover the truth in {c['q0']['coverage95']:.2f} (for $Q_0$) and "
        f"{c['a_au']['coverage95']:.2f} (for $a$) of the held-out cases, with median contractions of "
        f"{c['q0']['contraction_median']:.1f} and {c['a_au']['contraction_median']:.1f}."
    )
    conclusions = (
        f"**{answer}.** Against the criterion of @sec-intro, the recommended likelihood ({name}, on {model}) "
        f"{outcome}. Its emulator errs at the truth points by at most "
        f"{a['accuracy_ratio68']:.2f} realization standard deviations (68th percentile, worst summary), and its "
        f"{95}% credible intervals cover the truth in {c['q0']['coverage95']:.2f} and {c['a_au']['coverage95']:.2f} of "
        f"the {inf['n_coverage_used']} held-out simulations for $Q_0$ and $a$. Where the criterion holds the emulator "
        f"can replace the simulator inside the inference: its posteriors are honest and cost {costs['grid']} s on the "
        f"grid or {costs['nuts']} s with NUTS, against {costs['reference_minutes']} minutes of simulation for one "
        "synthetic-likelihood reference posterior on a local grid (@sec-costs). Where it does not, the table of "
        "@sec-coverage says which condition fails and by how much. " + scale_radius_sentence(inf)
    )
    return {
        "abstract": abstract,
        "conclusions": conclusions,
        "trusted_q0": a["q0"]["trusted"],
        "trusted_a": a["a_au"]["trusted"],
    }


def recommended(results: dict) -> dict:
    """The coverage study of the recommended likelihood."""
    return results["inference"]["coverage_set"][results["inference"]["recommended"]]


#: Qualitative statements of the manuscript, each with the test that makes it true. Each
#: text appears verbatim in paper/index.qmd (tests/test_manuscript.py checks it).
CLAIMS = [
    (
        "The bound fraction falls as $Q_0$ grows",
        lambda r: r["campaign"]["f_bound_median_low_q0"] > r["campaign"]["f_bound_median_high_q0"],
    ),
    (
        "Relative to each summary's value it grows with $Q_0$",
        lambda r: all(v["high_q0"] > v["low_q0"] for v in r["campaign"]["relative_noise_by_q0"].values()),
    ),
    (
        "much less so for $a$",
        lambda r: recommended(r)["q0"]["contraction_median"] > 2 * recommended(r)["a_au"]["contraction_median"],
    ),
    (
        "what remains wrong in the posteriors below is the likelihood's, not the sampler's",
        lambda r: nuts_summary(r["inference"]["nuts"][r["inference"]["recommended"]])["dmean_value"] < 0.2,
    ),
    (
        "For every method but the training mean and the linear regression most of the error is the simulator's own "
        "scatter",
        lambda r: all(
            share > 0.5
            for m, shares in r["evaluation"]["noise_share"].items()
            if m not in ("mean", "linear")
            for share in shares
        ),
    ),
    (
        "Every prediction of the learned-noise ensemble and of the\nflow, "
        "on a dense grid over the domain and beyond it, "
        "lies in the physical range",
        lambda r: (
            r["truth"]["physical_range"]["learned"]["physical"] and r["truth"]["physical_range"]["flow"]["physical"]
        ),
    ),
    (
        "those of the\nmean ensemble and of the Gaussian process, which emulate the summaries themselves, do not",
        lambda r: not any(r["truth"]["physical_range"][m]["physical"] for m in ("mean", "gp")),
    ),
    (
        "changes nothing beyond the realization noise",
        lambda r: max(max(row["mean_difference_over_se"]) for row in r["validation"]["precision"]["rows"]) < 3.0,
    ),
]


class ClaimError(RuntimeError):
    pass


def check_claims(results: dict, mode: str) -> dict:
    """Test every claim: under `mode="fail"` a false one stops the build; under `"flag"` the
    returned variables say which are false, for the first page and the reproducibility section."""
    false = [text.replace("\n", " ") for text, test in CLAIMS if not test(results)]
    if false and mode == "fail":
        raise ClaimError("claims of the manuscript no longer true:\n  " + "\n  ".join(f'"{t}"' for t in false))
    if not false:
        return {"status": f"all {word(len(CLAIMS))} claims hold", "list": f"All {word(len(CLAIMS))} claims hold."}
    quoted = "; ".join(f"\u201c{t}\u201d" for t in false)
    return {
        "status": f"{word(len(false))} of {word(len(CLAIMS))} claims false",
        "list": f"{upper_first(word(len(false)))} of the {word(len(CLAIMS))} claims do not hold for these results "
        f"(this profile flags them instead of stopping the build): {quoted}.",
    }


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    results = {name: json.loads(Path(getattr(args, name)).read_text()) for name in RESULTS}
    claims = check_claims(results, config["manuscript"]["claims"])
    costs = cost_vars(results["costs"], results["campaign"], results["reference"], config)
    variables = {
        "build": {**build_info(config), "claims": claims},
        "lv": {"i68": 68, "i90": 90, "i95": 95, "alpha": 5, "p99": 99},
        "design": design_vars(results["design_summary"]),
        "sim": simulation_vars(config),
        "val": validation_vars(results["validation"]),
        "campaign": campaign_vars(results["campaign"]),
        "emu": emulator_vars(config, results["training"], results["learned"], results["evaluation"]),
        "truth": truth_vars(config, results["truth"]),
        "sel": selection_vars(results["learned"]),
        "inf": inference_vars(config, results["inference"], results["truth"]),
        "ref": reference_vars(config, results["reference"]),
        "lc": learning_curve_vars(results["learning_curve"]),
        "costs": costs,
        "verdict": verdict_vars(results["inference"], results["truth"], costs),
    }
    run = Run(__file__, config, inputs=[getattr(args, name) for name in RESULTS])
    write_variables(run, Path(args.out), variables)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    for name in RESULTS:
        parser.add_argument(f"--{name.replace('_', '-')}", required=True, help=f"{name.replace('_', ' ')} (JSON)")
    parser.add_argument("--out", required=True, help="output _variables.yml")
    try:
        main(parser.parse_args())
    except (ConfigError, ClaimError) as exc:
        sys.exit(f"error: {exc}")
