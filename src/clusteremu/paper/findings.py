"""The manuscript's numbers and sentences about the inference study and its verdict.

From the typed likelihood comparison ([`LikelihoodComparison`][clusteremu.evaluation.reports.LikelihoodComparison]),
the truth-set evaluation, the simulator-based reference and the measured costs: the
coverage numbers of the recommended likelihood, the sentences whose wording depends on
the results (the ranking, the selection factor, the flow against the learned noise, the
measurement-error study), and the verdict of the criterion
([`clusteremu.evaluation.trust.assess`][]) as the abstract and the conclusions state it.
Every threshold a sentence states comes from the module that defines it.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.confirmation import ConfirmationStudy
from ..evaluation.reference_bank import ReferenceBank
from ..evaluation.reports import LikelihoodComparison, NutsCheck
from ..evaluation.trust import EFFICIENCY_REFERENCE, EMULATOR_OF, assess
from ..inference.health import ESS_MIN, RHAT_MAX
from ..inference.registry import LIKELIHOOD_NAMES
from ..prior import PARAMETERS
from .reference_table import REFERENCE_TEXT
from .text import CHECK_TEXT, MODEL_TEXT, PARAM_TEXT, counted, listing, upper_first, word

__all__ = [
    "WEAK_CONTRACTION",
    "confirmation_vars",
    "continued_text",
    "inference_sentences",
    "inference_vars",
    "nuts_summary",
    "scale_radius_sentence",
    "verdict_vars",
]

#: A median contraction below this leaves a parameter "weakly constrained" in the text.
WEAK_CONTRACTION = 2.0


def continued_text(rows: list[NutsCheck], samples: int) -> str:
    """What the continuation rule did, as a clause: how many runs missed R-hat or ESS at the
    profile's draws and how often the most continued one was continued."""
    n = sum(1 for r in rows if r.extensions > 0)
    if not n:
        return f"no run missed $\\hat R$ or ESS at {samples} draws per chain"
    most = max(r.extensions for r in rows)
    times = {1: "once", 2: "twice"}.get(most, f"{word(most)} times")
    if n == 1:
        return f"one run had missed $\\hat R$ or ESS at {samples} draws per chain and was continued {times}"
    return (
        f"{word(n)} runs had missed $\\hat R$ or ESS at {samples} draws per chain and were continued, at most {times}"
    )


def nuts_summary(rows: list[NutsCheck]) -> dict:
    dmean = max(abs(d.nuts_mean - d.grid_mean) / d.grid_sd for r in rows for d in (r.q0, r.a_au))
    worst_p, worst = max(
        ((p, r.parameter(p)) for r in rows for p in PARAMETERS), key=lambda x: abs(x[1].nuts_sd / x[1].grid_sd - 1)
    )
    dsd = abs(worst.nuts_sd / worst.grid_sd - 1)
    # An sd estimated from draws of effective size n has a relative standard error of about
    # 1 / sqrt(2 n) (a Gaussian's); the largest difference is judged against it.
    mc = 1 / np.sqrt(2 * worst.ess_bulk)
    where = (
        f"The largest difference, for {PARAM_TEXT[worst_p]}, is {dsd / mc:.1f} times the Monte Carlo error of an "
        f"sd estimated from that run's bulk effective sample size of {worst.ess_bulk:.0f} "
        f"({100 * mc:.1f}%)"
        + (": more than sampling noise alone explains." if dsd > 2 * mc else ", within sampling noise.")
    )
    return {
        "n_nuts": len(rows),
        "n_nuts_healthy": sum(r.healthy for r in rows),
        "nuts_healthy_phrase": (
            f"All {len(rows)} runs pass"
            if all(r.healthy for r in rows)
            else f"Of the {len(rows)} runs, {sum(r.healthy for r in rows)} pass"
        ),
        "divergent_runs": counted(sum(1 for r in rows if r.divergences > 0), "run"),
        "max_rhat": f"{max(d.r_hat for r in rows for d in (r.q0, r.a_au)):.4f}",
        "min_ess": f"{min(min(d.ess_bulk, d.ess_tail) for r in rows for d in (r.q0, r.a_au)):.0f}",
        "nuts_grid_dmean": f"{dmean:.2f}",
        "nuts_grid_dsd": f"{100 * dsd:.0f}",
        "nuts_grid_dsd_where": where,
        "dmean_value": dmean,
    }


