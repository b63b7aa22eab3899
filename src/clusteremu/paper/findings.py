"""The manuscript's numbers and sentences about the inference study and its verdict.

From the typed likelihood comparison ([`LikelihoodComparison`][clusteremu.evaluation.reports.LikelihoodComparison]),
the truth-set evaluation, the simulator-based reference and the measured costs: the
coverage numbers of the recommended likelihood, the sentences whose wording depends on
the results (the ranking, the P(usable) factor, the flow against the learned noise, the
measurement-error study); the verdict is [`clusteremu.paper.verdict`][]'s. Every
threshold a sentence states comes from the module that defines it.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from ..evaluation.coverage import binomial_se
from ..evaluation.reports import LikelihoodComparison, NutsCheck
from ..inference.health import ESS_MIN, RHAT_MAX
from ..inference.registry import LIKELIHOOD_NAMES
from ..prior import PARAMETERS
from .labels import COMPARATORS
from .text import PARAM_TEXT, counted, listing, upper_first, word

__all__ = [
    "WEAK_CONTRACTION",
    "continued_text",
    "inference_sentences",
    "inference_vars",
    "nuts_summary",
    "scale_radius_sentence",
]

#: A median contraction below this leaves a parameter "weakly constrained" in the text.
WEAK_CONTRACTION = 2.0
#: A tie-break decided by a relative difference in median contraction below this is reported
#: as no evidence: the text calls the two likelihoods equivalent on the selection set.
TIE = 0.01

#: The factor that the "× P(usable)" likelihoods multiply by, as the Methods write it.
P_USABLE = r"$P(\mathrm{usable} \mid \theta)$"


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
    # Each sd is judged against its own Monte Carlo error (ArviZ's, from the ESS of the squared
    # deviations); beyond two errors a difference is counted, and sampling noise alone puts
    # a Gaussian's two-sided tail of them there, give or take two binomial standard errors.
    z = [(d.nuts_sd - d.grid_sd) / d.mcse_sd for r in rows for d in (r.q0, r.a_au)]
    tail = 2 * (1 - NormalDist().cdf(2))
    beyond, expected = sum(abs(v) > 2 for v in z), tail * len(z)
    narrower = sum(v < -2 for v in z)
    noise = beyond <= expected + 2 * len(z) * binomial_se(tail, len(z))
    # Both percentages are of the grid's sd, so that the ratio the sentence states is theirs.
    times = f"{abs(worst.nuts_sd - worst.grid_sd) / worst.mcse_sd:.1f}"
    where = (
        f"That largest difference, for {PARAM_TEXT[worst_p]}, "
        + ("equals" if times == "1.0" else f"is {times} times")
        + " the Monte Carlo error of that run's sd "
        f"({100 * worst.mcse_sd / worst.grid_sd:.1f}% of the grid's sd, from the effective sample size of its "
        f"squared deviations). Each measured in its own run's Monte Carlo error, {beyond} of the {len(z)} "
        f"differences in sd ({len(rows)} runs, two parameters) exceed two, where sampling noise alone puts about "
        f"{expected:.0f}"
        + (
            ": within sampling noise."
            if noise
            else f": more than it explains, with NUTS's sd the smaller in {narrower} of them. NUTS's widths are "
            "therefore less certain than its means; `clusteremu infer` takes both from the grid unless asked for "
            "NUTS."
        )
    )
    healthy = sum(r.healthy for r in rows)
    return {
        "n_nuts": len(rows),
        "n_nuts_healthy": healthy,
        "nuts_healthy_phrase": (
            f"All {len(rows)} runs pass" if healthy == len(rows) else f"Of the {len(rows)} runs, {healthy} pass"
        ),
        # Where every run passes, "no divergence" is already said; the count would repeat it.
        "divergence_clause": (
            ""
            if healthy == len(rows)
            else f"{counted(sum(1 for r in rows if r.divergences > 0), 'run')} with a divergence; "
        ),
        "max_rhat": f"{max(d.r_hat for r in rows for d in (r.q0, r.a_au)):.4f}",
        "min_ess": f"{min(min(d.ess_bulk, d.ess_tail) for r in rows for d in (r.q0, r.a_au)):.0f}",
        "nuts_grid_dmean": f"{dmean:.2f}",
        "nuts_grid_dsd": f"{100 * dsd:.0f}",
        "nuts_grid_dsd_where": where,
        "dmean_value": dmean,
        "dsd_within_noise": bool(noise),
    }


def inference_vars(config, inf: LikelihoodComparison, truth: dict) -> dict:
    cfg, best = config["inference"], inf.recommended
    n = inf.n_coverage_used
    nuts = nuts_summary(inf.nuts[best])
    out = {
        "n_coverage_total": inf.n_coverage_total,
        "n_coverage_used": n,
        "n_excluded": inf.n_excluded,
        "comparators": listing([LIKELIHOOD_NAMES[name] for name in COMPARATORS if name != best]),
        "grid_points": cfg["grid_points"],
        "chains": cfg["nuts_chains"],
        "warmup": cfg["nuts_warmup"],
        "samples": cfg["nuts_samples"],
        "extensions": cfg["nuts_extensions"],
        "rhat_max": f"{RHAT_MAX:g}",
        "ess_min": f"{ESS_MIN:g}",
        "se68": f"{binomial_se(0.68, n):.3f}",
        "se95": f"{binomial_se(0.95, n):.3f}",
        "recommended_name": LIKELIHOOD_NAMES[best],
        **{k: v for k, v in nuts.items() if k not in ("dmean_value", "dsd_within_noise")},
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
        + _tie_sentence(
            {
                n: (inf.coverage_set[n].a_au.contraction_median, inf.coverage_set[n].q0.contraction_median)
                for n, c in checks.items()
                if all(c.values())
            },
            inf.recommended,
        )
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
    where = "where clusters are lost, in the highest quarter of the $Q_0$ range (@fig-coverage-quarters)"
    selection = (
        f"The factor {P_USABLE}, the probability that the cluster is usable, matters {where}: there it "
        f"{listing(moves)}."
        if any(m.startswith("moves") for m in moves)
        else f"The factor {P_USABLE}, the probability that the cluster is usable, can only matter {where}; on this "
        f"selection set the {95}% coverage of $Q_0$ there is the same with and without it, for the learned-noise "
        f"likelihood ({top['learned']:.2f}) and for the flow ({top['flow']:.2f})."
    )
    lg, fl = inf.coverage_set["learned+selection"], inf.coverage_set["flow+selection"]
    flow = (
        f"The flow, which assumes no Gaussian shape, covers $Q_0$ in {fl.q0.coverage95:.2f} and $a$ in "
        f"{fl.a_au.coverage95:.2f} of cases at {95}%, against {lg.q0.coverage95:.2f} and "
        f"{lg.a_au.coverage95:.2f} for the learned-noise Gaussian, both multiplied by {P_USABLE}"
    )
    lost = [
        PARAM_TEXT[p] for p in PARAMETERS if round(lg.parameter(p).coverage95, 2) < round(fl.parameter(p).coverage95, 2)
    ]
    # The two differ in more than the shape (networks, training on perturbed observations,
    # dequantization, the mixture), so the comparison names no cause.
    flow += (
        f"; the learned-noise Gaussian covers {listing(lost)} less, a difference that does not say which of the "
        "ways the two emulators differ, the Gaussian shape among them, causes it."
        if lost
        else "; the Gaussian shape, one of several ways the two emulators differ, costs no coverage here."
    )
    inside = [n for n, c in checks.items() if c["tarp"]]
    wname = max(inside or checks, key=lambda n: inf.coverage_set[n].tarp.max_deviation)
    widest = inf.coverage_set[wname].tarp
    failing = [n for n in inside if not all(v for k, v in checks[n].items() if k != "tarp")]
    tarp = (
        f"On the selection set the curves of {_all_of(len(inside), len(checks))} likelihoods stay within the band "
        f"(@tbl-likelihoods; the largest deviation, {widest.max_deviation:.4f} for {LIKELIHOOD_NAMES[wname]}, "
        f"against the band's {widest.band:.4f})"
        + (
            f", including {word(len(failing))} whose coverage or SBC checks fail there: TARP does not "
            "separate them here, which is why it is shown but not counted toward the criterion of trust (the "
            "selection set's ranking does count it)."
            if failing
            else "."
        )
    )
    return {"sentence_ranking": ranking, "sentence_selection": selection, "sentence_flow": flow, "sentence_tarp": tarp}


def _tie_sentence(contraction: dict[str, tuple[float, float]], best: str) -> str:
    """How [`recommend`][clusteremu.evaluation.coverage.recommend]'s tie-break decided between the
    likelihoods that pass every check (`contraction`: each one's median contractions of a and
    Q0, in that order), with the digits it took to decide; nothing without a tie."""
    if len(contraction) < 2:
        return ""
    k = 0 if len({c[0] for c in contraction.values()}) > 1 else 1
    runner = max((n for n in contraction if n != best), key=lambda n: contraction[n][k])
    ours, theirs = contraction[best][k], contraction[runner][k]
    # as many decimals as show the difference itself (not merely two values rounding apart)
    digits = max(1, math.ceil(-math.log10(abs(ours - theirs)))) if ours != theirs else 9
    relative = abs(ours / theirs - 1)
    return (
        f" The tie-break, the larger median contraction of {PARAM_TEXT[('a_au', 'q0')[k]]}, decides between them "
        f"by {ours:.{digits}f} for {LIKELIHOOD_NAMES[best]} against {theirs:.{digits}f} for "
        f"{LIKELIHOOD_NAMES[runner]}, a difference of {100 * relative:.1g}%"
        + (": on this set the two are equivalent, and the pick is the rule's, not evidence." if relative < TIE else ".")
    )


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
