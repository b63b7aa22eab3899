"""The manuscript's numbers and sentences about clusters that differ from the model.

From the typed results of `analysis/18_confirmation.py` (the model check on the model's own
physics, with and without measurement errors; [`CheckCalibration`][
clusteremu.evaluation.check_calibration.CheckCalibration], its null) and of
`analysis/21_misspecification.py`
([`MisspecificationStudy`][clusteremu.evaluation.misspecification.MisspecificationStudy]):
how often the model check raises a false alarm, what happens to clusters of another physics,
which of them the check protects, and what tempering restores and costs. Every sentence is
computed, so it changes with the results.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.check_calibration import CheckCalibration
from ..evaluation.confirmation import ConfirmationStudy
from ..evaluation.coverage import binomial_se
from ..evaluation.misspecification import ROBUST_SETS, ROBUST_TARGET, MisspecificationStudy
from ..evaluation.robustness import at_beta
from ..inference.model_check import LEVEL
from ..simulation.misspecified import AGE_FACTORS
from .text import PARAM_TEXT, listing, upper_first, word
from .verdict import coverage_limit

__all__ = ["misspecification_vars"]


def misspecification_vars(study: MisspecificationStudy, conf: ConfirmationStudy, check: CheckCalibration) -> dict:
    """The model check's calibration and false alarms, the misspecified sets and the robust option, for the text."""
    exact, measured = conf.robustness
    beta = study.robust_beta
    out = {
        "level": f"{100 * LEVEL:g}",
        "n_null": check.n_used,
        "threshold": f"{check.threshold:.2f}" if check.n_used else "—",
        "raw_false": f"{100 * check.raw_false_alarms:.1f}" if check.n_used else "—",
        "n_sims": study.n_total,
        "target": f"{ROBUST_TARGET:.2f}",
        "robust_sets": listing([study.row(n).label for n in ROBUST_SETS]),
        "beta": "none" if beta is None else f"{beta:g}",
        "n_false": exact.n_used,
        "ages": listing([f"{f:g}" for f in AGE_FACTORS]),
    }
    se = np.sqrt(LEVEL * (1 - LEVEL) / exact.n_used)
    checked = exact.flagged is not None and check.n_used > 0  # only a flow likelihood has the check
    for key, row in (("exact", exact), ("measured", measured)):
        out[f"false_{key}"] = f"{row.flagged:.3f} [{row.flagged_lo:.3f}, {row.flagged_hi:.3f}]" if checked else "—"
        out[f"false_{key}_se"] = f"{(row.flagged - LEVEL) / se:+.1f}".replace("-", "−") if checked else "—"
    out["calibration"] = (
        f"On the {check.n_used} usable simulations of the development set only {out['raw_false']}% of the raw "
        f"$p$-values fall below {out['level']}%, so the calibrated check flags below a raw $p$-value of "
        f"{out['threshold']}. On the confirmation set, which the calibration never saw, it flags "
        f"{out['false_exact']} of the {exact.n_used} clusters of the model's own physics ({out['false_exact_se']} "
        f"binomial standard errors from {out['level']}%) and {out['false_measured']} of the same clusters observed "
        f"with measurement errors ({out['false_measured_se']} standard errors). The misspecified clusters below are "
        "observed without measurement errors, so the check's power on noisy observations was not measured."
        if checked
        else "The likelihood this profile recommends has no flow, so its posteriors come without the check."
    )
    out["warned"] = _warned_sentence(study, checked)
    out["abstract"] = _abstract(study, exact, checked)
    out["brief"] = _brief(study, exact, checked)
    read = "read the model check printed with every posterior and " if checked else ""
    missed = [r for r in study.rows[1:] if checked and r.unflagged is not None and not _kept_covers(r)]
    caveat = (
        f", knowing that the check is a warning, not a guarantee: the clusters {listing([_short(r) for r in missed])} "
        "that it lets through are over-confident too"
        if missed
        else ""
    )
    # The advice follows the abstract's sentence, which states the over-coverage with its numbers.
    out["advice"] = (
        f"With a real cluster a user should therefore {read}temper the likelihood to the power {beta:g}, which "
        + (
            "makes the intervals conservative for clusters of the model's own physics"
            if _over_covers(exact, beta)
            else "keeps the intervals calibrated for clusters of the model's own physics "
            f"({95}% coverage {_pair(at_beta(exact.tempered, beta).coverage95)})"
        )
        + f"{caveat} (@sec-misspecification)."
        if beta is not None
        else f"With a real cluster a user should therefore {read}expect intervals too narrow by an unknown amount "
        "(@sec-misspecification)."
    )
    if beta is None:
        out["robust"] = (
            f"No tempering exponent of those tried reaches {95}% coverage of {out['target']} for both parameters on "
            f"{out['robust_sets']}."
        )
        out["contraction_cost"] = "none"
    else:
        chosen = at_beta(exact.tempered, beta)
        out["contraction_cost"] = ", ".join(
            f"{PARAM_TEXT[p]} from {exact.tempered[0].contraction[p]:.1f} to {chosen.contraction[p]:.1f}"
            for p in ("q0", "a_au")
        )
        others = [r for r in study.rows[1:] if r.name not in {c.name for c in study.choices}]
        calibrated = all(min(r.tempered[0].coverage95.values()) >= ROBUST_TARGET for r in others)
        out["robust"] = (
            f"Tempering to the power {beta:g} is the largest exponent of those tried that reaches {95}% coverage of "
            f"{out['target']} for both parameters on the "
            f"{_half_of([study.row(c.name) for c in study.choices], 'even-numbered half')}. On the odd-numbered "
            f"half, which the choice never saw, it takes the {95}% coverage of $Q_0$ and $a$ "
            + listing(
                [
                    f"from {_pair(c.at(1.0).coverage95)} to {_pair(c.at(beta).coverage95)} "
                    f"({_short(study.row(c.name))}, {c.n_held_out} clusters)"
                    for c in study.choices
                ]
            )
            + f".{_narrow68(study, beta, sentence=True)} On the model's own physics it costs contraction "
            f"(medians: {out['contraction_cost']})"
            + (
                f" and makes the {95}% intervals conservative: they cover $Q_0$ and $a$ in "
                f"{_pair(chosen.coverage95)} of the cases (the {68}% intervals in {_pair(chosen.coverage68)}). "
                "It is therefore a hedge for a cluster whose physics may "
                "differ from the model's, paid for with calibration where it does not, and we recommend it, "
                "together with the check, at that price"
                if _over_covers(exact, beta)
                else f", and its {95}% intervals cover $Q_0$ and $a$ in {_pair(chosen.coverage95)} of the cases. "
                "We recommend it, together with the check, for any real cluster"
            )
            + (
                (
                    f". The {word(len(others))} other sets, which cover at least {out['target']} without it, show "
                    "only that it does not under-cover deviations it was not chosen on."
                    if calibrated
                    else f": besides the held-out halves, the {word(len(others))} other sets test it on deviations "
                    "it was not chosen on."
                )
                if others
                else "."
            )
        )
    return out