def inference_vars(config, inf: LikelihoodComparison, truth: dict) -> dict:
    cfg, best = config["inference"], inf.recommended
    n = inf.n_coverage_used
    nuts = nuts_summary(inf.nuts[best])
    out = {
        "n_coverage_total": inf.n_coverage_total,
        "n_coverage_used": n,
        "n_excluded": inf.n_excluded,
        "grid_points": cfg["grid_points"],
        "chains": cfg["nuts_chains"],
        "warmup": cfg["nuts_warmup"],
        "samples": cfg["nuts_samples"],
        "extensions": cfg["nuts_extensions"],
        "rhat_max": f"{RHAT_MAX:g}",
        "ess_min": f"{ESS_MIN:g}",
        "se68": f"{(0.68 * 0.32 / n) ** 0.5:.3f}",
        "se95": f"{(0.95 * 0.05 / n) ** 0.5:.3f}",
        "recommended_name": LIKELIHOOD_NAMES[best],
        **{k: v for k, v in nuts.items() if k != "dmean_value"},
        "continued": continued_text(inf.nuts[best], cfg["nuts_samples"]),
    }
    for p in PARAMETERS:
        r = inf.coverage_set[best].parameter(p)
        out |= {
            f"cov68_{p}": f"{r.coverage68:.2f}",
            f"cov95_{p}": f"{r.coverage95:.2f}",
            f"sbc_p_{p}": f"{r.sbc_chi2_p:.2f}",
            f"contraction_{p}": f"{r.contraction_median:.1f}",
        }
    sd = inf.measurement.sd
    out["measurement_sd"] = (
        f"{sd[0]:g} in $f_\\mathrm{{bound}}$, {sd[1]:g} km/s in $\\sigma_v$ and {sd[2]:g} AU in $r_h$"
    )
    measured = inf.measurement.likelihood
    who = (
        "its coverage is"
        if measured == best
        else f"the recommended likelihood among those that model them, the {LIKELIHOOD_NAMES[measured]} one (the flow "
        "has no measurement model), covers the truth in"
    )
    m = inf.measurement.report
    out["sentence_measurement"] = (
        f"With measurement errors of {out['measurement_sd']} added to the observations and to the likelihood, {who} "
        f"{m.q0.coverage95:.2f} of cases for $Q_0$ and {m.a_au.coverage95:.2f} for $a$ at {95}%."
    )
    out |= inference_sentences(inf, truth)
    return out


