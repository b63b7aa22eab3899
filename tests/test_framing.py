"""The testbed framing's numbers: self-similar scalings, densities and velocity units by hand,
the star-formation efficiencies, the example group's place, and every key the text uses."""

import math
import re

import pytest

from clusteremu.config import load_config
from clusteremu.paper.framing import (
    EXAMPLE_GROUP,
    framing_vars,
    half_mass_density,
    star_formation_efficiency,
    velocity_unit_kms,
)
from clusteremu.paper.variables import sci
from clusteremu.simulation.validation import crossing_time_yr
from tests.helpers import ROOT

#: Independent constants for the hand calculations: G in pc (km/s)^2 / Msun, AU per pc,
#: and one pc / (km/s) in Myr.
G_PC = 4.30091e-3
AU_PER_PC = 206264.806
MYR_PER_PC_KMS = 0.977792

KEYS = {
    "rh_over_a",
    "n_large",
    *(f"{k}_{end}{unit}" for end in ("amin", "amax") for k, unit in (("t_cr", "_yr"), ("rh", "_au"))),
    *(f"{k}_{end}" for end in ("amin", "amax") for k in ("age", "density")),
    *(f"v_unit_{end}_kms" for end in ("amin", "amax")),
    "group_mass_msun",
    "group_rh_pc",
    "group_age_myr",
    "group_sfe",
    "group_n_stars",
    "group_a_pc",
    "group_t_cr_myr",
    "group_age",
    "group_v_unit_kms",
    "group_density",
    "density_ratio",
    "group_q0",
    "group_a_equiv_au",
    "group_length_factor",
    "group_velocity_factor",
    "group_time_factor",
    "group_place",
    "sfe_q0_from",
    "sfe_max",
    "sfe_min",
    "relax_model",
    "relax_group",
    "noise_ratio_large_n",
}


def _config(**changes) -> dict:
    """The paper profile's two sections as plain dicts, with `section.key` changes."""
    cfg = load_config(ROOT / "analysis" / "config" / "paper.yaml")
    out = {"simulation": dict(cfg["simulation"]), "domain": dict(cfg["domain"])}
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        out[section][key] = value
    return out


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_every_key_of_the_text_is_made_for_each_profile(root, profile):
    v = framing_vars(load_config(root / "analysis" / "config" / f"{profile}.yaml"))
    assert set(v) == KEYS
    assert all(isinstance(x, str) and x for x in v.values())
    # Whatever the manuscript quotes from this section exists.
    quoted = set(re.findall(r"\{\{< var framing\.(\w+) >\}\}", (root / "paper" / "index.qmd").read_text()))
    assert quoted <= KEYS | {"emulator_error68", "floor68", "emulator_excess68", "emulator_error68_large_n"}


def test_self_similarity_doubling_a():
    """t_cr grows as a^(3/2), the velocity unit falls as a^(-1/2), at any a and M."""
    for a, m in ((50.0, 100.0), (137.0, 3.0), (1e5, 300.0)):
        assert crossing_time_yr(2 * a, m) / crossing_time_yr(a, m) == pytest.approx(2**1.5, rel=1e-12)
        assert velocity_unit_kms(2 * a, m) / velocity_unit_kms(a, m) == pytest.approx(2**-0.5, rel=1e-12)
        assert crossing_time_yr(a, 4 * m) / crossing_time_yr(a, m) == pytest.approx(0.5, rel=1e-12)


def test_rescaled_study_has_the_same_dimensionless_numbers():
    """a -> 4 a with T -> 8 T, or M -> 4 M with T -> T / 2: the same ages in crossing times
    and the same place of the example group; the velocity unit and density scale as they must."""
    base = framing_vars(_config())
    wide = framing_vars(_config(domain__a_min_au=200.0, domain__a_max_au=800.0, simulation__t_end_yr=4000.0))
    heavy = framing_vars(_config(simulation__star_mass_msun=4.0, simulation__t_end_yr=250.0))
    for other in (wide, heavy):
        assert other["age_amin"] == base["age_amin"] and other["age_amax"] == base["age_amax"]
        assert other["group_age"] == base["group_age"]
    assert float(wide["group_a_equiv_au"]) == pytest.approx(4 * float(base["group_a_equiv_au"]), abs=4)
    assert float(wide["v_unit_amin_kms"]) == pytest.approx(float(base["v_unit_amin_kms"]) / 2, abs=0.5)
    assert float(heavy["v_unit_amin_kms"]) == pytest.approx(2 * float(base["v_unit_amin_kms"]), abs=1)
    # Only the example group's own numbers, not its place, depend on the units.
    assert heavy["group_place"] == base["group_place"]


