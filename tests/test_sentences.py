"""The manuscript's computed sentences say what their numbers show, including the awkward cases."""

from dataclasses import replace

from clusteremu.evaluation.misspecification import HeldOutChoice, MisspecificationStudy
from clusteremu.evaluation.robustness import TEMPERING, RobustnessRow, TemperedRow
from clusteremu.evaluation.trust import ACCURACY_TARGETS
from clusteremu.paper.costs_text import _breakeven, training_text
from clusteremu.paper.misspecification_text import _abstract, _brief, _warned_sentence
from clusteremu.paper.numbers import _learning_answer, truth_vars
from clusteremu.paper.verdict import width_sentence


def test_a_miss_the_tables_round_away_is_named_with_three_decimals():
    low = [0.1, 0.1, 0.1]
    models = {
        m: {"ratio68": low, "ratio95": [0.2, 0.2, ACCURACY_TARGETS[1] + 0.002 if m == "mean" else 0.2]}
        for m in ("mean", "learned", "gp", "flow")
    }
    sentence = truth_vars(
        {"truth": {"n_points": 12, "n_realizations": 48, "interior_fraction": 0.8}},
        {"models": models, "perfect": [0.1, 0.2], "physical_range": {}},
    )["sentence"]
    assert "even stay within" in sentence and "the mean ensemble's 95th percentile is 0.502" in sentence
    models["mean"]["ratio95"] = [0.2, 0.2, ACCURACY_TARGETS[1] + 0.01]  # visible at two decimals: no remark
    sentence = truth_vars(
        {"truth": {"n_points": 12, "n_realizations": 48, "interior_fraction": 0.8}},
        {"models": models, "perfect": [0.1, 0.2], "physical_range": {}},
    )["sentence"]
    assert "third decimal" not in sentence


def _rows(cov_by_beta):
    return [TemperedRow(b, {"q0": c, "a_au": c}, {"q0": c, "a_au": c}, {}, {}, {}) for b, c in cov_by_beta.items()]


def _row(name, coverage, flagged, unflagged):
    tempered = _rows({b: coverage if b == 1.0 else 0.95 for b in TEMPERING})
    kept = None if unflagged is None else _rows({1.0: unflagged})[0]
    return RobustnessRow(name, name, 100, tempered, [0.5] * 100, flagged, 0.0, 1.0, 40, kept)


def _study(rows, choices=(), beta=None):
    model = _row("model", 0.95, 0.05, 0.95)
    return MisspecificationStudy("flow+selection", 100, 1, [model, *rows], list(choices), beta, [])


def test_the_check_sentence_prints_the_coverage_of_what_it_lets_through_where_that_is_wrong():
    study = _study([_row("kroupa", 0.7, 0.51, 0.65), _row("binaries", 0.96, 0.1, 0.95), _row("age2", 0.8, 0.2, 0.8)])
    text = _warned_sentence(study, checked=True)
    assert text.startswith("Of the clusters with unresolved binaries, those the check lets through still get")
    kroupa = "with a Kroupa mass spectrum it flags 51% of them, but the 40 it lets through are over-confident too"
    assert f"{kroupa} (95% coverage 0.65 and 0.65)" in text
    # neither flagged by half nor safe when let through: both numbers, no riddle ("it does neither")
    assert text.endswith(
        "for the clusters age2 it flags fewer than half (20%), and those it lets through cover only 0.80 and 0.80."
    )


def test_the_abstract_reports_tempering_on_the_held_out_half_it_was_not_chosen_on():
    choices = [
        HeldOutChoice(
            "kroupa", 50, 50, _rows({1.0: 0.6, 0.5: 0.95, 0.25: 0.99}), _rows({1.0: 0.71, 0.5: 0.88, 0.25: 0.99})
        )
    ]
    study = _study([_row("kroupa", 0.7, 0.51, 0.65)], choices, beta=0.5)
    text = _abstract(study, study.rows[0], checked=True)
    # the held-out half's numbers (0.71 -> 0.88), not the tuning half's (0.60 -> 0.95)
    assert "chosen on half of the clusters with a Kroupa mass spectrum" in text
    assert "on the other half from 0.71 to 0.88 for those with a Kroupa mass spectrum" in text
    # two sets are named apart: no reader takes them for one set of clusters with both deviations
    two = [choices[0], replace(choices[0], name="age15")]
    study = _study([_row("kroupa", 0.7, 0.51, 0.65), _row("age15", 0.8, 0.4, 0.8)], two, beta=0.5)
    text = _abstract(study, study.rows[0], checked=True)
    assert "chosen on half of each of the clusters with a Kroupa mass spectrum and those age15," in text
    # calibrated when tempered (0.95 on 100 clusters): no price named; over-covering (1.00, more than two
    # binomial standard errors above 0.95 on 100 clusters, where 0.99 is not): named
    assert "over-covering" not in text
    model = _row("model", 0.95, 0.05, 0.95)
    model = replace(model, tempered=_rows({b: 0.95 if b == 1.0 else 1.0 for b in TEMPERING}))
    text = _abstract(study, model, checked=True)
    assert text.endswith(
        "at the price of over-covering clusters of the model's own physics (95% coverage 1.00 and 1.00)."
    )