def inference_sentences(inf: LikelihoodComparison, truth: dict) -> dict:
    checks = {name: inf.coverage_set[name].checks for name in inf.likelihoods}
    passing = [LIKELIHOOD_NAMES[n] for n, c in checks.items() if all(c.values())]
    ranking = (
        f"{upper_first(word(len(passing)))} of the {word(len(checks))} likelihoods pass every calibration check"
        + (f" ({listing(passing)})." if passing else ".")
    )
    top = {name: inf.coverage_set[name].q0.by_q0[-1].coverage95 for name in inf.likelihoods}
    moves = []
    for k, (base, text) in enumerate((("learned", "the learned-noise likelihood"), ("flow", "the flow"))):
        before, after = f"{top[base]:.2f}", f"{top[base + '+selection']:.2f}"
        noun = f"the {95}% coverage of $Q_0$" if k == 0 else "it"
        moves.append(
            f"leaves {noun} at {before} for {text}"
            if before == after
            else f"moves {noun} from {before} to {after} for {text}"
        )
    selection = (
        "The selection factor, the probability that the cluster is usable, matters where clusters are lost, in the "
        f"highest quarter of the $Q_0$ range (@fig-coverage-quarters): there it {listing(moves)}."
    )
    lg, fl = inf.coverage_set["learned+selection"], inf.coverage_set["flow+selection"]
    flow = (
        f"The flow, which assumes no Gaussian shape, covers $Q_0$ in {fl.q0.coverage95:.2f} and $a$ in "
        f"{fl.a_au.coverage95:.2f} of cases at {95}%, against {lg.q0.coverage95:.2f} and "
        f"{lg.a_au.coverage95:.2f} for the learned-noise Gaussian, both with the selection factor; where the "
        "two agree, what remains of the error is the emulated mean's, not the likelihood's shape."
    )
    inside = [n for n, c in checks.items() if c["tarp"]]
    failing = [n for n in inside if not all(v for k, v in checks[n].items() if k != "tarp")]
    tarp = (
        f"On the selection set the curves of {_all_of(len(inside), len(checks))} likelihoods stay inside the band "
        "(@tbl-likelihoods)"
        + (
            f", including {word(len(failing))} whose coverage or SBC checks fail there: TARP does not "
            "separate them here, which is why it is shown but not counted."
            if failing
            else "."
        )
    )
    return {"sentence_ranking": ranking, "sentence_selection": selection, "sentence_flow": flow, "sentence_tarp": tarp}


def _all_of(k: int, n: int) -> str:
    """ "all eight" or "five of the eight"."""
    return f"all {word(n)}" if k == n else f"{word(k)} of the {word(n)}"


def scale_radius_sentence(inf: LikelihoodComparison) -> str:
    """Whether every likelihood leaves a weakly constrained (median contraction below two)."""
    worst = max(c.a_au.contraction_median for c in inf.coverage_set.values())
    if worst < WEAK_CONTRACTION:
        return (
            f"The scale radius stays weakly constrained whatever the likelihood (median contraction at most "
            f"{worst:.1f}), as self-similarity implies: the observed summaries of a cluster of this size carry "
            "little information on it."
        )
    return (
        f"The scale radius is constrained too, with a median contraction of up to {worst:.1f}, through the "
        "dynamical age that self-similarity leaves as its only trace in the summaries."
    )


def _ci(c) -> str:
    """A coverage with its Wilson 95% interval, e.g. "0.91 [0.73, 0.98]"."""
    return f"{c.coverage:.2f} [{c.lo:.2f}, {c.hi:.2f}]"


