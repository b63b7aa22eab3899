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
from ..evaluation.binomial import wilson_interval
from ..evaluation.confirmation import ConfirmationStudy
from ..evaluation.flow_diagnosis import FlowDiagnosis
from ..evaluation.misspecification import MisspecificationStudy
from ..evaluation.robustness import TEMPERING
from ..inference.model_check import LEVEL
from .text import PARAM_TEXT, listing, word

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
    ratio = diag.spread["a_au"] / diag.spread["q0"]
    out["sentence"] = (
        f"Single flows that differ only in initialization and minibatch order disagree about the posterior mean of "
        f"$a$ by a median {out['spread_a']} posterior standard deviations, about {ratio:.0f} times their disagreement "
        f"about $Q_0$ ({out['spread_q0']}): a flow's own fitting noise is small next to what the data say about "
        f"$Q_0$ and not next to what they say about $a$. Alone, the {out['members']} members give standardized "
        f"errors of $a$ with a standard deviation of {out['z_a_alone']} ({out['z_a_alone_range']}); their mixture "
        f"gives {out['z_a_mixture']}, and raises the mean log posterior density at the truth from "
        f"{out['score_alone']} to {out['score_mixture']}."
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


def misspecification_vars(study: MisspecificationStudy, conf: ConfirmationStudy) -> dict:
    """The model check's false alarms and the misspecified sets, for the text."""
    exact, measured = conf.robustness
    out = {"level": f"{LEVEL:g}", "beta": f"{TEMPERING[-1]:g}", "n_sims": study.n_total}
    for key, row in (("exact", exact), ("measured", measured)):
        k = round(row.flagged * row.n_used)
        lo, hi = wilson_interval(k, row.n_used)
        out[f"false_{key}"] = f"{row.flagged:.3f} [{lo:.3f}, {hi:.3f}]"
    out["n_false"] = exact.n_used
    parts = []
    for row in study.rows[1:]:
        t, last = row.tempered[0], row.tempered[-1]
        parts.append(
            f"{row.label}: {95}% coverage {t.coverage95['q0']:.2f} for $Q_0$ and {t.coverage95['a_au']:.2f} for $a$, "
            f"{100 * row.flagged:.0f}% flagged, {last.coverage95['q0']:.2f} and {last.coverage95['a_au']:.2f} "
            f"tempered"
        )
    out["sentence_sets"] = "; ".join(parts) + "."
    well = exact.tempered
    out["contraction_cost"] = ", ".join(
        f"{PARAM_TEXT[p]} {well[0].contraction[p]:.1f} to {well[-1].contraction[p]:.1f}" for p in ("q0", "a_au")
    )
    return out


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
