"""The study as a dimensionless testbed: its scales, its densities and one mapping to a real group.

Gravitational N-body dynamics of `N` equal masses has no scale but the ones the initial
state sets: with total mass `M` and Plummer radius `a`, lengths scale with `a`, velocities
with the unit `sqrt(G M / a)` and times with the crossing time
`t_cr = (32 / (3 pi))^(3/2) sqrt(a^3 / (G M)) = 6.256 sqrt(a^3 / (G M))`, the simulator's
definition ([`crossing_time_yr`][clusteremu.simulation.validation.crossing_time_yr]). At
fixed `N`, softening in units of `a` and mass cut, the campaign is therefore a study in
`(Q0, T / t_cr)` with the scaled summaries `r_h / a` and `sigma_v sqrt(a / (G M))`; its
AU, years and km/s are a choice of units. [`framing_vars`][] computes, from the profile
alone, the numbers the manuscript needs to say so: the scales at the ends of the `a` range,
the density they imply, one illustrative real group placed in the testbed, the
star-formation efficiencies that the `Q0` range stands for, and how the realization noise
changes with `N`.
"""

from __future__ import annotations

import math

from ..simulation.plummer import truncation_radius
from ..simulation.validation import crossing_time_yr
from ..units import KM_S_PER_AU_YR, G
from .text import two_digits
from .variables import sci

__all__ = [
    "AU_PER_PC",
    "EXAMPLE_GROUP",
    "N_LARGE",
    "framing_vars",
    "half_mass_density",
    "star_formation_efficiency",
    "velocity_unit_kms",
]

#: One parsec in astronomical units (648000 / pi).
AU_PER_PC = 206264.806

#: Years per megayear.
YR_PER_MYR = 1.0e6

#: An illustrative young group, in round literature-style values: **not a fit** to any
#: cluster, only an example of where such a group lies in the testbed. Total stellar mass
#: (Msun), half-mass radius (pc), time since the gas left (Myr; its age is an upper
#: bound), star-formation efficiency (dimensionless) and mean stellar mass (Msun, a
#: Kroupa-like mass function) for the number of its stars.
EXAMPLE_GROUP = {"mass_msun": 300.0, "r_h_pc": 0.3, "age_myr": 2.0, "sfe": 0.3, "mean_star_mass_msun": 0.5}

#: The larger `N` at which the Discussion compares realization noise.
N_LARGE = 1000


def velocity_unit_kms(a_au: float, mass_msun: float) -> float:
    """The velocity unit `sqrt(G M / a)` (km/s) of a cluster of mass `M` (Msun) and Plummer radius `a` (AU).

    A virialized Plummer sphere has a one-dimensional dispersion of `sqrt(pi / 32)` = 0.31
    of it; `sigma_v sqrt(a / (G M))` is the summary in this unit.
    """
    return math.sqrt(G * mass_msun / a_au) * KM_S_PER_AU_YR


def half_mass_density(mass_msun: float, r_h_pc: float) -> float:
    """Mean density within the half-mass radius, `(M / 2) / (4 pi r_h^3 / 3)`, in Msun/pc^3."""
    return 0.5 * mass_msun / (4.0 / 3.0 * math.pi * r_h_pc**3)


def star_formation_efficiency(q0: float) -> float:
    """The star-formation efficiency `SFE = 0.5 / Q0` that an initial virial ratio `Q0` stands for.

    Stars in virial equilibrium (`Q = 1/2`) in the potential of stars and gas, gas removed
    instantly and distributed like the stars: their kinetic energy stays, the potential
    that binds them drops by the factor `SFE`, so `Q0 = 0.5 / SFE` (Goodwin 2009).
    `Q0 < 0.5` (a cold start) has no such reading: `ValueError`.
    """
    if q0 < 0.5:
        raise ValueError(f"Q0 = {q0:g} < 0.5 is sub-virial: no gas expulsion leads to it (allowed: Q0 >= 0.5)")
    return 0.5 / q0


def _relaxation_crossings(n: float) -> float:
    """Two-body relaxation time in crossing times, the standard estimate `N / (8 ln N)`."""
    return n / (8.0 * math.log(n))