def test_the_break_even_is_not_a_plural_of_one():
    assert _breakeven(0.4) == (
        "building and validating the emulator costs less than one such posterior, so it pays from the first on"
    )
    assert _breakeven(2.3) == "the emulator pays by amortization, from about 3 posteriors on"


def _integration(within):
    from clusteremu.evaluation.misspecification import IntegrationCheck

    return IntegrationCheck("kroupa", 300, 4.0e-6, 1.4e-3, 3.2e-3, 5, 5.1e-5, 238, within)


CAMPAIGN = {
    "energy_error_median": 1.1e-6,
    "energy_error_p99": 2.8e-5,
    "energy_error_max": 5.1e-5,
    "energy_error_threshold": 0.001,
}


def test_the_integrator_sentence_says_whose_over_confidence_it_is():
    from clusteremu.paper.integration_text import integration_sentence

    study = replace(_study([_row("kroupa", 0.71, 0.51, 0.65)]), integration=[_integration({"q0": 0.73, "a_au": 0.7})])
    text = integration_sentence(study, CAMPAIGN)
    assert "less well than that of the model's" in text and "$4.0 \\times 10^{-6}$" in text
    assert "5 of 300 exceed the threshold of 0.001" in text
    # the other exclusion is named too, so that the usable count adds up (the row's 100 here)
    assert "as are those left with too few bound stars for $\\sigma_v$ and $r_h$: 100 of the 300 are usable." in text
    assert text.endswith(
        "their over-confidence is the mass spectrum's, not that of the clusters the integrator follows less well."
    )
    # Within 2 s.e. at n = 238 is about +0.06: a subset covering 0.90 is better than the set by more.
    better = replace(study, integration=[_integration({"q0": 0.90, "a_au": 0.71})])
    assert integration_sentence(better, CAMPAIGN).endswith("comes from the clusters the integrator follows less well.")
    assert integration_sentence(replace(study, integration=[]), CAMPAIGN) == ""
    same = {**CAMPAIGN, "energy_error_median": 3.5e-6}
    assert "about as well as that of the model's" in integration_sentence(study, same)


def test_the_training_counted_is_the_recommended_likelihoods_and_says_what_it_counts():
    seconds = {"flow": 48.0, "learned": 30.0, "gp": None, "mean": 6.0}
    total, text, short = training_text("flow+selection", seconds)
    assert (total, short) == (78.0, "1.3 of training")
    assert text.startswith("1.3 minutes of training for the recommended likelihood's models (0.8 for the flow; ")
    assert "fits P(usable) together with the learned-noise ensemble" in text
    assert training_text("flow", seconds)[1] == "0.8 minutes of training for the recommended likelihood's models"
    # the learned ensemble carries its own P(usable): nothing counted twice
    assert training_text("learned+selection", seconds)[0] == 30.0
    assert training_text("gp", seconds) == (0.0, "a fit of the Gaussian process that is not timed", "an untimed fit")


