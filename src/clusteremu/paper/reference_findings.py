"""The manuscript's numbers and sentences about the reference bank (@sec-reference).

From the bank's typed result ([`ReferenceBank`][clusteremu.evaluation.reference_bank.ReferenceBank]):
its size, the observations excluded, the recommended likelihood against the references
with their noise floor and bootstrap error, the two synthetic likelihoods against each other, the
check of the interpolation, and condition 3 of the criterion
([`clusteremu.evaluation.trust.efficiency_met`][]) for every likelihood.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.reference_bank import QUANTILE_LEVELS, REFERENCES, ReferenceBank, agreement
from ..evaluation.trust import (
    EFFICIENCY_DMEAN,
    EFFICIENCY_REFERENCE,
    closer_with_bank_size,
    efficiency_met,
)
from ..inference.registry import LIKELIHOOD_NAMES
from ..prior import PARAMETERS, ParameterBox
from .quarters import quarter_of
from .reference_table import REFERENCE_TEXT
from .text import PARAM_TEXT, listing, upper_first, word

__all__ = ["reference_vars"]

#: The sentences that report a comparison (empty when no observation is kept).
_SENTENCES = (
    "sentence_result",
    "sentence_bootstrap",
    "sentence_references",
    "sentence_interpolation",
    "sentence_verdict",
    "sentence_coverage",
)


def _bootstrap_defined(bank: ReferenceBank) -> bool:
    """Whether every reference's bootstrap error and noise floor are numbers: a resample that
    leaves a node the posteriors need without a synthetic likelihood leaves them undefined."""
    values = [
        v
        for kind in REFERENCES
        for p in PARAMETERS
        for v in (bank.bootstrap_error[kind][p].mean_median, bank.noise_floor[kind][p].dmean_median)
    ]
    return bool(np.all(np.isfinite(values)))


def _against(a) -> str:
    """An agreement's median and 90th percentile of |dmean| / sd, as "0.12 (0.31)"."""
    return f"{a.dmean_median:.2f} ({a.dmean_p90:.2f})"


