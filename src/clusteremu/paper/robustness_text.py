"""The manuscript's numbers and sentences about the flow's diagnosis, measurement errors and misspecification.

From the typed results of `analysis/19_flow_diagnosis.py`
([`FlowDiagnosis`][clusteremu.evaluation.flow_diagnosis.FlowDiagnosis]), of
`analysis/18_confirmation.py` (its measurement-error row and the model check on the model's
own physics) and of `analysis/21_misspecification.py`
([`MisspecificationStudy`][clusteremu.evaluation.misspecification.MisspecificationStudy]):
what made single flows over-confident, how the recommended likelihood fares with measurement
errors, how often the model check raises a false alarm, and what happens to clusters of
another physics. Every sentence is computed, so it changes with the results.
"""

from __future__ import annotations

import numpy as np

from ..emulators.flow_fit import CLEAN_FRACTION
from ..evaluation.check_calibration import CheckCalibration
from ..evaluation.confirmation import ConfirmationStudy
from ..evaluation.flow_diagnosis import FlowDiagnosis
from ..evaluation.misspecification import ROBUST_SETS, ROBUST_TARGET, MisspecificationStudy
from ..evaluation.robustness import at_beta
from ..inference.model_check import LEVEL
from ..simulation.misspecified import AGE_FACTORS
from .text import PARAM_TEXT, listing, upper_first, word

__all__ = ["diagnosis_vars", "flow_vars", "measurement_vars", "misspecification_vars"]


def _ci(c) -> str:
    return f"{c.coverage:.2f} [{c.lo:.2f}, {c.hi:.2f}]"


def diagnosis_vars(diag: FlowDiagnosis) -> dict:
    """The diagnosis in numbers: one member against the mixture, the members' spread, the lattice."""
    alone = [r for r in diag.rows if r.label.startswith("member")]
    mixture = [r for r in diag.rows if r.label.startswith("mixture")][-1]
    raw = next(r for r in diag.rows if "not dequantized" in r.label)
    z_alone = np.array([r.z_sd["a_au"] for r in alone])
    out = {
        "n_used": diag.n_used,
        "members": word(len(alone)),
        "z_a_alone": f"{z_alone.mean():.2f}",
        "z_a_alone_range": f"{z_alone.min():.2f} to {z_alone.max():.2f}",
        "z_a_mixture": f"{mixture.z_sd['a_au']:.2f}",
        "z_q0_alone": f"{np.mean([r.z_sd['q0'] for r in alone]):.2f}",
        "z_q0_mixture": f"{mixture.z_sd['q0']:.2f}",
        "z_a_raw": f"{raw.z_sd['a_au']:.2f}",
        "cov68_a_alone": f"{np.mean([r.coverage68['a_au'] for r in alone]):.3f}",
        "cov68_a_mixture": f"{mixture.coverage68['a_au']:.3f}",
        "score_alone": f"{np.mean([r.log_score for r in alone]):.3f}",
        "score_mixture": f"{mixture.log_score:.3f}",
        "spread_q0": f"{diag.spread['q0']:.2f}",
        "spread_a": f"{diag.spread['a_au']:.2f}",
        "lattice_raw": f"{diag.lattice['raw']:.2f}",
        "lattice_mixture": f"{diag.lattice['mixture']:.2f}",
    }
    diff = raw.z_sd["a_au"] - z_alone.mean()
    verdict = (
        "no better and no worse calibrated, so the discreteness is not what made single flows over-confident"
        if abs(diff) < 0.03
        else "worse: dequantizing helps as well"
        if diff > 0
        else "better: dequantizing costs calibration, which the mixture has to make up"
    )
    out["raw_sentence"] = (
        f"A single flow fitted to the raw bound fraction $k/N$ puts more density on the lattice of $k/N$ than "
        f"between its points (the log density at a lattice point exceeds that half a star away by "
        f"{out['lattice_raw']} nats on average, {out['lattice_mixture']} for the dequantized mixture), and its "
        f"standardized errors of $a$ have an sd of {out['z_a_raw']}, against {out['z_a_alone']} for single "
        f"dequantized flows: {verdict}."
    )
    alone_sd, mixture_sd = z_alone.mean(), mixture.z_sd["a_au"]
    state = "over-confident about $a$" if alone_sd > 1 else "not over-confident about $a$"
    effect = "closer to" if abs(mixture_sd - 1) < abs(alone_sd - 1) else "no closer to"
    out["abstract"] = (
        f"On {diag.n_used} further simulations, a development set, single normalizing flows are {state} (their "
        f"standardized errors have an sd of {out['z_a_alone']}), and a mixture of {out['members']} flows brings it "
        f"{effect} one ({out['z_a_mixture']})."
    )
    out["sentence"] = (
        f"Single flows that differ only in initialization and minibatch order disagree about the posterior means "
        f"by a median of {out['spread_q0']} posterior standard deviations for $Q_0$ and {out['spread_a']} for $a$. "
        f"Alone, the {out['members']} members give standardized errors of $a$ with a standard deviation of "
        f"{out['z_a_alone']} ({out['z_a_alone_range']}) and of $Q_0$ {out['z_q0_alone']}; their mixture gives "
        f"{out['z_a_mixture']} for $a$ and {out['z_q0_mixture']} for $Q_0$, and raises the mean log posterior "
        f"density at the truth from {out['score_alone']} to {out['score_mixture']}."
    )
    return out


