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