def reference_vars(bank: ReferenceBank) -> dict:
    """The reference bank's numbers and sentences for @sec-reference: its size, what was
    excluded, the recommended likelihood against the references with their noise floor
    and bootstrap error, the interpolation check, and condition 3 for every likelihood."""
    best, (g, s, k) = bank.recommended, REFERENCES
    n, q, a, lv = len(bank.observations), PARAM_TEXT["q0"], PARAM_TEXT["a_au"], (68, 95)
    out = {
        "q0_nodes": len(bank.q0_nodes),
        "a_nodes": len(bank.a_nodes),
        "n_nodes": bank.n_nodes,
        "realizations": bank.realizations,
        "n_simulations": bank.n_simulations,
        "bootstrap": bank.bootstrap,
        "fine_grid": bank.fine_grid,
        "n_available": bank.n_available,
        "n_compared": bank.n_compared,
        "n_observations": n,
        "n_excluded": len(bank.excluded),
        "min_usable": bank.min_usable,
        "exclusion_mass": f"{100 * bank.exclusion_mass:g}",
        # the noise floor is stored at these quantiles only: its curves end there
        "floor_q_lo": f"{100 * QUANTILE_LEVELS[0]:g}",
        "floor_q_hi": f"{100 * QUANTILE_LEVELS[-1]:g}",
    }
    out["sentence_excluded"] = (
        f"Every node has at least {bank.min_usable} usable simulations, so no observation is excluded."
        if not bank.n_undefined_nodes
        else f"{upper_first(word(bank.n_undefined_nodes))} of the {bank.n_nodes} nodes have none. "
        f"An observation whose recommended posterior puts more than {out['exclusion_mass']}% of its "
        "probability where such a node enters the interpolation, or whose references put as much next to one, is "
        f"excluded: {word(len(bank.excluded))} of the {bank.n_compared}."
    )
    if not n:
        empty = "No observation is left to compare, so the reference bank says nothing about the likelihoods here."
        return out | {k: "" for k in _SENTENCES} | {"sentence_result": empty}
    rows = []
    for kind in REFERENCES:
        x, y = (bank.against(best, kind, p) for p in PARAMETERS)
        rows.append(
            f"{_against(x)} for {q} and {_against(y)} for {a} against the {REFERENCE_TEXT[kind]} reference, with "
            f"median ratios of standard deviations of {x.sd_ratio_median:.2f} and {y.sd_ratio_median:.2f}"
        )
    fq, fa = (bank.noise_floor[g][p] for p in PARAMETERS)
    rq, ra = (bank.noise_range[g][p].sd_ratio_median for p in PARAMETERS)
    out["sentence_result"] = (
        f"Measured in reference standard deviations, the recommended likelihood's posterior means differ from the "
        f"simulator's by medians (90th percentiles) of {rows[0]}, by {rows[1]}, and by {rows[2]}."
    )
    eg, es, ek = (bank.bootstrap_error[kind] for kind in REFERENCES)
    if _bootstrap_defined(bank):
        out["sentence_result"] += (
            f" A likelihood equal to the simulator's would score {_against(fq)} and {_against(fa)} against the "
            f"Gaussian reference (the bootstrap noise floor), and its median ratio would lie between {rq[0]:.2f} and "
            f"{rq[1]:.2f} for {q} and between {ra[0]:.2f} and {ra[1]:.2f} for {a} in {90}% of the bootstrap "
            "replicates: the reference's error is largely common to all observations."
        )
        out["sentence_bootstrap"] = (
            f"The bootstrap standard deviation of a reference posterior's mean is a median of "
            f"{eg['q0'].mean_median:.2f} of its standard deviation for {q} and {eg['a_au'].mean_median:.2f} for {a} "
            f"(Gaussian reference; {es['q0'].mean_median:.2f} and {es['a_au'].mean_median:.2f} semi-parametric, "
            f"{ek['q0'].mean_median:.2f} and {ek['a_au'].mean_median:.2f} kernel), that of its standard "
            f"deviation {100 * eg['q0'].sd_median:.0f}% and {100 * eg['a_au'].sd_median:.0f}% of it."
        )
    else:
        out["sentence_result"] += (
            f" The bootstrap over the realizations is not defined here: some of its resamples of the "
            f"{bank.realizations} realizations leave fewer than {bank.min_usable} distinct usable ones at nodes these "
            "posteriors need, so neither the references' Monte Carlo error nor a noise floor can be given."
        )
        out["sentence_bootstrap"] = ""
    bq, ba = (bank.between_references[p] for p in PARAMETERS)
    out["sentence_references"] = (
        f"The Gaussian and the semi-parametric reference agree to {_against(bq)} standard deviations in the mean "
        f"of {q} and {_against(ba)} in that of {a} (median and 90th percentile), with median ratios of "
        f"{bq.sd_ratio_median:.2f} and {ba.sd_ratio_median:.2f} (semi-parametric over Gaussian)."
    )
    iq, ia = (bank.interpolation[p] for p in PARAMETERS)
    out["sentence_interpolation"] = (
        f"Interpolated from the nodes, the recommended likelihood's posterior means move from those computed on the "
        f"fine grid directly by medians of {iq.dmean_median:.3f} and {ia.dmean_median:.3f} posterior standard "
        f"deviations for {q} and {a} (90th percentiles {iq.dmean_p90:.3f} and {ia.dmean_p90:.3f}), and their "
        f"standard deviations by a median factor of {iq.sd_ratio_median:.3f} and {ia.sd_ratio_median:.3f}."
    )
    efficient = {p: [name for name in bank.agreement if efficiency_met(bank, name, p)] for p in PARAMETERS}
    both_keys = [k for k in bank.agreement if all(k in efficient[p] for p in PARAMETERS)]
    both = [LIKELIHOOD_NAMES[k] for k in both_keys]
    mine = [PARAM_TEXT[p] for p in PARAMETERS if best in efficient[p]]
    verdict = (
        "meets it for both parameters"
        if len(mine) == 2
        else f"meets it for {mine[0]} only"
        if mine
        else "meets it for neither parameter"
    )
    count = f"{word(len(both))} of the {word(len(bank.agreement))} likelihoods" if both else "none of the likelihoods"
    anyone = any(efficient[p] for p in PARAMETERS)
    out["sentence_verdict"] = (
        f"By condition 3 of the criterion (judged against the {REFERENCE_TEXT[EFFICIENCY_REFERENCE]} reference) the "
        f"recommended likelihood {verdict}; {count} {'meets' if len(both) <= 1 else 'meet'} it for "
        + ("both" if both or anyone else "either parameter")
        + (f" ({listing(both)})." if both else ".")
        + _other_judge_sentence(bank, both_keys)
    )
    cov = {k: [f"{c[0]:.2f} and {c[1]:.2f}" for c in (bank.coverage[k][p] for p in PARAMETERS)] for k in bank.coverage}
    out["sentence_coverage"] = (
        (
            f"The truths being known, the references can be checked too: the {lv[0]}% and {lv[1]}% intervals of the "
            f"Gaussian reference contain the truth of {q} in {cov[g][0]} of the observations and that of {a} in "
            f"{cov[g][1]}, those of the semi-parametric reference in {cov[s][0]} ({q}) and {cov[s][1]} ({a}), those of "
            f"the kernel reference in {cov[k][0]} ({q}) and {cov[k][1]} ({a}), those of the recommended likelihood, "
            f"interpolated alike, in {cov[best][0]} ({q}) and {cov[best][1]} ({a})."
        )
        + _by_size_sentence(bank)
        + _by_size_agreement_sentence(bank)
        + _calibration_sentence(bank, best)
        + _by_quarter_sentence(bank, best)
    )
    return out