#: How the abstract names each misspecified set (the table's labels are longer).
_SHORT = {"kroupa": "with a Kroupa mass spectrum", "binaries": "with unresolved binaries"}


def _short(row) -> str:
    return _SHORT.get(row.name, row.label)


def _half_of(rows, half: str = "half") -> str:
    """`half` of each set of `rows`, the sets named apart so that no reader takes them for one:
    "half of each of the clusters with a Kroupa mass spectrum and those observed at 1.5 T"."""
    names = [_short(r) for r in rows]
    each = " each of" if len(names) > 1 else ""
    return f"{half} of{each} " + listing([f"the clusters {names[0]}", *(f"those {n}" for n in names[1:])])


def _abstract(study: MisspecificationStudy, exact, checked: bool) -> str:
    """The misspecification study in three sentences: which sets get wrong posteriors, what the
    check flags, what tempering restores."""
    sets = study.rows[1:]
    wrong = _over_confident_sets(study)
    fine = [r for r in sets if r not in wrong]
    text = (
        "Of clusters that differ from the model in one way, "
        + (
            listing([f"those {_short(r)}" for r in wrong])
            + f" get over-confident posteriors ({95}% coverage "
            + listing(
                [f"{r.tempered[0].coverage95['q0']:.2f} and {r.tempered[0].coverage95['a_au']:.2f}" for r in wrong]
            )
            + " for $Q_0$ and $a$)"
            if wrong
            else f"none gets a {95}% coverage below {ROBUST_TARGET:.2f}"
        )
        + (
            f", while {listing([f'those {_short(r)}' for r in fine])} keep a {95}% coverage of at least "
            f"{ROBUST_TARGET:.2f}{_lax(fine)}. "
            if fine and wrong
            else ". "
        )
    )
    if checked:
        text += (
            "A posterior-predictive check calibrated on held-out simulations flags "
            + listing([f"{100 * r.flagged:.0f}% of the clusters {_short(r)}" for r in sets])
            + f", against {100 * exact.flagged:.0f}% of those of the model's own physics. "
        )
    beta = study.robust_beta
    if beta is None:
        return text + f"No tempering of the likelihood tried restores {95}% coverage of at least {ROBUST_TARGET:.2f}."
    return text + (
        f"Tempering the likelihood to the power {beta:g}, chosen on "
        f"{_half_of([study.row(c.name) for c in study.choices])}, takes the lower {95}% coverage of the two "
        "parameters on the other half "
        + listing(
            [
                f"from {min(c.at(1.0).coverage95.values()):.2f} to {min(c.at(beta).coverage95.values()):.2f} "
                f"for those {_short(study.row(c.name))}"
                for c in study.choices
            ]
        )
        + (
            f", at the price of over-covering clusters of the model's own physics ({95}% coverage "
            f"{_pair(at_beta(exact.tempered, beta).coverage95)})."
            if _over_covers(exact, beta)
            else "."
        )
    )