def test_the_abstracts_brief_says_what_the_check_lets_through_and_what_tempering_costs():
    choices = [HeldOutChoice("kroupa", 50, 50, _rows({1.0: 0.6, 0.5: 0.95}), _rows({1.0: 0.71, 0.5: 0.92}))]
    study = _study([_row("kroupa", 0.7, 0.49, 0.65), _row("binaries", 0.95, 0.1, 0.95)], choices, beta=0.5)
    calibrated = study.rows[0]  # tempered to 0.95 at every exponent but 1: no price to name
    text = _brief(study, calibrated, checked=True)
    assert "a posterior-predictive check flags 49% of them, but those it lets through cover only 0.65 and 0.65" in text
    assert "raises the 95% coverage to at least 0.92 on clusters its choice never saw." in text
    over = replace(calibrated, tempered=_rows({b: 0.95 if b == 1.0 else 1.0 for b in TEMPERING}))
    text = _brief(study, over, checked=True)
    assert text.endswith("conservative for clusters of the model's own physics (1.00 and 1.00).")
    # what the check lets through covers: nothing more to say
    safe = _study([_row("kroupa", 0.7, 0.49, 0.93)], choices, beta=0.5)
    assert "lets through" not in _brief(safe, calibrated, checked=True)
    # tempering that mends the 95% intervals but leaves the 68% ones short (0.50 on 50 clusters is more
    # than two binomial standard errors, 0.066 each, below 0.68) says so
    narrow = [
        TemperedRow(b, {"q0": 0.50, "a_au": 0.67}, {"q0": c, "a_au": c}, {}, {}, {})
        for b, c in ((1.0, 0.7), (0.5, 0.92))
    ]
    short = _study(study.rows[1:], [replace(choices[0], held_out=narrow)], beta=0.5)
    text = _brief(short, calibrated, checked=True)
    assert "never saw, though its 68% intervals still cover as little as 0.50 there." in text


def test_a_lax_threshold_is_said_to_be_one_where_the_papers_own_test_would_fail():
    # 0.90 passes the 0.90 target but is (0.95 - 0.90) / sqrt(0.95 * 0.05 / 100) = 2.3 binomial
    # standard errors below nominal; 0.93 is within two and is not named
    study = _study([_row("kroupa", 0.7, 0.51, 0.65), _row("binaries", 0.90, 0.1, 0.95), _row("age2", 0.93, 0.2, 0.9)])
    text = _abstract(study, study.rows[0], checked=True)
    lax = "(a lax threshold: 0.90 for $Q_0$ of those with unresolved binaries is 2.3 binomial standard errors"
    assert f"keep a 95% coverage of at least 0.90 {lax}" in text and "of those age2 is" not in text


def test_the_width_sentence_reads_the_standardized_errors_sd_against_its_standard_error():
    # n = 1072: the sd of a normal sample's sd is 1 / sqrt(2 n) = 0.022; 0.95 is 2.3 of them below 1
    text = width_sentence({"q0": 0.95, "a_au": 1.02}, 1072)
    assert text.startswith("For $Q_0$ that sd is 2.3 standard errors (0.022 each) below 1: the posteriors are about 5%")
    assert "$a$" not in text and text.endswith("is pushed up by that much.")
    assert "about 9% narrower" in width_sentence({"q0": 1.0, "a_au": 1.1}, 1072)
    assert width_sentence({"q0": 0.98, "a_au": 1.03}, 1072) == ""


def test_the_learning_curve_answers_its_questions_against_the_replicates_scatter():
    # (mean, min, max) over replicates at the smallest and the full size
    flat, better = ((0.25, 0.18, 0.32), (0.24, 0.23, 0.26)), ((1.15, 1.14, 1.16), (1.05, 1.05, 1.06))
    text = _learning_answer(*flat, *better, 44)
    assert text.startswith("So beyond 44 training points the truth-set error stays within the replicates' scatter")
    assert "the calibration of $a$ improves by more than the scatter (sd 1.15 to 1.05)" in text
    assert text.endswith("one flow's fitting noise spans 0.01 in that sd.")
    text = _learning_answer((0.40, 0.38, 0.42), (0.24, 0.23, 0.26), *flat, 44)
    assert "the truth-set error changes beyond the replicates' scatter (0.40 to 0.24)" in text
    assert "the calibration of $a$ stays within it too" in text


def test_the_raw_flows_log_score_is_named_only_outside_the_members_range():
    from clusteremu.paper.robustness_text import _raw_score

    text = _raw_score(2.21, [2.29, 2.30, 2.31])
    assert text == (
        "; its log score at the truth is lower, though (2.21 against 2.30, below every dequantized member's), "
        "so dequantizing puts more posterior density at the truth"
    )
    assert _raw_score(2.30, [2.29, 2.30, 2.31]) == ""