def _by_quarter(bank: ReferenceBank, best: str) -> dict[str, np.ndarray]:
    """Per quarter of the box's Q0 range (of the truths): `n`, the compared observations (4,);
    and per parameter, (4, 2): `dmean`, the median |dmean| / sd of `best` against the judging
    reference; `ref` and `ours`, the sd of the standardized errors (mean - truth) / sd of the
    reference's and of `best`'s posteriors (about one where a posterior is calibrated)."""
    obs = bank.observations
    truth = np.array([o.truth for o in obs]).reshape(-1, 2)
    posteriors = {"ref": [o.references[EFFICIENCY_REFERENCE] for o in obs], "ours": [o.likelihoods[best] for o in obs]}
    mean = {k: np.array([m.mean for m in v]).reshape(-1, 2) for k, v in posteriors.items()}
    sd = {k: np.array([m.sd for m in v]).reshape(-1, 2) for k, v in posteriors.items()}
    box = ParameterBox(bank.q0_nodes[0], bank.q0_nodes[-1], bank.a_nodes[0], bank.a_nodes[-1])  # nodes span it
    quarter = quarter_of(box, "q0", truth[:, 0])
    out = {"n": np.bincount(quarter, minlength=4)} | {k: np.full((4, 2), np.nan) for k in ("dmean", "ref", "ours")}
    for k in np.flatnonzero(out["n"] >= 2):
        at = quarter == k
        for j in range(2):
            args = (mean["ours"][at, j], sd["ours"][at, j], mean["ref"][at, j], sd["ref"][at, j])
            out["dmean"][k, j] = agreement(*args).dmean_median
        for key in ("ref", "ours"):
            out[key][k] = np.std((truth[at] - mean[key][at]) / sd[key][at], axis=0, ddof=1)
    return out


def _by_quarter_sentence(bank: ReferenceBank, best: str) -> str:
    """Where in the Q0 range the recommended likelihood and the judging reference disagree,
    and how widely each one's standardized errors spread there ([`_by_quarter`][]); nothing when
    a quarter has fewer than two observations."""
    q = _by_quarter(bank, best)
    if np.any(q["n"] < 2):
        return ""
    per = {key: [listing([f"{v:.2f}" for v in q[key][:, j]]) for j in range(2)] for key in ("dmean", "ref", "ours")}
    se = np.broadcast_to(1 / np.sqrt(2 * (q["n"][:, None] - 1)), q["ref"].shape)  # of an sd near one
    out = (
        f" By quarter of the {PARAM_TEXT['q0']} range ({listing([str(n) for n in q['n']])} observations), the "
        f"recommended likelihood's posterior means differ from the {REFERENCE_TEXT[EFFICIENCY_REFERENCE]} "
        f"reference's by medians of {per['dmean'][0]} reference standard deviations for {PARAM_TEXT['q0']} and "
        f"{per['dmean'][1]} for {PARAM_TEXT['a_au']}. Their standardized errors (posterior mean minus truth, over "
        "the posterior standard deviation) have standard deviations, about one for calibrated posteriors, quarter "
        f"by quarter, of {per['ref'][0]} (reference) against {per['ours'][0]} (recommended) for {PARAM_TEXT['q0']}, "
        f"and of {per['ref'][1]} against {per['ours'][1]} for {PARAM_TEXT['a_au']}, each with a standard error of "
        f"at most {se.max():.2f}."
    )
    far = q["dmean"] > EFFICIENCY_DMEAN[0]  # (quarter, parameter): the median distance misses its target
    gap = q["ref"][far] - q["ours"][far]
    if far.any() and np.all(gap > 0):
        beyond, cases = int(np.sum(q["ref"][far] > 1 + 2 * se[far])), int(far.sum())
        shown = np.round(q["ref"][far], 2) - np.round(q["ours"][far], 2)  # what the printed sds give
        out += (
            f" Wherever the median distance exceeds {EFFICIENCY_DMEAN[0]} ({word(cases)} "
            f"case{'s' if cases > 1 else ''} of quarter and parameter), the reference's standardized errors spread "
            f"more widely than the recommended likelihood's, by {listing([f'{g:.2f}' for g in np.sort(shown)])}; "
            + (f"in {word(beyond)} of them the reference's exceed" if beyond else "in none do the reference's exceed")
            + " one by more than two standard errors."
        )
    return out