def verdict_vars(
    inf: LikelihoodComparison, truth: dict, costs: dict, conf: ConfirmationStudy, bank: ReferenceBank
) -> dict:
    """The answer to the paper's question: the criterion for the likelihood chosen on the
    selection set, judged on the confirmation set and the reference bank, as the abstract and
    the conclusions say it."""
    best = inf.recommended
    a = assess(best, truth, conf, bank)
    name = LIKELIHOOD_NAMES[best]
    model = MODEL_TEXT[EMULATOR_OF[best]]
    per = {}
    for p in PARAMETERS:
        if a[p]["trusted"]:
            per[p] = f"meets every condition for {PARAM_TEXT[p]}"
        else:
            per[p] = f"misses {listing([CHECK_TEXT[c] for c in a[p]['failed']])} for {PARAM_TEXT[p]}"
    both = a["q0"]["trusted"] and a["a_au"]["trusted"]
    if both:
        outcome = "meets every condition for both parameters"
    elif a["q0"]["failed"] == a["a_au"]["failed"]:
        outcome = f"misses {listing([CHECK_TEXT[c] for c in a['q0']['failed']])} for both parameters"
    else:
        outcome = f"{per['q0']} and {per['a_au']}"
    answer = (
        "Yes, for both parameters"
        if both
        else "Yes for $Q_0$; for $a$, not yet"
        if a["q0"]["trusted"]
        else "Yes for $a$; for $Q_0$, not yet"
        if a["a_au"]["trusted"]
        else "Not yet"
    )
    c = conf.likelihoods[best]
    eq, ea = (a[p]["efficiency_agreement"] for p in PARAMETERS)
    efficiency = (
        f"Against the simulator's own posteriors on the reference bank (@sec-reference), its posterior means differ "
        f"from the {REFERENCE_TEXT[EFFICIENCY_REFERENCE]} synthetic likelihood's by a median of {eq.dmean_median:.2f} "
        f"reference standard deviations for $Q_0$ and {ea.dmean_median:.2f} for $a$ ({90}th percentiles "
        f"{eq.dmean_p90:.2f} and {ea.dmean_p90:.2f}), and its standard deviations are a median "
        f"{eq.sd_ratio_median:.2f} and {ea.sd_ratio_median:.2f} times the reference's."
        if eq.n
        else "The reference bank left no observation to compare its posteriors with the simulator's (@sec-reference)."
    )
    efficiency += _reference_calibration(bank, best, [p for p in PARAMETERS if "efficiency" in a[p]["failed"]])
    rejected = [f"{PARAM_TEXT[p]}: {listing(a[p]['rejected'])}" for p in PARAMETERS if a[p]["rejected"]]
    failing = (
        f" Holm's procedure rejects, at a family-wise {100 * conf.alpha:g}%, {'; '.join(rejected)}." if rejected else ""
    )
    abstract = (
        f"The likelihood chosen on the selection set, built on {model} ({name}), was judged once on {conf.n_used} "
        f"fresh simulations: its {95}% credible intervals cover the truth of $Q_0$ in {_ci(c.q0.coverage[1])} of the "
        f"cases and that of $a$ in {_ci(c.a_au.coverage[1])} (Wilson {95}% intervals), its {68}% intervals in "
        f"{_ci(c.q0.coverage[0])} and {_ci(c.a_au.coverage[0])}, with median contractions of "
        f"{c.q0.contraction_median:.1f} and {c.a_au.contraction_median:.1f}. Against the criterion it {outcome}"
    )
    if eq.n and any("efficiency" in a[p]["failed"] for p in PARAMETERS):
        abstract += (
            f": on {eq.n} of those simulations its posterior means differ from the simulator's own by a median of "
            f"{eq.dmean_median:.2f} and {ea.dmean_median:.2f} reference standard deviations ({90}th percentiles "
            f"{eq.dmean_p90:.2f} and {ea.dmean_p90:.2f}), and its standard deviations are a median "
            f"{eq.sd_ratio_median:.2f} and {ea.sd_ratio_median:.2f} times the reference's"
        )
    abstract += "."
    low = _over_confident_reference(bank, [p for p in PARAMETERS if "efficiency" in a[p]["failed"]])
    if low:
        ref = bank.coverage[EFFICIENCY_REFERENCE]
        abstract += (
            " These reference posteriors are themselves over-confident ("
            + f"{95}% coverage "
            + listing([f"{ref[p][1]:.2f} for {PARAM_TEXT[p]}" for p in low])
            + "), so that miss does not separate the emulator's error from the reference's."
        )
    conclusions = (
        f"**{answer}.** Against the criterion of @sec-intro, the likelihood chosen on the selection set ({name}, on "
        f"{model}) {outcome} on the confirmation set and the reference bank (@sec-confirmation, @sec-reference). "
        f"Its emulator's error at the truth points is {a['accuracy_ratio68']:.2f} and {a['accuracy_ratio95']:.2f} "
        f"realization standard deviations at the 68th and 95th percentiles (worst summary), and on the "
        f"{conf.n_used} fresh simulations its {95}% credible intervals cover the truth in "
        f"{_ci(c.q0.coverage[1])} of cases for $Q_0$ and {_ci(c.a_au.coverage[1])} for $a$, its {68}% intervals "
        f"in {_ci(c.q0.coverage[0])} and {_ci(c.a_au.coverage[0])}.{failing} "
        f"{efficiency} Its posteriors cost "
        f"{costs['grid']} s on the grid or {costs['nuts']} s with NUTS, against {costs['reference_minutes']} minutes "
        f"of simulation for the reference bank, {costs['reference_simulations_per_observation']} simulations per "
        "observation over the observations it served (@sec-costs). @tbl-confirmation and @tbl-reference say "
        "which conditions fail and by how much. " + scale_radius_sentence(inf)
    )
    return {
        "abstract": abstract,
        "conclusions": conclusions,
        "trusted_q0": a["q0"]["trusted"],
        "trusted_a": a["a_au"]["trusted"],
    }


