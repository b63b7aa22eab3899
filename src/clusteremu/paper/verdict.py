"""The manuscript's verdict: the answer to its question, and the confirmation set's sentences.

From the likelihood comparison, the truth-set evaluation, the confirmation
([`ConfirmationStudy`][clusteremu.evaluation.confirmation.ConfirmationStudy]), the
simulator-based reference ([`ReferenceBank`][clusteremu.evaluation.reference_bank.ReferenceBank])
and the measured costs: the criterion's verdict ([`clusteremu.evaluation.trust.assess`][])
as the abstract and the conclusions state it, with the caveat where the reference is itself
over-confident, and the confirmation set's coverage numbers and decision.
"""

from __future__ import annotations

import math

from ..evaluation.confirmation import ConfirmationStudy
from ..evaluation.coverage import binomial_se
from ..evaluation.reference_bank import ReferenceBank
from ..evaluation.reports import LikelihoodComparison
from ..evaluation.trust import EFFICIENCY_REFERENCE, EMULATOR_OF, assess, closer_with_bank_size
from ..inference.registry import LIKELIHOOD_NAMES
from ..prior import PARAMETERS
from .findings import scale_radius_sentence
from .reference_table import REFERENCE_TEXT
from .text import CHECK_TEXT, MODEL_TEXT, PARAM_TEXT, listing, upper_first, word

__all__ = ["confirmation_vars", "coverage_limit", "verdict_vars"]


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
    # a pass of condition 3 against a reference that is itself over-confident is weaker evidence: say so
    low = _over_confident_reference(bank, list(PARAMETERS))
    weak = [PARAM_TEXT[p] for p in PARAMETERS if a[p]["trusted"] and p in low]
    hedge = (
        ""
        if not weak
        else f" ({weak[0]} judged against an over-confident reference)"
        if both and len(weak) == 1
        else " (judged against an over-confident reference)"
    )
    answer = (
        f"Yes, for both parameters{hedge}"
        if both
        else f"Yes for $Q_0${hedge}; for $a$, not yet"
        if a["q0"]["trusted"]
        else f"Yes for $a${hedge}; for $Q_0$, not yet"
        if a["a_au"]["trusted"]
        else "Not yet"
    )
    c = conf.likelihoods[best]
    eq, ea = (a[p]["efficiency_agreement"] for p in PARAMETERS)
    # the tail both the conclusions and the abstract give: the spread of the distances, the widths
    spread = (
        f"({90}th percentiles {eq.dmean_p90:.2f} and {ea.dmean_p90:.2f}), and its standard deviations are a median "
        f"{eq.sd_ratio_median:.2f} and {ea.sd_ratio_median:.2f} times the reference's"
    )
    efficiency = (
        f"Against the simulator's own posteriors on the reference bank (@sec-reference), its posterior means differ "
        f"from the {REFERENCE_TEXT[EFFICIENCY_REFERENCE]} synthetic likelihood's by a median of {eq.dmean_median:.2f} "
        f"reference standard deviations for $Q_0$ and {ea.dmean_median:.2f} for $a$ {spread}."
        if eq.n
        else "The reference bank left no observation to compare its posteriors with the simulator's (@sec-reference)."
    )
    missed = [p for p in PARAMETERS if "efficiency" in a[p]["failed"]]
    # a miss against an over-confident reference may be the reference's; a pass is agreement with it
    efficiency += _reference_calibration(bank, best, low, missed) + _bank_size_sentence(bank, missed)
    rejected = [f"{PARAM_TEXT[p]}: {listing(a[p]['rejected'])}" for p in PARAMETERS if a[p]["rejected"]]
    failing = (
        f" Holm's procedure rejects, at a family-wise {100 * conf.alpha:g}%, {'; '.join(rejected)}." if rejected else ""
    )
    abstract = (
        # The abstract has just said that the fresh simulations judge the choice, once.
        f"On those {conf.n_used} simulations the likelihood chosen, {name}, which is built on {model}, has "
        f"{95}% credible intervals that cover the truth of $Q_0$ in {_ci(c.q0.coverage[1])} of the cases and that "
        f"of $a$ in {_ci(c.a_au.coverage[1])} (Wilson {95}% intervals), {68}% intervals that cover them in "
        f"{_ci(c.q0.coverage[0])} and {_ci(c.a_au.coverage[0])}, and median contractions of "
        f"{c.q0.contraction_median:.1f} and {c.a_au.contraction_median:.1f}. Against the criterion it {outcome}"
    )
    if eq.n and missed:
        abstract += (
            f": on {eq.n} of those simulations its posterior means differ from the simulator's own by a median of "
            f"{eq.dmean_median:.2f} and {ea.dmean_median:.2f} reference standard deviations {spread}"
        )
    abstract += "."
    if low:
        ref = bank.calibration.coverage[EFFICIENCY_REFERENCE]
        missed_low = [PARAM_TEXT[p] for p in low if p in missed]
        met_low = [PARAM_TEXT[p] for p in low if p not in missed]
        consequences = []
        if missed_low:
            consequences.append(
                f"that miss does not separate the emulator's error from the reference's for {listing(missed_low)}"
            )
        if met_low:
            consequences.append(f"the agreement for {listing(met_low)} is agreement with an over-confident reference")
        abstract += (
            " These reference posteriors are themselves over-confident ("
            + f"{95}% coverage "
            + listing([f"{ref[p][1]:.3f} for {PARAM_TEXT[p]}" for p in low])
            + f" on {bank.calibration.n_kept} usable confirmation simulations, below "
            f"{coverage_limit(bank.calibration.n_kept):.3f}, the limit that two binomial standard errors allow), so "
            + ", and ".join(consequences)
            + "."
        )
    conclusions = (
        f"**{answer}.** Against the criterion of @sec-intro, the likelihood chosen on the selection set, {name}, which "
        f"is built on {model}, {outcome} on the confirmation set and the reference bank (@sec-confirmation, "
        "@sec-reference). "
        f"Its emulator's error at the truth points is {a['accuracy_ratio68']:.2f} and {a['accuracy_ratio95']:.2f} "
        f"realization standard deviations at the 68th and 95th percentiles (worst summary), and on the "
        f"{conf.n_used} fresh simulations its {95}% credible intervals cover the truth in "
        f"{_ci(c.q0.coverage[1])} of cases for $Q_0$ and {_ci(c.a_au.coverage[1])} for $a$, its {68}% intervals "
        f"in {_ci(c.q0.coverage[0])} and {_ci(c.a_au.coverage[0])}.{failing} "
        f"{efficiency} Once built (about {costs['build_minutes']} minutes of simulation and "
        f"{costs['training_short']}), its posteriors cost {costs['grid']} s on the grid or "
        f"{costs['nuts']} s with NUTS for a cluster at the centre of the box (a median of "
        f"{costs['nuts_median']} s over the selection set), where the reference bank spent about "
        f"{costs['reference_minutes_per_observation']} minutes of simulation per observation it served "
        f"({costs['reference_minutes']} minutes in all; @sec-costs). @tbl-confirmation and @tbl-reference say "
        "which conditions fail and by how much. "
        + _others_trusted(best, truth, conf, bank)
        + scale_radius_sentence(inf)
    )
    return {
        "abstract": abstract,
        "conclusions": conclusions,
        "trusted_q0": a["q0"]["trusted"],
        "trusted_a": a["a_au"]["trusted"],
    }


