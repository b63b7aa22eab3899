"""The misspecified variants: what each changes, and nothing else."""

import jax
import numpy as np

from clusteremu.config import load_config
from clusteremu.simulation.misspecified import AGE_FACTORS, misspecified_variants
from clusteremu.simulation.simulate import SimulationSettings, stellar_masses
from tests.helpers import ROOT

CONFIG = load_config(ROOT / "analysis" / "config" / "paper.yaml")


def test_each_variant_changes_one_ingredient():
    variants = {v.name: v for v in misspecified_variants(CONFIG)}
    assert set(variants) == {"kroupa", "binaries", *(f"age{f:g}" for f in AGE_FACTORS)}
    sim = CONFIG["simulation"]
    for factor in AGE_FACTORS:
        age = variants[f"age{factor:g}"].simulation
        assert age["t_end_yr"] == factor * sim["t_end_yr"]
        assert age["t_end_yr"] / age["n_steps"] == sim["t_end_yr"] / sim["n_steps"]  # the same timestep
    assert variants["kroupa"].simulation == {"mass_function": "kroupa2001-same-mass"}
    assert variants["binaries"].simulation == {}


def test_binaries_inflate_sigma_v_by_the_stated_dispersion():
    binaries = {v.name: v for v in misspecified_variants(CONFIG)}["binaries"]
    columns = {"sigma_v_kms": np.array([1.0, 4.0, np.nan]), "r_h_au": np.array([100.0, 200.0, np.nan])}
    seen = binaries.observe(columns)
    f, s = CONFIG["misspecification"]["binary_fraction"], CONFIG["misspecification"]["binary_sigma_kms"]
    np.testing.assert_allclose(seen["sigma_v_kms"][:2], np.sqrt(np.array([1.0, 16.0]) + f * s**2))
    assert np.isnan(seen["sigma_v_kms"][2]) and seen["r_h_au"] is columns["r_h_au"]


def test_kroupa_masses_at_the_same_total_mass_keep_the_spectrum():
    base = SimulationSettings.from_config(CONFIG)
    same = SimulationSettings.from_config(CONFIG, mass_function="kroupa2001-same-mass")
    free = SimulationSettings.from_config(CONFIG, mass_function="kroupa2001")
    m_same = np.asarray(stellar_masses(same, key=jax.random.key(4)))
    m_free = np.asarray(stellar_masses(free, key=jax.random.key(4)))  # the same draws, not rescaled
    assert np.isclose(np.sum(m_same), base.n_stars * base.star_mass_msun, rtol=1e-12)
    np.testing.assert_allclose(m_same / m_free, m_same[0] / m_free[0])  # one factor: the same spectrum
    assert m_free.max() / m_free.min() > 10  # a spectrum, not equal masses


def test_the_robust_option_is_the_largest_beta_that_reaches_the_target_on_the_tuning_halves():
    from clusteremu.evaluation.misspecification import ROBUST_SETS, ROBUST_TARGET, HeldOutChoice, robust_beta
    from clusteremu.evaluation.robustness import TemperedRow

    def rows(coverage_by_beta):
        return [
            TemperedRow(beta, {"q0": c, "a_au": 0.95}, {"q0": c, "a_au": 0.95}, {}, {}, {})
            for beta, c in coverage_by_beta.items()
        ]

    def choice(name, tuning, held_out=None):
        return HeldOutChoice(name, 50, 50, rows(tuning), rows(held_out or {1.0: 0.5, 0.5: 0.5, 0.25: 0.5}))

    low, ok = ROBUST_TARGET - 0.01, ROBUST_TARGET
    chosen = [choice(n, {1.0: 0.7, 0.5: ok, 0.25: 0.99}) for n in ROBUST_SETS]
    assert robust_beta(chosen) == 0.5  # the held-out halves (all 0.5) play no part
    one_short = [choice(ROBUST_SETS[0], {1.0: 0.7, 0.5: low, 0.25: 0.99}), *chosen[1:]]
    assert robust_beta(one_short) == 0.25
    good_held_out = {1.0: 0.99, 0.5: 0.99, 0.25: 0.99}
    assert robust_beta([choice(n, {1.0: 0.7, 0.5: low, 0.25: low}, good_held_out) for n in ROBUST_SETS]) is None