def _over_confident_reference(bank: ReferenceBank, failed: list[str]) -> list[str]:
    """The parameters among `failed` (condition 3 fails) for which the reference is itself
    over-confident on the compared observations: its 95% coverage more than two binomial
    standard errors below nominal."""
    n = len(bank.observations)
    if not failed or not n:
        return []
    se = (0.95 * 0.05 / n) ** 0.5
    return [p for p in failed if bank.coverage[EFFICIENCY_REFERENCE][p][1] < 0.95 - 2 * se]


def _reference_calibration(bank: ReferenceBank, best: str, failed: list[str]) -> str:
    """Where condition 3 fails: is the reference itself over-confident there? The sentence
    that says so, with both coverages, or nothing."""
    low = _over_confident_reference(bank, failed)
    if not low:
        return ""
    ref, ours, n = bank.coverage[EFFICIENCY_REFERENCE], bank.coverage[best], len(bank.observations)
    return (
        f" The reference is itself over-confident there: on the {n} compared observations its {95}% intervals "
        "cover the truth of "
        + listing([f"{PARAM_TEXT[p]} in {ref[p][1]:.2f}" for p in low])
        + ", those of the recommended likelihood "
        + listing([f"{ours[p][1]:.2f}" for p in low])
        + ", so condition 3, measured against this reference, cannot tell the emulator's error from the synthetic "
        f"likelihood's own for {listing([PARAM_TEXT[p] for p in low])}."
    )


def confirmation_vars(conf: ConfirmationStudy) -> dict:
    """The confirmation set's numbers for @sec-confirmation: its size, the recommended
    likelihood's coverage with Wilson intervals, the detectable under-coverage, the decision."""
    c = conf.likelihoods[conf.recommended]
    out = {
        "n_total": conf.n_total,
        "n_used": conf.n_used,
        "n_excluded": conf.n_total - conf.n_used,
        "alpha": f"{100 * conf.alpha:g}",
        "power": f"{100 * conf.power:g}",
        "shortfall68": f"{c.q0.shortfall[0]:.3f}",
        "shortfall95": f"{c.q0.shortfall[1]:.3f}",
        "n_tests": 2 * (2 + 2 * len(c.q0.quarters) + 1),
    }
    for p in PARAMETERS:
        r = c.parameter(p)
        out |= {f"cov68_{p}": _ci(r.coverage[0]), f"cov95_{p}": _ci(r.coverage[1]), f"sbc_p_{p}": f"{r.sbc_p:.2f}"}
        out[f"zsd_{p}"] = f"{r.z_bias_sd:.2f}"
    calibrated = [n for n, j in conf.likelihoods.items() if j.calibrated("q0") and j.calibrated("a_au")]
    out["sentence"] = (
        f"{upper_first(word(len(calibrated)))} of the {word(len(conf.likelihoods))} likelihoods "
        f"{'passes' if len(calibrated) == 1 else 'pass'} every calibration test for both parameters"
        + (f" ({listing([LIKELIHOOD_NAMES[n] for n in calibrated])})." if calibrated else ".")
    )
    return out