def _others_trusted(best: str, truth: dict, conf: ConfirmationStudy, bank: ReferenceBank) -> str:
    """The sentence naming the likelihoods other than the chosen one that the criterion, applied
    after the fact, trusts for a parameter (with the caveat where the reference is over-confident
    for it); that none is, when none is."""
    judged = {n: assess(n, truth, conf, bank) for n in conf.likelihoods if n != best}
    trusted = {p: [n for n, a in judged.items() if a[p]["trusted"]] for p in PARAMETERS}
    if not any(trusted.values()):
        return "Applied after the fact to the other likelihoods, the criterion trusts none for either parameter. "
    parts = [
        f"{listing([LIKELIHOOD_NAMES[n] for n in trusted[p]])} for {PARAM_TEXT[p]}" for p in PARAMETERS if trusted[p]
    ]
    judged_params = [p for p in PARAMETERS if trusted[p]]
    low = _over_confident_reference(bank, judged_params)
    caveat = (
        ""
        if not low
        else ", each judged against a reference that is itself over-confident for its parameter"
        if low == judged_params and len(low) > 1
        else f", judged against a reference that is itself over-confident for {listing([PARAM_TEXT[p] for p in low])}"
    )
    them = "it" if len({n for names in trusted.values() for n in names}) == 1 else "them"
    return (
        f"Applied after the fact to the other likelihoods, the criterion trusts {'; '.join(parts)}{caveat}; the "
        f"selection set did not choose {them}, and a choice made after seeing the confirmation set would leave no "
        "unseen simulations to judge it. "
    )


def _over_confident_reference(bank: ReferenceBank, params: list[str]) -> list[str]:
    """The parameters among `params` (those whose condition 3 is in question: missed, or met
    by another likelihood) for which the reference is itself over-confident, judged on every
    usable confirmation simulation it scored (not only the compared ones): its 95% coverage
    more than two binomial standard errors below nominal."""
    if not params or not bank.observations or not bank.calibration.n_kept:
        return []  # nothing compared, no miss to qualify
    limit = coverage_limit(bank.calibration.n_kept)
    return [p for p in params if bank.calibration.coverage[EFFICIENCY_REFERENCE][p][1] < limit]