def _calibration_sentence(bank: ReferenceBank, best: str) -> str:
    """The sentence on the references' 95% coverage judged on every usable confirmation
    simulation the bank scored, not only the compared ones."""
    judged, (first, *others) = bank.calibration, REFERENCES
    cov = {k: listing([f"{judged.coverage[k][p][1]:.2f}" for p in PARAMETERS]) for k in (*REFERENCES, best)}
    kept = (
        f"all {judged.n_scored}"
        if judged.n_kept == judged.n_scored
        else f"{judged.n_kept} of {judged.n_scored}, the others next to nodes without a synthetic likelihood"
    )
    return (
        f" Judged on every usable confirmation simulation ({kept}), not only on the compared ones, the {95}% "
        "intervals cover the truth of "
        f"{PARAM_TEXT['q0']} and {PARAM_TEXT['a_au']} in {cov[first]} of the cases ({REFERENCE_TEXT[first]} "
        "reference), "
        + "".join(f"{cov[r]} ({REFERENCE_TEXT[r]}), " for r in others)
        + f"and {cov[best]} (the recommended likelihood, interpolated alike)."
    )


def _by_size_sentence(bank: ReferenceBank) -> str:
    """The sentence on how the Gaussian reference's 95% coverage moves with the bank's size
    (nothing when the bank has only its own size)."""
    sizes = bank.bank_sizes
    if len(sizes) < 2:
        return ""
    g = REFERENCES[0]
    per = {p: listing([f"{bank.coverage_by_realizations[n][g][p][1]:.2f}" for n in sizes]) for p in PARAMETERS}
    return (
        f" The bootstrap cannot show what a bank too small lacks (resampled realizations miss the same tail of the "
        f"summaries' distribution at every node), but smaller banks can: built from each node's first "
        f"{listing(sizes)} realizations, the {REFERENCE_TEXT[g]} reference's {95}% intervals cover the truth of "
        f"{PARAM_TEXT['q0']} in {per['q0']} of the observations and that of {PARAM_TEXT['a_au']} in {per['a_au']}."
    )


def _by_size_agreement_sentence(bank: ReferenceBank) -> str:
    """The sentences on how far the recommended likelihood's posteriors, which do not depend on
    the bank, lie from the judging reference built from the bank's first realizations, and,
    for a parameter whose condition 3 fails, whether the bank's size explains part of the miss
    ([`closer_with_bank_size`][clusteremu.evaluation.trust.closer_with_bank_size]); nothing
    for a single size."""
    if len(bank.bank_sizes) < 2:
        return ""
    by = {p: bank.against_by_size(EFFICIENCY_REFERENCE, p) for p in PARAMETERS}
    parts = [
        f"{listing([_against(a) for a in by[p]])} for {PARAM_TEXT[p]}, with median ratios of standard deviations "
        f"of {listing([f'{a.sd_ratio_median:.2f}' for a in by[p]])}"
        for p in PARAMETERS
    ]
    judge = REFERENCE_TEXT[EFFICIENCY_REFERENCE]
    out = (
        f" The recommended likelihood's posteriors do not depend on the bank; measured in standard deviations of the "
        f"{judge} references built from the same first realizations, their means differ from those references' by "
        f"medians (90th percentiles) of {parts[0]}, and of {parts[1]}."
    )
    for p in (p for p in PARAMETERS if not efficiency_met(bank, bank.recommended, p)):
        out += (
            f" For {PARAM_TEXT[p]}, whose condition 3 fails, the whole bank's reference is closer to the recommended "
            "likelihood than any smaller bank's in each statistic that misses its target: part of the miss is the "
            "reference's own Monte Carlo error, which its bootstrap does not show, and a larger bank would be needed "
            "to tell how much of it remains."
            if closer_with_bank_size(bank, p)
            else f" For {PARAM_TEXT[p]}, whose condition 3 fails, a smaller bank's reference is as close to the "
            "recommended likelihood as the whole bank's in a statistic that misses its target, so the bank's size "
            "does not explain the miss."
        )
    return out


def _other_judge_sentence(bank: ReferenceBank, both: list[str]) -> str:
    """Which likelihoods would meet condition 3 for both parameters against the kernel
    reference, the assumption-free one, where they are not those that meet it against the
    judge (`both`, their keys): a verdict that hangs on the judge is said to. Empty otherwise."""
    other = "kernel"
    if other == EFFICIENCY_REFERENCE or not bank.n_compared:
        return ""
    meets = [name for name in bank.agreement if all(efficiency_met(bank, name, p, judge=other) for p in PARAMETERS)]
    if meets == both:
        return ""
    return (
        f" Judged against the {REFERENCE_TEXT[other]} reference instead, "
        + (
            f"{listing([LIKELIHOOD_NAMES.get(n, n) for n in meets])} would meet it for both"
            if meets
            else "none would meet it for both"
        )
        + ": this verdict depends on the reference."
    )
