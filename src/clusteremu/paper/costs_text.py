"""What the emulator costs, in the manuscript's words: one simulation, prediction and
posterior; building and validating the emulator against the posteriors that pay it back;
the study's further sets and the reference bank (the costs section of `_variables.yml`).
"""

from __future__ import annotations

import numpy as np

from ..evaluation.reference_bank import ReferenceBank
from ..inference.registry import LIKELIHOOD_NAMES, spec
from .text import MODEL_TEXT, listing, two_digits

__all__ = ["LOCAL_NODES", "cost_vars", "training_text"]

#: Nodes per parameter of a synthetic-likelihood grid made for one observation alone (over
#: its posterior's support, as the first reference of this study was): the cost the emulator
#: is compared with per posterior.
LOCAL_NODES = 8


def training_text(name: str, train_seconds: dict) -> tuple[float, str, str]:
    """The training of likelihood `name`'s models, from the fitting steps' measured seconds
    (`train_seconds`, by model; None where a fit is not timed): the seconds counted, the
    phrase that says what they count, and a short one ("1.3 of training", after minutes of
    simulation). A likelihood with the P(usable) factor needs the step that fits it together
    with the learned-noise ensemble, whose training that step counts."""
    likelihood = spec(name)
    own = likelihood.model
    roles = [own] + (["learned"] if likelihood.selection and own != "learned" else [])
    timed = {role: train_seconds.get(role) for role in roles}
    seconds = sum(t for t in timed.values() if t is not None)
    if timed[own] is None:
        return seconds, f"a fit of {MODEL_TEXT[own]} that is not timed", "an untimed fit"
    text = f"{seconds / 60:.1f} minutes of training for the recommended likelihood's models"
    if len(roles) > 1:
        text += (
            f" ({timed[own] / 60:.1f} for {MODEL_TEXT[own]}; the rest is the step that fits P(usable) together with "
            "the learned-noise ensemble, and counts that ensemble's training, which P(usable) does not need)"
        )
    return seconds, text, f"{seconds / 60:.1f} of training"


def _breakeven(posteriors: float) -> str:
    """When the emulator pays: after how many single-observation synthetic-likelihood
    posteriors (`posteriors`, its build cost in their units) it has cost less than they would."""
    if posteriors <= 1:
        return "building and validating the emulator costs less than one such posterior, so it pays from the first on"
    return f"the emulator pays by amortization, from about {np.ceil(posteriors):.0f} posteriors on"


def cost_vars(costs: dict, campaign: dict, reference: ReferenceBank, config, n_variants: int) -> dict:
    """The costs section's numbers: what one simulation, prediction and posterior cost; what
    building and validating the emulator cost and the posteriors that pay it back; what the
    study's further sets (`n_variants` misspecified variants among them) and the reference
    bank cost."""
    m = costs["machine"]
    inf = config["inference"]
    sim = costs["simulation_seconds_batched"]
    # What building and validating the emulator cost: the campaign it learns from, the truth
    # and selection sets that judged and chose it, and the training of the recommended
    # likelihood's models.
    truth = config["truth"]
    built = campaign["n_simulations"] + truth["n_points"] * truth["n_realizations"] + inf["n_coverage_sims"]
    train, training, training_short = training_text(costs["likelihood"], costs["train_seconds"])
    build_seconds = built * sim + train
    # The sets that judge the method rather than build it, which a user need not repeat: the
    # development and confirmation sets and the misspecified clusters (the bank is counted apart).
    judged = (
        config["development"]["n_sims"]
        + config["confirmation"]["n_sims"]
        + n_variants * config["misspecification"]["n_sims"]
    )
    # A synthetic-likelihood posterior made for one observation alone: the bank's realizations
    # at LOCAL_NODES x LOCAL_NODES nodes over that posterior's support.
    local = LOCAL_NODES**2 * reference.realizations
    # The reference bank serves every observation at once: its cost, and that cost shared
    # among the observations it compared.
    per_observation = reference.n_simulations / max(len(reference.observations), 1)
    by_likelihood = costs["posterior_seconds_by_likelihood"].items()
    article = "an" if m["cpu"][:1].upper() in "AEIOU" else "a"
    return {
        "machine": (
            f"{m['cores']} cores of {article} {m['cpu']} (JAX on {m['jax_backend'].upper()}, "
            f"{m['jax_devices']} devices)"
        ),
        # A reused measurement (same code, inputs and machine) says when it was taken.
        "measured": costs["measured_utc"][:10],
        # The load when the measurement began (absent from measurements stored before it was kept).
        "load": f"{costs['load_average']:.1f}" if "load_average" in costs else "not recorded",
        "simulation": two_digits(sim),
        "simulation_alone": two_digits(costs["simulation_seconds_alone"]),
        "campaign_minutes": f"{campaign['n_simulations'] * sim / 60:.1f}",
        "prediction_us": f"{1e6 * costs['prediction_seconds_one']:.0f}",
        "prediction_batched_us": two_digits(1e6 * costs["prediction_seconds_batched"]),
        "grid": two_digits(costs["posterior_seconds_grid"]),
        "nuts": two_digits(costs["posterior_seconds_nuts"]),  # one cluster at the centre of the box, alone
        "nuts_median": two_digits(costs["posterior_seconds_by_likelihood"][costs["likelihood"]]["nuts"]),
        "build_simulations": built,
        "build_minutes": two_digits(built * sim / 60),
        "training": training,
        "training_short": training_short,
        "study_simulations": judged,
        "study_minutes": two_digits(judged * sim / 60),
        "local_nodes": LOCAL_NODES,
        "local_simulations": local,
        "local_minutes": two_digits(local * sim / 60),
        "breakeven": _breakeven(build_seconds / (local * sim)),
        "by_likelihood": listing([f"{two_digits(t['nuts'])} s for {LIKELIHOOD_NAMES[n]}" for n, t in by_likelihood]),
        "reference_simulations": reference.n_simulations,
        "reference_minutes": two_digits(reference.n_simulations * sim / 60),
        "reference_simulations_per_observation": f"{per_observation:.0f}",
        "reference_minutes_per_observation": two_digits(per_observation * sim / 60),
    }