def _lax(rows) -> str:
    """The parenthesis saying where 'at least 0.90' lets pass a 95% coverage that two binomial
    standard errors, the paper's test elsewhere, would call over-confident; empty where none."""
    low = [(r, p, c) for r in rows for p, c in r.tempered[0].coverage95.items() if c < coverage_limit(r.n_used)]
    if not low:
        return ""
    return (
        " (a lax threshold: "
        + listing(
            [
                f"{c:.2f} for {PARAM_TEXT[p]} of those {_short(r)} is {(0.95 - c) / binomial_se(0.95, r.n_used):.1f} "
                "binomial standard errors below 0.95"
                for r, p, c in low
            ]
        )
        + ")"
    )


def _narrow68(study: MisspecificationStudy, beta: float, sentence: bool = False) -> str:
    """What tempering with `beta` leaves of the 68% intervals on the held-out halves, where a
    68% coverage is more than two binomial standard errors below nominal: a clause ("though
    its 68% intervals still cover as little as 0.56 there"), or with `sentence` one sentence
    with each such half's pair; empty where none is."""
    low = [c for c in study.choices if min(c.at(beta).coverage68.values()) < coverage_limit(c.n_held_out, level=0.68)]
    if not low:
        return ""
    if not sentence:
        least = min(min(c.at(beta).coverage68.values()) for c in low)
        return f", though its {68}% intervals still cover as little as {least:.2f} there"
    return (
        f" Its {68}% intervals stay over-confident there: they cover $Q_0$ and $a$ in "
        + listing([f"{_pair(c.at(beta).coverage68)} ({_short(study.row(c.name))})" for c in low])
        + f" of the cases, so tempering mends the {95}% intervals, not the whole posterior."
    )


def _over_confident_sets(study: MisspecificationStudy) -> list:
    """The misspecified sets whose untempered 95% coverage of a parameter is below the target."""
    return [r for r in study.rows[1:] if min(r.tempered[0].coverage95.values()) < ROBUST_TARGET]