def coverage_limit(n: int, above: bool = False, level: float = 0.95) -> float:
    """The coverage of `level` intervals two binomial standard errors below nominal at `n`
    observations (above it with `above`): where a coverage stops being nominal, in either direction."""
    return level + (2 if above else -2) * binomial_se(level, n)


def _reference_calibration(bank: ReferenceBank, best: str, low: list[str], missed: list[str]) -> str:
    """The sentence saying that the reference is itself over-confident for the parameters
    `low` ([`_over_confident_reference`][]), with both coverages, and what that means for
    those whose condition 3 is met (not in `missed`); nothing when none is."""
    if not low:
        return ""
    judged = bank.calibration
    ref, ours = judged.coverage[EFFICIENCY_REFERENCE], judged.coverage[best]
    met = [PARAM_TEXT[p] for p in low if p not in missed]
    return (
        f" The reference is itself over-confident: on {judged.n_kept} usable confirmation simulations (the "
        f"compared ones among them) its {95}% intervals cover the truth of "
        + listing([f"{PARAM_TEXT[p]} in {ref[p][1]:.3f}" for p in low])
        + f" (two binomial standard errors below {95}% is {coverage_limit(judged.n_kept):.3f})"
        + ", those of the recommended likelihood, interpolated from the bank's nodes alike, "
        + listing([f"{ours[p][1]:.3f}" for p in low])
        + ", so condition 3, measured against this reference, cannot tell the emulator's error from the synthetic "
        f"likelihood's own for {listing([PARAM_TEXT[p] for p in low])}"
        + (
            f": for {listing(met)}, whose condition it meets, it measures agreement with an over-confident reference."
            if met
            else "."
        )
    )


def _bank_size_sentence(bank: ReferenceBank, missed: list[str]) -> str:
    """The sentence saying for which of the parameters `missed` (condition 3 failed) the
    references from fewer of the bank's realizations lie farther from the recommended likelihood
    ([`closer_with_bank_size`][clusteremu.evaluation.trust.closer_with_bank_size]); nothing
    when none does."""
    closer = [PARAM_TEXT[p] for p in missed if closer_with_bank_size(bank, p)]
    if not closer:
        return ""
    return (
        f" Built from fewer of the bank's realizations, the reference lies farther from the recommended likelihood "
        f"for {listing(closer)} in each statistic that misses its target, so part of that miss is the reference's "
        "own Monte Carlo error."
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
        "power": f"{conf.power:g}",  # as the confirmation table writes it
        "shortfall68": f"{c.q0.shortfall[0]:.3f}",
        "shortfall95": f"{c.q0.shortfall[1]:.3f}",
        "n_tests": 2 * (2 + 2 * len(c.q0.quarters) + 1),
    }
    for p in PARAMETERS:
        r = c.parameter(p)
        out |= {f"cov68_{p}": _ci(r.coverage[0]), f"cov95_{p}": _ci(r.coverage[1]), f"sbc_p_{p}": f"{r.sbc_p:.2f}"}
        out[f"zsd_{p}"] = f"{r.z_bias_sd:.2f}"
        out[f"contraction_{p}"] = f"{r.contraction_median:.1f}"
    out["width_sentence"] = width_sentence({p: c.parameter(p).z_bias_sd for p in PARAMETERS}, conf.n_used)
    calibrated = [n for n, j in conf.likelihoods.items() if j.calibrated("q0") and j.calibrated("a_au")]
    out["sentence"] = (
        f"{upper_first(word(len(calibrated)))} of the {word(len(conf.likelihoods))} likelihoods "
        f"{'passes' if len(calibrated) == 1 else 'pass'} every calibration test for both parameters"
        + (f" ({listing([LIKELIHOOD_NAMES[n] for n in calibrated])})." if calibrated else ".")
    )
    return out


def width_sentence(z_sd: dict[str, float], n: int) -> str:
    """What the standardized errors' sd `z_sd` (per parameter, over `n` observations) says of
    the posteriors' widths where it is more than two standard errors (1/sqrt(2n), that of a
    normal sample's sd) from 1: below, posteriors wider than their errors (intervals that err
    on the wide side); above, narrower. Empty where every sd is within."""
    se = 1 / math.sqrt(2 * n)
    parts = [
        f"for {PARAM_TEXT[p]} that sd is {abs(sd - 1) / se:.1f} standard errors ({se:.3f} each) "
        + (
            f"below 1: the posteriors are about {100 * (1 / sd - 1):.0f}% wider than the errors they describe, so "
            "their intervals err on the wide side, and the sd ratio to the simulator's own posteriors "
            "(@sec-reference) is pushed up by that much"
            if sd < 1
            else f"above 1: the posteriors are about {100 * (1 - 1 / sd):.0f}% narrower than the errors they describe"
        )
        for p, sd in z_sd.items()
        if abs(sd - 1) > 2 * se
    ]
    return upper_first("; ".join(parts)) + "." if parts else ""