def test_density_and_velocity_unit_by_hand():
    cfg = _config()
    v = framing_vars(cfg)
    assert half_mass_density(1.0, 1.0) == pytest.approx(0.5 / (4 * math.pi / 3))
    # 100 Msun, a = 50 AU: r_h = 1.3043 a (half of the 99.9% sampled mass).
    rh_pc = 50.0 / math.sqrt((0.5 * 0.999) ** (-2 / 3) - 1) / AU_PER_PC
    rho = 50.0 / (4 / 3 * math.pi * rh_pc**3)
    assert rho == pytest.approx(3.78e11, rel=1e-2)
    assert v["density_amin"] == sci(rho)
    assert v["rh_amin_au"] == "65" and v["rh_amax_au"] == "261"
    # The velocity unit from G in pc (km/s)^2 / Msun: independent of the AU / yr constants.
    assert velocity_unit_kms(50.0, 100.0) == pytest.approx(math.sqrt(G_PC * 100 / (50 / AU_PER_PC)), rel=1e-4)
    assert v["v_unit_amin_kms"] == f"{math.sqrt(G_PC * 100 / (50 / AU_PER_PC)):.0f}"


def test_example_group_by_hand():
    v = framing_vars(_config())
    g = EXAMPLE_GROUP
    a_pc = g["r_h_pc"] * math.sqrt((0.5 * 0.999) ** (-2 / 3) - 1)
    t_cr_myr = 6.256 * math.sqrt(a_pc**3 / (G_PC * g["mass_msun"])) * MYR_PER_PC_KMS
    assert v["group_a_pc"] == f"{a_pc:.2f}"
    assert float(v["group_t_cr_myr"]) == pytest.approx(t_cr_myr, abs=0.006)
    assert float(v["group_age"]) == pytest.approx(g["age_myr"] / t_cr_myr, abs=0.06)
    assert float(v["group_v_unit_kms"]) == pytest.approx(math.sqrt(G_PC * g["mass_msun"] / a_pc), abs=0.06)
    rho_group = 0.5 * g["mass_msun"] / (4 / 3 * math.pi * g["r_h_pc"] ** 3)
    rho_model = 50.0 / (4 / 3 * math.pi * (200.0 * 1.3043 / AU_PER_PC) ** 3)
    mant, rest = v["density_ratio"].split(" × ")
    assert float(mant) * 1e6 == pytest.approx(rho_model / rho_group, rel=0.02) and rest == "10⁶"
    assert v["group_q0"] == "1.67" and "above the box's largest" in v["group_place"]
    assert "its dynamical age is inside the box's range" in v["group_place"]
    # The model radius of equal dynamical age: lengths x velocities^-1 = times.
    length, velocity = float(v["group_length_factor"]), float(v["group_velocity_factor"])
    assert length / velocity == pytest.approx(float(v["group_time_factor"]), rel=0.01)


def test_group_place_says_outside_when_it_is():
    short = framing_vars(_config(simulation__t_end_yr=100.0))  # at most 2.8 crossing times: the group is older
    assert "outside the box's range" in short["group_place"] and short["age_amin"] in short["group_place"]
    wide = framing_vars(_config(domain__q0_max=2.0))
    assert "its $Q_0$ is inside the box's range" in wide["group_place"]


def test_star_formation_efficiency():
    assert star_formation_efficiency(0.5) == 1.0
    assert star_formation_efficiency(1.0) == 0.5
    assert star_formation_efficiency(1.5) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="sub-virial"):
        star_formation_efficiency(0.4)
    v = framing_vars(_config())
    assert (v["sfe_q0_from"], v["sfe_max"], v["sfe_min"]) == ("0.50", "1", "0.33")
    cold = framing_vars(_config(domain__q0_min=0.3, domain__q0_max=2.5))
    assert (cold["sfe_q0_from"], cold["sfe_max"], cold["sfe_min"]) == ("0.50", "1", "0.2")


def test_noise_ratio_at_larger_n():
    v = framing_vars(_config(), emulator_error68=0.18)
    assert v["noise_ratio_large_n"] == "3.2"
    assert (v["emulator_error68"], v["emulator_error68_large_n"]) == ("0.18", "0.57")
    # The truth set's own sampling error does not grow with N: only the excess (3-4-5) is carried over.
    floored = framing_vars(_config(), emulator_error68=0.5, floor68=0.3)
    assert (floored["emulator_excess68"], floored["emulator_error68_large_n"]) == ("0.40", "1.26")
    assert framing_vars(_config(), emulator_error68=0.1, floor68=0.2)["emulator_excess68"] == "0.00"
    assert framing_vars(_config(simulation__n_stars=1000))["noise_ratio_large_n"] == "1.0"
    assert float(framing_vars(_config(simulation__n_stars=1000))["relax_model"]) > float(v["relax_model"])