def measurement_vars(conf: ConfirmationStudy) -> dict:
    """The recommended likelihood with measurement errors on the confirmation set."""
    m = conf.measurement.result
    out = {"sd": _sd_text(conf.measurement.sd)}
    for p in ("q0", "a_au"):
        r = m.parameter(p)
        out |= {f"cov68_{p}": _ci(r.coverage[0]), f"cov95_{p}": _ci(r.coverage[1]), f"sbc_p_{p}": f"{r.sbc_p:.2f}"}
        worst = min((q[0] for q in r.quarters if q[0].n), key=lambda c: c.coverage)
        out[f"worst68_{p}"] = _ci(worst)
    rejected = list(m.rejected)
    out["sentence"] = (
        f"With measurement errors of {out['sd']} added to the observations and given to the likelihood, its "
        f"{68}% and {95}% intervals cover $Q_0$ in {out['cov68_q0']} and {out['cov95_q0']} of the cases and $a$ in "
        f"{out['cov68_a_au']} and {out['cov95_a_au']}; the lowest {68}% coverage of a $Q_0$ quarter is "
        f"{out['worst68_q0']} for $Q_0$ and {out['worst68_a_au']} for $a$, and the SBC test gives $p$ = "
        f"{out['sbc_p_q0']} and {out['sbc_p_a_au']}. "
        + (
            f"Holm's procedure rejects {listing(rejected)}."
            if rejected
            else "Holm's procedure rejects none of its calibration tests."
        )
    )
    return out


def _sd_text(sd) -> str:
    return f"{sd[0]:g} in $f_\\mathrm{{bound}}$, {sd[1]:g} km/s in $\\sigma_v$ and {sd[2]:g} AU in $r_h$"


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
    parts = []
    for row in study.rows[1:]:
        t, u = row.tempered[0], row.unflagged
        text = (
            f"{row.label}: {95}% coverage {t.coverage95['q0']:.2f} for $Q_0$ and {t.coverage95['a_au']:.2f} for $a$, "
            f"bias {t.z_mean['q0']:+.2f} and {t.z_mean['a_au']:+.2f} posterior sds"
        )
        if checked:
            kept = "none" if u is None else f"{u.coverage95['q0']:.2f} and {u.coverage95['a_au']:.2f}"
            text += f", {100 * row.flagged:.0f}% flagged, {kept} among the clusters not flagged"
        if beta is not None:
            r = at_beta(row.tempered, beta)
            text += f", {r.coverage95['q0']:.2f} and {r.coverage95['a_au']:.2f} tempered"
        parts.append(text)
    out["sentence_sets"] = "; ".join(parts) + "."
    out["calibration"] = (
        f"On the {check.n_used} usable simulations of the development set only {out['raw_false']}% of the raw "
        f"$p$-values fall below {out['level']}%, so the calibrated check flags below a raw $p$-value of "
        f"{out['threshold']}. On the confirmation set, which the calibration never saw, it flags "
        f"{out['false_exact']} of the {exact.n_used} clusters of the model's own physics ({out['false_exact_se']} "
        f"binomial standard errors from {out['level']}%) and {out['false_measured']} of the same clusters observed "
        "with measurement errors."
        if checked
        else "The likelihood this profile recommends has no flow, so its posteriors come without the check."
    )
    out["warned"] = _warned_sentence(study, checked)
    out["abstract"] = _abstract(study, exact, checked)
    read = "read the model check printed with every posterior and " if checked else ""
    out["advice"] = (
        f"With a real cluster a user should therefore {read}temper the likelihood to the power {beta:g} "
        "(@sec-misspecification)."
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
        others = len(study.rows) - 1 - len(study.choices)
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
            + f"; on the model's own physics it costs contraction (medians: {out['contraction_cost']}). We recommend "
            "it, together with the check, for any real cluster"
            + (
                f": besides the held-out halves, the {word(others)} other sets test it on deviations it was not "
                "chosen on."
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
    wrong = [r for r in sets if min(r.tempered[0].coverage95.values()) < ROBUST_TARGET]
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
            f", while {listing([f'those {_short(r)}' for r in fine])} keep at least {ROBUST_TARGET:.2f}. "
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
        + "."
    )


def _pair(coverage: dict) -> str:
    """Both parameters' coverage, "0.71 and 0.80"."""
    return f"{coverage['q0']:.2f} and {coverage['a_au']:.2f}"


def _warned_sentence(study: MisspecificationStudy, checked: bool) -> str:
    """Which sets the check protects: those whose clusters it lets through still cover at
    least 0.90; those where it flags at least half but what it lets through is wrong too
    (their coverage printed); and those where it does neither."""
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
    if neither:
        parts.append(f"for the clusters {listing([_short(r) for r in neither])} it does neither")
    return upper_first("; ".join(parts)) + "."


def _kept_covers(row) -> bool:
    """Whether the clusters the check lets through still cover 0.90 of both parameters at 95%."""
    return row.unflagged is not None and min(row.unflagged.coverage95.values()) >= 0.9


def flow_vars(config, flow: dict) -> dict:
    """The flow mixture's architecture and training, as the text states them."""
    f = config["flow"]
    sd = f["measurement_sd_max"]
    epochs = flow["epochs"]
    return {
        "members": word(f["members"]),
        "members_n": f["members"],
        "layers": word(f["flow_layers"]),
        "knots": f["knots"],
        "interval": f"{f['interval']:g}",
        "width": f["nn_width"],
        "batch": f["batch_size"],
        "lr": f"{f['learning_rate']:g}",
        "patience": f["patience_epochs"],
        "epochs_range": f"{min(epochs)} to {max(epochs)}",
        "sd_max": _sd_text([sd["f_bound"], sd["sigma_v_kms"], sd["r_h_au"]]),
        "clean_percent": f"{100 * CLEAN_FRACTION:g}",
        "n_stars_bin": f"{1 / config['simulation']['n_stars']:g}",
    }