def _brief(study: MisspecificationStudy, exact, checked: bool) -> str:
    """The misspecification study in one sentence, for the abstract (the Conclusions give all
    of [`_abstract`][]): the sets that get over-confident posteriors, how many of them the check
    flags and how those it lets through cover, what tempering restores on the clusters its
    choice never saw, and what it costs on clusters of the model's own physics (`exact`)."""
    wrong = _over_confident_sets(study)
    if not wrong:
        return f"Clusters that differ from the model in one way keep a {95}% coverage of at least {ROBUST_TARGET:.2f}."
    low = min(min(r.tempered[0].coverage95.values()) for r in wrong)
    text = (
        f"Of clusters that differ from the model in one way, {listing([f'those {_short(r)}' for r in wrong])} "
        f"get over-confident posteriors ({95}% coverage down to {low:.2f})"
    )
    if checked:
        text += f"; a posterior-predictive check flags {listing([f'{100 * r.flagged:.0f}%' for r in wrong])} of them"
        through = [r for r in wrong if r.unflagged is not None and not _kept_covers(r)]
        if through:
            covered = "; ".join(_pair(r.unflagged.coverage95) for r in through)
            text += f", but those it lets through cover only {covered} ($Q_0$, $a$) at {95}%"
    beta = study.robust_beta
    if beta is None:
        return text + ", and no tempering of the likelihood tried restores the coverage."
    restored = min(min(c.at(beta).coverage95.values()) for c in study.choices)
    text += (
        f". Tempering the likelihood to the power {beta:g} raises the {95}% coverage to at least "
        f"{restored:.2f} on clusters its choice never saw{_narrow68(study, beta)}"
    )
    if _over_covers(exact, beta):
        text += (
            f", and makes the {95}% intervals conservative for clusters of the model's own physics "
            f"({_pair(at_beta(exact.tempered, beta).coverage95)})"
        )
    return text + "."


def _over_covers(exact, beta: float) -> bool:
    """Whether tempering with `beta` makes the 95% intervals of the model's own clusters (`exact`)
    cover both parameters more than two binomial standard errors above nominal."""
    return min(at_beta(exact.tempered, beta).coverage95.values()) > coverage_limit(exact.n_used, above=True)


def _pair(coverage: dict) -> str:
    """Both parameters' coverage, "0.71 and 0.80"."""
    return f"{coverage['q0']:.2f} and {coverage['a_au']:.2f}"


def _warned_sentence(study: MisspecificationStudy, checked: bool) -> str:
    """Which sets the check protects: those whose clusters it lets through still cover at
    least 0.90; those where it flags at least half but what it lets through is wrong too
    (their coverage printed); and those where it does neither (its flag rate and their coverage printed)."""
    if not checked:
        return "The recommended likelihood has no flow, and so no model check."
    sets = study.rows[1:]
    safe = [r for r in sets if _kept_covers(r)]
    most = [r for r in sets if not _kept_covers(r) and r.flagged >= 0.5]
    neither = [r for r in sets if r not in safe and r not in most]
    parts = []
    if safe:
        parts.append(
            f"of the clusters {listing([_short(r) for r in safe])}, those the check lets through still get {95}% "
            "intervals that cover both parameters in at least 0.90 of cases"
        )
    parts += [
        f"for the clusters {_short(r)} it flags {100 * r.flagged:.0f}% of them, but the {r.n_unflagged} it lets "
        "through "
        + (f"are over-confident too ({95}% coverage {_pair(r.unflagged.coverage95)})" if r.unflagged else "are few")
        for r in most
    ]
    parts += [
        f"for the clusters {_short(r)} it flags fewer than half ({100 * r.flagged:.0f}%), and "
        + (f"those it lets through cover only {_pair(r.unflagged.coverage95)}" if r.unflagged else "lets none through")
        for r in neither
    ]
    return upper_first("; ".join(parts)) + "."


def _kept_covers(row) -> bool:
    """Whether the clusters the check lets through still cover 0.90 of both parameters at 95%."""
    return row.unflagged is not None and min(row.unflagged.coverage95.values()) >= 0.9