def test_the_tuning_half_is_the_even_numbered_clusters_and_the_held_out_half_the_others():
    from clusteremu.evaluation.misspecification import held_out_choice
    from clusteremu.evaluation.robustness import TEMPERING
    from clusteremu.inference.gridded import GridPosterior
    from clusteremu.prior import ParameterBox

    box = ParameterBox(0.3, 0.9, 50.0, 200.0)
    q0, a = np.linspace(0.3, 0.9, 61)[:-1] + 0.005, np.linspace(50.0, 200.0, 61)[:-1] + 1.25
    qq, aa = np.meshgrid(q0, a, indexing="ij")
    bump = np.exp(-0.5 * (((qq - 0.6) / 0.03) ** 2 + ((aa - 125.0) / 8.0) ** 2))
    density = np.repeat((bump / (bump.sum() * 0.01 * 2.5))[None], 6, axis=0)
    # Posteriors all at (0.6, 125 AU): the even-numbered truths sit there, the odd ones far away.
    truth = np.array([[0.6, 125.0], [0.35, 60.0]] * 3)
    c = held_out_choice("kroupa", GridPosterior(q0, a, density), truth, box)
    assert (c.n_tuning, c.n_held_out) == (3, 3)
    assert [t.beta for t in c.tuning] == list(TEMPERING) == [t.beta for t in c.held_out]
    assert all(v == 1.0 for t in c.tuning for v in t.coverage95.values())
    assert all(v == 0.0 for t in c.held_out for v in t.coverage95.values())


def test_the_integration_check_scores_the_clusters_kept_as_well_as_the_campaign_apart():
    from clusteremu.evaluation.misspecification import integration_check
    from clusteremu.inference.gridded import GridPosterior
    from clusteremu.prior import ParameterBox

    box = ParameterBox(0.3, 0.9, 50.0, 200.0)
    q0, a = np.linspace(0.3, 0.9, 61)[:-1] + 0.005, np.linspace(50.0, 200.0, 61)[:-1] + 1.25
    qq, aa = np.meshgrid(q0, a, indexing="ij")
    bump = np.exp(-0.5 * (((qq - 0.6) / 0.03) ** 2 + ((aa - 125.0) / 8.0) ** 2))
    # Eight simulations: one over the energy threshold (not usable, no posterior); of the seven
    # usable, the four with small errors have their truth under the posterior, the three with
    # large errors far from it.
    err = np.array([1e-6, 2e-6, 3e-6, 4e-6, 1e-4, 2e-4, 3e-4, 5e-3])
    truth = np.array([[0.6, 125.0]] * 4 + [[0.35, 60.0]] * 4)
    columns = {
        "energy_error": err,
        "flag_energy": err > 1e-3,
        "few_bound": np.zeros(8, bool),
        "q0": truth[:, 0],
        "a_au": truth[:, 1],
    }
    grid = GridPosterior(q0, a, np.repeat((bump / (bump.sum() * 0.01 * 2.5))[None], 7, axis=0))
    usable_truth = truth[:7]  # the study passes the usable rows' parameters (SplitData.x)
    c = integration_check("kroupa", columns, usable_truth, grid, box, within=5e-5)
    assert (c.n, c.n_flagged, c.n_within, c.largest) == (8, 1, 4, 5e-3)
    assert c.median == np.median(err) and c.p99 == np.quantile(err, 0.99)
    assert c.coverage95_within == {"q0": 1.0, "a_au": 1.0}, "only the well-integrated four, all covered"
    assert integration_check("kroupa", columns, usable_truth, grid, box, within=1.0).coverage95_within == {
        "q0": 4 / 7,
        "a_au": 4 / 7,
    }
    assert integration_check("kroupa", columns, usable_truth, grid, box, within=1.5e-6).coverage95_within is None