def framing_vars(config, emulator_error68: float | None = None, floor68: float = 0.0) -> dict[str, str]:
    """The testbed section's numbers, formatted for the text, from the profile's `simulation` and `domain`.

    **Arguments:**

    - `config`: the profile (its `simulation` and `domain` sections are read).
    - `emulator_error68`: optional, a measured emulator error in units of the realization
      sd at the profile's `N`; it is carried over to [`N_LARGE`][] stars.
    - `floor68`: the part of `emulator_error68` that is the truth set's own sampling error
      (what a perfect emulator scores). It is a fixed fraction of the realization sd at any
      `N`, so only the excess, taken in quadrature, is carried over.

    **Returns** strings keyed by name: the crossing time at the ends of the `a` range
    (`t_cr_amin_yr`, `t_cr_amax_yr`, years) and the age `T` in crossing times there
    (`age_amin`, `age_amax`; the older at the smaller `a`); `r_h / a` of the sampled
    sphere and `r_h` at the ends (AU); the mean density within `r_h` (`density_*`,
    Msun/pc^3) and the velocity unit (`v_unit_*_kms`, km/s) at the ends. The
    [`EXAMPLE_GROUP`][] (`group_*`): its inputs and star count, Plummer radius (pc),
    crossing time (Myr), age in crossing times, velocity unit (km/s), density (Msun/pc^3),
    `density_ratio` (how many times denser the model's least dense cluster is), its
    `Q0 = 0.5 / SFE`, the model radius of equal dynamical age (AU) with the factors that
    map the model's lengths, velocities and times onto the group's, and `group_place`, a
    clause saying where it lies in the box. The efficiencies the `Q0` range stands for
    (`sfe_q0_from` to the largest `Q0` give `sfe_max` to `sfe_min`); the relaxation
    time in crossing times of the model and of the group (`relax_*`); `n_large` and
    `noise_ratio_large_n = sqrt(N_LARGE / N)`, the factor by which a fixed emulator error
    grows in units of the realization noise, with `emulator_error68`, its excess over
    `floor68` (`emulator_excess68`) and that excess at `n_large` (`emulator_error68_large_n`)
    if given.
    """
    sim, dom = config["simulation"], config["domain"]
    n, mass = sim["n_stars"], sim["n_stars"] * sim["star_mass_msun"]
    t_end, ends = sim["t_end_yr"], {"amin": dom["a_min_au"], "amax": dom["a_max_au"]}
    rh_over_a = truncation_radius(0.5 * sim["plummer_mass_cut"])  # half of the sampled mass
    out = {"rh_over_a": f"{rh_over_a:.3f}", "n_large": str(N_LARGE)}
    for end, a in ends.items():
        t_cr = crossing_time_yr(a, mass)
        out[f"t_cr_{end}_yr"] = f"{t_cr:.0f}"
        out[f"age_{end}"] = f"{t_end / t_cr:.1f}"
        out[f"rh_{end}_au"] = f"{rh_over_a * a:.0f}"
        out[f"density_{end}"] = sci(half_mass_density(mass, rh_over_a * a / AU_PER_PC))
        out[f"v_unit_{end}_kms"] = f"{velocity_unit_kms(a, mass):.0f}"

    g = EXAMPLE_GROUP
    g_a_au = g["r_h_pc"] / rh_over_a * AU_PER_PC
    g_t_cr = crossing_time_yr(g_a_au, g["mass_msun"])
    g_age = g["age_myr"] * YR_PER_MYR / g_t_cr
    g_q0 = 0.5 / g["sfe"]  # the inverse of star_formation_efficiency
    # The model radius whose clusters reach the same dynamical age at T: t_cr scales as a^(3/2).
    a_equiv = ends["amin"] * (t_end / g_age / crossing_time_yr(ends["amin"], mass)) ** (2.0 / 3.0)
    g_density = half_mass_density(g["mass_msun"], g["r_h_pc"])
    out |= {
        "group_mass_msun": f"{g['mass_msun']:g}",
        "group_rh_pc": f"{g['r_h_pc']:g}",
        "group_age_myr": f"{g['age_myr']:g}",
        "group_sfe": f"{g['sfe']:g}",
        "group_n_stars": f"{g['mass_msun'] / g['mean_star_mass_msun']:.0f}",
        "group_a_pc": f"{g_a_au / AU_PER_PC:.2f}",
        "group_t_cr_myr": f"{g_t_cr / YR_PER_MYR:.2f}",
        "group_age": f"{g_age:.1f}",
        "group_v_unit_kms": f"{velocity_unit_kms(g_a_au, g['mass_msun']):.1f}",
        "group_density": two_digits(g_density),
        "density_ratio": sci(half_mass_density(mass, rh_over_a * ends["amax"] / AU_PER_PC) / g_density),
        "group_q0": f"{g_q0:.2f}",
        "group_a_equiv_au": f"{a_equiv:.0f}",
        "group_length_factor": f"{g_a_au / a_equiv:.0f}",
        "group_velocity_factor": f"{velocity_unit_kms(g_a_au, g['mass_msun']) / velocity_unit_kms(a_equiv, mass):.3f}",
        "group_time_factor": f"{g['age_myr'] * YR_PER_MYR / t_end:.0f}",
        "group_place": _place(g_q0, a_equiv, dom, out),
    }

    q0_from = max(dom["q0_min"], 0.5)  # a cold start below 0.5 has no efficiency
    out |= {
        "sfe_q0_from": f"{q0_from:.2f}",
        "sfe_max": two_digits(star_formation_efficiency(q0_from)),
        "sfe_min": two_digits(star_formation_efficiency(dom["q0_max"])),
        "relax_model": two_digits(_relaxation_crossings(n)),
        "relax_group": two_digits(_relaxation_crossings(g["mass_msun"] / g["mean_star_mass_msun"])),
        "noise_ratio_large_n": f"{math.sqrt(N_LARGE / n):.1f}",
    }
    if emulator_error68 is not None:
        out["emulator_error68"] = f"{emulator_error68:.2f}"
        excess = math.sqrt(max(emulator_error68**2 - floor68**2, 0.0))
        out["floor68"] = f"{floor68:.2f}"
        out["emulator_excess68"] = f"{excess:.2f}"
        out["emulator_error68_large_n"] = f"{excess * math.sqrt(N_LARGE / n):.2f}"
    return out


def _place(q0: float, a_equiv: float, dom, out: dict[str, str]) -> str:
    """Where the example group lies in the box, coordinate by coordinate, as a clause."""
    if dom["a_min_au"] <= a_equiv <= dom["a_max_au"]:
        age = "its dynamical age is inside the box's range"
    else:
        age = f"its dynamical age is outside the box's range of {out['age_amax']} to {out['age_amin']} crossing times"
    if q0 > dom["q0_max"]:
        virial = f"its $Q_0$ is above the box's largest, {dom['q0_max']:.2f}"
    elif q0 < dom["q0_min"]:
        virial = f"its $Q_0$ is below the box's smallest, {dom['q0_min']:.2f}"
    else:
        virial = "its $Q_0$ is inside the box's range"
    return f"{age}, and {virial}"
