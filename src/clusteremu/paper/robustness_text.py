"""The manuscript's numbers and sentences about the flow's diagnosis and measurement errors.

From the typed results of `analysis/19_flow_diagnosis.py`
([`FlowDiagnosis`][clusteremu.evaluation.flow_diagnosis.FlowDiagnosis]), of
`analysis/18_confirmation.py` (its measurement-error row): what made single flows
over-confident and how the recommended likelihood fares with measurement errors; the flow's
architecture and training as the text states them. The sentences on clusters of another
physics are in [`clusteremu.paper.misspecification_text`][]. Every sentence is computed, so
it changes with the results.
"""

from __future__ import annotations

import numpy as np

from ..emulators.flow_fit import CLEAN_FRACTION
from ..evaluation.confirmation import ConfirmationStudy
from ..evaluation.flow_diagnosis import FlowDiagnosis
from .quarters import QUARTER_NAMES
from .text import PARAM_TEXT, listing, word

__all__ = ["diagnosis_vars", "flow_vars", "measurement_vars"]


def _ci(c) -> str:
    return f"{c.coverage:.2f} [{c.lo:.2f}, {c.hi:.2f}]"


def _two_decimals(x: float) -> str:
    """`x` to two decimals, without the minus sign of a value that rounds to zero ("0.00", not "-0.00")."""
    return f"{round(x, 2) + 0.0:.2f}"


def _raw_score(raw: float, alone: list[float]) -> str:
    """The clause on the log score at the truth of the flow fitted to the raw bound fraction,
    where it lies outside the dequantized members' range (`alone`); empty where it is within."""
    if min(alone) <= raw <= max(alone):
        return ""
    side, where, effect = ("lower", "below", "more") if raw < min(alone) else ("higher", "above", "less")
    return (
        f"; its log score at the truth is {side}, though ({raw:.2f} against {np.mean(alone):.2f}, {where} every "
        f"dequantized member's), so dequantizing puts {effect} posterior density at the truth"
    )


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
        **_as_table(np.mean([r.log_score for r in alone]), mixture.log_score),
        "spread_q0": f"{diag.spread['q0']:.2f}",
        "spread_a": f"{diag.spread['a_au']:.2f}",
        "lattice_raw": _two_decimals(diag.lattice["raw"]),
        "lattice_mixture": _two_decimals(diag.lattice["mixture"]),
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
        f"dequantized flows: {verdict}{_raw_score(raw.log_score, [r.log_score for r in alone])}."
    )
    alone_sd = z_alone.mean()
    # The standard error of a sample sd of n unit-variance values: how far from one is noise.
    excess = (alone_sd - 1) / np.sqrt(1 / (2 * (diag.n_used - 1)))
    out["sentence"] = (
        f"Single flows that differ only in initialization and minibatch order disagree about the posterior means "
        f"by a median of {out['spread_q0']} posterior standard deviations for $Q_0$ and {out['spread_a']} for $a$. "
        f"Alone, the {out['members']} members give standardized errors of $a$ with a standard deviation of "
        f"{out['z_a_alone']} ({out['z_a_alone_range']}; {abs(excess):.1f} standard errors of an sd from one) and "
        f"of $Q_0$ {out['z_q0_alone']}; their mixture gives "
        f"{out['z_a_mixture']} for $a$ and {out['z_q0_mixture']} for $Q_0$, and raises the mean log posterior "
        f"density at the truth from {out['score_alone']} to {out['score_mixture']}."
    )
    return out


def _as_table(alone: float, mixture: float) -> dict:
    """The two log scores with the diagnosis table's two decimals, or three where two would
    print them equal."""
    digits = 2 if f"{alone:.2f}" != f"{mixture:.2f}" else 3
    return {"score_alone": f"{alone:.{digits}f}", "score_mixture": f"{mixture:.{digits}f}"}


def measurement_vars(conf: ConfirmationStudy) -> dict:
    """The recommended likelihood with measurement errors on the confirmation set."""
    m = conf.measurement.result
    out = {"sd": _sd_text(conf.measurement.sd)}
    for p in ("q0", "a_au"):
        r = m.parameter(p)
        out |= {f"cov68_{p}": _ci(r.coverage[0]), f"cov95_{p}": _ci(r.coverage[1]), f"sbc_p_{p}": f"{r.sbc_p:.2f}"}
        for j, level in enumerate((68, 95)):
            k, worst = min(((k, q[j]) for k, q in enumerate(r.quarters) if q[j].n), key=lambda c: c[1].coverage)
            # which quarter: two equal-looking intervals would otherwise read as one number printed twice
            out[f"worst{level}_{p}"] = f"{_ci(worst)} for {PARAM_TEXT[p]} (in the {QUARTER_NAMES[k]} quarter)"
    rejected = list(m.rejected)
    out["sentence"] = (
        f"With measurement errors of {out['sd']} added to the observations and given to the likelihood, the "
        "recommended likelihood's "
        f"{68}% and {95}% intervals cover $Q_0$ in {out['cov68_q0']} and {out['cov95_q0']} of the cases and $a$ in "
        f"{out['cov68_a_au']} and {out['cov95_a_au']}; the lowest {68}% coverage in a quarter of the $Q_0$ range is "
        f"{out['worst68_q0']} and {out['worst68_a_au']}, the lowest {95}% coverage {out['worst95_q0']} and "
        f"{out['worst95_a_au']}, and the SBC test gives $p$ = "
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
