"""Checks of the simulator against analytic solutions, conservation laws and REBOUND.

Each function returns plain numbers or arrays; [`validation_report`][] runs them all for a
profile (what `analysis/02_validate_simulator.py` saves and the validation figures
draw), and `tests/test_validation.py` asserts on them.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..prior import ParameterBox
from ..units import G
from .energy import kinetic_energy, potential_energy, total_energy
from .integrate import leapfrog
from .plummer import initial_conditions, plummer_positions, plummer_velocities
from .rebound import rebound_leapfrog
from .simulate import SimulationSettings, simulate_batch, simulate_one, stellar_masses
from .summaries import summarize

__all__ = [
    "crossing_time_yr",
    "energy_error_comparison",
    "precision_comparison",
    "self_similarity",
    "validation_report",
    "cluster_state",
    "energy_history",
    "kepler_relative_position",
    "two_body_errors",
    "reversibility_error",
    "momentum_drift",
    "rebound_leapfrog",
]


#: The leapfrog, compiled once per step count, check count and force precision.
_leapfrog = jax.jit(leapfrog, static_argnums=(5, 6, 7))


def cluster_state(q0: float, a_au: float, settings: SimulationSettings, seed: int):
    """Masses (Msun), positions (AU), velocities (AU/yr) and softening (AU) of one cluster."""
    k_mass, k_ic = jax.random.split(jax.random.key(seed))
    masses = stellar_masses(settings, key=k_mass)
    eps = settings.softening_over_a * a_au
    pos, vel = initial_conditions(masses, q0, a_au, eps, key=k_ic, mass_cut=settings.plummer_mass_cut)
    return masses, pos, vel, eps


def energy_history(q0, a_au, settings: SimulationSettings, seed: int, n_steps: int, n_checks: int):
    """Times (yr) and |E(t) - E0| / |W0| at `n_checks` + 1 equally spaced times over T."""
    masses, pos, vel, eps = cluster_state(q0, a_au, settings, seed)
    _, _, energies = _leapfrog(
        pos, vel, masses, eps, settings.t_end_yr / n_steps, n_steps, n_checks, settings.force_precision
    )
    w0 = abs(float(potential_energy(pos, masses, eps)))
    times = np.linspace(0.0, settings.t_end_yr, n_checks + 1)
    return times, np.abs(np.asarray(energies) - float(energies[0])) / w0


def kepler_relative_position(t, a: float, e: float, gm: float) -> np.ndarray:
    """Relative position (shape `(2, len(t))`) on a Kepler orbit starting at pericentre.

    Solves Kepler's equation E - e sin E = n t by Newton's method.
    """
    mean = np.sqrt(gm / a**3) * np.asarray(t, dtype=float)
    ecc = mean.copy()
    for _ in range(50):
        ecc -= (ecc - e * np.sin(ecc) - mean) / (1.0 - e * np.cos(ecc))
    return np.stack([a * (np.cos(ecc) - e), a * np.sqrt(1 - e**2) * np.sin(ecc)])


def two_body_errors(dt: float, e: float = 0.5, n_orbits: float = 3.0, n_checks: int = 60, force_dtype="float64"):
    """Max relative position error and energy error of an unsoftened two-body orbit.

    Two 1-Msun stars on an orbit of semi-major axis 10 AU and eccentricity `e`, integrated
    with the leapfrog at timestep `dt` (yr) and compared with the analytic Kepler solution.

    **Returns:**

    `(times, position_error / a, energy_error / |E0|)` at `n_checks` equally spaced times.
    """
    a, m = 10.0, np.array([1.0, 1.0])
    gm = G * m.sum()
    r_p = a * (1 - e)
    v_p = np.sqrt(gm * (1 + e) / r_p)
    pos = np.array([[-r_p / 2, r_p / 2], [0.0, 0.0], [0.0, 0.0]])
    vel = np.array([[0.0, 0.0], [-v_p / 2, v_p / 2], [0.0, 0.0]])
    period = 2 * np.pi * np.sqrt(a**3 / gm)
    steps = max(1, int(round(n_orbits * period / dt / n_checks)))
    e0 = float(total_energy(pos, vel, m, 0.0))
    times, perr, eerr = [], [], []
    x, v = jnp.asarray(pos), jnp.asarray(vel)
    for k in range(1, n_checks + 1):
        x, v, en = _leapfrog(x, v, m, 0.0, dt, steps, 1, force_dtype)
        t = k * steps * dt
        rel = np.asarray(x[:2, 1] - x[:2, 0])
        times.append(t)
        perr.append(np.linalg.norm(rel - kepler_relative_position([t], a, e, gm)[:, 0]) / a)
        eerr.append(abs(float(en[-1]) - e0) / abs(e0))
    return np.array(times), np.array(perr), np.array(eerr)


def reversibility_error(q0, a_au, settings: SimulationSettings, seed: int, n_steps: int) -> float:
    """Max |x_back - x0| / a after `n_steps` forward and `n_steps` backward steps."""
    masses, pos, vel, eps = cluster_state(q0, a_au, settings, seed)
    x, v, _ = _leapfrog(pos, vel, masses, eps, settings.dt_yr, n_steps, 1, settings.force_precision)
    xb, _, _ = _leapfrog(x, v, masses, eps, -settings.dt_yr, n_steps, 1, settings.force_precision)
    return float(jnp.max(jnp.abs(xb - pos)) / a_au)


def momentum_drift(q0, a_au, settings: SimulationSettings, seed: int) -> float:
    """|P(T) - P(0)| / sum_i m_i |v_i(0)|: total momentum change over the full run."""
    masses, pos, vel, eps = cluster_state(q0, a_au, settings, seed)
    _, v, _ = _leapfrog(pos, vel, masses, eps, settings.dt_yr, settings.n_steps, 1, settings.force_precision)
    p0, p1 = vel @ masses, v @ masses
    return float(jnp.linalg.norm(p1 - p0) / jnp.sum(masses * jnp.linalg.norm(vel, axis=0)))


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _corners(box: ParameterBox) -> list[tuple[float, float]]:
    return [(q, a) for q in (box.q0_min, box.q0_max) for a in (box.a_min_au, box.a_max_au)]


def _rebound_row(q0: float, a: float, settings: SimulationSettings, seed: int) -> dict:
    masses, pos, vel, eps = cluster_state(q0, a, settings, seed)
    ours = simulate_one(q0, a, settings, key=jax.random.key(seed), keep_state=True)
    rpos, rvel = rebound_leapfrog(masses, pos, vel, eps, settings.dt_yr, settings.n_steps)
    theirs = summarize(jnp.asarray(rpos), jnp.asarray(rvel), masses, eps, settings.min_bound_stars)
    w0 = abs(float(potential_energy(pos, masses, eps)))
    e0 = float(total_energy(pos, vel, masses, eps))
    row = {
        "q0": q0,
        "a_au": a,
        "energy_error_ours": float(ours.energy_error_final),
        "energy_error_rebound": abs(float(total_energy(rpos, rvel, masses, eps)) - e0) / w0,
    }
    for name in ("f_bound", "sigma_v_kms", "r_h_au"):
        row[f"{name}_ours"] = float(getattr(ours.summary, name))
        row[f"{name}_rebound"] = float(getattr(theirs, name))
    return row


def _plummer_profiles(settings: SimulationSettings, seed: int, n: int = 20_000, a: float = 100.0, mtot: float = 100.0):
    """Enclosed-mass and dispersion profiles of `n` sampled stars against the exact model."""
    k1, k2 = jax.random.split(jax.random.key(seed))
    pos = plummer_positions(n, a, key=k1, mass_cut=settings.plummer_mass_cut)
    vel = np.asarray(plummer_velocities(pos, a, mtot, key=k2))
    r = np.linalg.norm(np.asarray(pos), axis=0)
    grid = np.logspace(-2, 1.5, 60)
    edges = np.quantile(r, np.linspace(0, 0.97, 16))
    inside = [(r >= lo) & (r < hi) for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    return {
        "a_au": a,
        "mass_msun": mtot,
        "n": n,
        "r_over_a": grid.tolist(),
        "enclosed_sampled": [float(np.mean(r <= g * a)) for g in grid],
        # The sampled sphere stops at plummer_mass_cut of the mass: its profile reaches 1 there.
        "enclosed_exact": np.minimum(grid**3 / (1 + grid**2) ** 1.5 / settings.plummer_mass_cut, 1.0).tolist(),
        "shell_r_over_a": (0.5 * (edges[1:] + edges[:-1]) / a).tolist(),
        "shell_sigma_sampled": [float(np.sqrt(np.mean(vel[:, m] ** 2))) for m in inside],
        "shell_sigma_se": [_rms_standard_error(vel[:, m]) for m in inside],
        "sigma_exact": np.sqrt(G * mtot / (6 * a * np.sqrt(grid**2 + 1))).tolist(),
        "half_mass_radius_over_a": float(np.median(r) / a),
        "half_mass_radius_expected": float(1.0 / np.sqrt((0.5 * settings.plummer_mass_cut) ** (-2 / 3) - 1)),
    }


def _rms_standard_error(vel: np.ndarray) -> float:
    """Standard error of the 1-D dispersion sqrt(mean v^2) of stars `vel` (3, N), by the delta method.

    Each star contributes one value |v|^2 / 3 (its three components are not independent
    draws), so the error is that of a mean of N values, halved and divided by sigma.
    """
    per_star = np.sum(vel**2, axis=0) / 3
    sigma = np.sqrt(per_star.mean())
    return float(per_star.std(ddof=1) / np.sqrt(per_star.size) / (2 * sigma))


def crossing_time_yr(a_au: float, mass_msun: float) -> float:
    """Plummer crossing time GM^(5/2) / (2|E|)^(3/2) = 6.256 sqrt(a^3 / GM), in years."""
    return 6.256 * float(np.sqrt(a_au**3 / (G * mass_msun)))


def self_similarity(
    settings: SimulationSettings, box: ParameterBox, seed: int, q0: float = 1.0, crossings: float = 2.0
) -> dict:
    """Two clusters of scale radius a_min and the middle of the a range, evolved for the same
    number of crossing times.

    With equal masses and softening proportional to a, the equations of motion are
    invariant under x -> k x, v -> v / sqrt(k), t -> k^(3/2) t: the same seed then gives
    the same f_bound, r_h / a and sigma_v sqrt(a) whatever a is. So a enters the summaries
    only through the dynamical age T / t_cr(a) and these trivial scalings. Returns the
    relative differences of the three scaled summaries (`crossings` crossing times each,
    short enough that the dynamics is not yet chaotic; the second radius is not a power of
    two times the first, so the floating-point rounding does not scale exactly).
    """
    mass = settings.n_stars * settings.star_mass_msun
    out = []
    radii = (box.a_min_au, 0.5 * (box.a_min_au + box.a_max_au))
    for a in radii:
        t_end = crossings * crossing_time_yr(a, mass)
        s = SimulationSettings(**{**settings.as_dict(), "t_end_yr": t_end})
        summ = simulate_one(q0, a, s, key=jax.random.key(seed)).summary
        out.append(np.array([float(summ.f_bound), float(summ.r_h_au) / a, float(summ.sigma_v_kms) * np.sqrt(a)]))
    rel = np.abs(out[1] - out[0]) / np.abs(out[0])
    return {
        "q0": q0,
        "crossings": crossings,
        "a_au": list(radii),
        "scaled": [o.tolist() for o in out],
        "relative_difference": rel.tolist(),
    }


def energy_error_comparison(settings: SimulationSettings, box: ParameterBox, seed: int, n: int = 16) -> dict:
    """Max |E(t) - E0| / |W0| of ours and of REBOUND on the same `n` initial states (random
    parameters in the box), the same timestep, step count and energy checks."""
    theta = box.draw(n, seed=seed)
    ours, theirs = [], []
    for k, (q0, a) in enumerate(theta):
        masses, pos, vel, eps = cluster_state(float(q0), float(a), settings, seed + k)
        out = simulate_one(float(q0), float(a), settings, key=jax.random.key(seed + k))
        ours.append(float(out.energy_error))
        _, _, e = rebound_leapfrog(masses, pos, vel, eps, settings.dt_yr, settings.n_steps, settings.n_energy_checks)
        theirs.append(float(np.max(np.abs(e - e[0])) / abs(float(potential_energy(pos, masses, eps)))))
    return {"theta": theta.tolist(), "ours": ours, "rebound": theirs}


def precision_comparison(settings: SimulationSettings, box: ParameterBox, seed: int, n_seeds: int = 16) -> dict:
    """The summaries of the same seeds with float32 and float64 forces, at three Q0 values.

    For each Q0 (a at the middle of its range) and summary: the difference of the means
    over `n_seeds` seeds in units of its standard error (the realization sd / sqrt(n)), and
    the fraction of seeds whose bound fraction is identical in both precisions.
    """
    a = 0.5 * (box.a_min_au + box.a_max_au)
    seeds = np.arange(n_seeds) + seed
    rows = []
    for q0 in np.linspace(box.q0_min, box.q0_max, 3):
        runs = {}
        for precision in ("float32", "float64"):
            s = SimulationSettings(**{**settings.as_dict(), "force_precision": precision})
            out = simulate_batch(seeds, np.full(n_seeds, q0), np.full(n_seeds, a), s).summary
            runs[precision] = np.column_stack([out.f_bound, out.sigma_v_kms, out.r_h_au])
        d, sd = runs["float32"] - runs["float64"], np.nanstd(runs["float64"], axis=0, ddof=1)
        diff = np.abs(np.nanmean(runs["float32"], axis=0) - np.nanmean(runs["float64"], axis=0))
        # Identical runs (sd 0, no difference) are 0 standard errors apart, not NaN.
        z = np.divide(diff, sd / np.sqrt(n_seeds), out=np.where(diff > 0, np.inf, 0.0), where=sd > 0)
        rows.append(
            {
                "q0": float(q0),
                "a_au": a,
                "mean_difference_over_se": z.tolist(),
                "same_f_bound": float(np.mean(d[:, 0] == 0)),
            }
        )
    return {"n_seeds": n_seeds, "rows": rows}


def validation_report(settings: SimulationSettings, box: ParameterBox, seed: int) -> dict:
    """Every check of the simulator for one profile, as JSON-able numbers and curves.

    - `energy_convergence`: max energy error (over the production run's energy checks) at
      1/4, 1/2, 1 and 2 times the production step count, at the densest, coldest corner of
      the box (the cluster of the first energy history), and its log-log slope over the
      three smallest steps, with the profile's force precision; `error_float64`, the same
      errors with float64 forces (whether a floor below the production step is the forces'
      rounding);
    - `two_body`: position error of an eccentric Kepler orbit against timestep, and slope;
    - `energy_histories`: |E(t) - E0| / |W0| over the run at the four corners of the box;
    - `momentum_drift`, `reversibility_error_over_a`, `virial_ratio_error`;
    - `plummer`: sampled against exact enclosed mass and dispersion profiles, the latter
      with the standard error of each shell's sampled dispersion (`shell_sigma_se`);
    - `rebound`: summaries and energy errors of ours and REBOUND's on the same initial
      states at the four corners;
    - `self_similarity`: see [`self_similarity`][];
    - `energy_errors`: ours and REBOUND's on the same states ([`energy_error_comparison`][]);
    - `precision`: float32 against float64 forces ([`precision_comparison`][]).
    """
    q0, a = box.q0_min, box.a_min_au
    steps = [settings.n_steps // 4, settings.n_steps // 2, settings.n_steps, 2 * settings.n_steps]
    dts = np.array([settings.t_end_yr / n for n in steps])
    double = SimulationSettings(**{**settings.as_dict(), "force_precision": "float64"})
    # The maximum over the same check times as a production run's (n_energy_checks, which
    # divides every step count here), so that the production step's error is the one the
    # corner's energy history shows; fewer checks would miss the largest excursions.
    errs, errs64 = (
        np.array([energy_history(q0, a, s, seed, n, math.gcd(n, settings.n_energy_checks))[1].max() for n in steps])
        for s in (settings, double)
    )
    kepler_dts = np.array([0.04, 0.02, 0.01, 0.005])
    kepler = np.array(
        [two_body_errors(dt, n_orbits=2, force_dtype=settings.force_precision)[1].max() for dt in kepler_dts]
    )
    histories = []
    for k, (qc, ac) in enumerate(_corners(box)):
        t, err = energy_history(qc, ac, settings, seed + k, settings.n_steps, settings.n_energy_checks)
        histories.append({"q0": qc, "a_au": ac, "t_yr": t.tolist(), "error": err.tolist()})
    masses, pos, vel, eps = cluster_state(1.0, 100.0, settings, seed)
    virial = abs(float(kinetic_energy(vel, masses) / abs(potential_energy(pos, masses, eps))) - 1.0)
    return {
        "production_dt_yr": settings.dt_yr,
        "energy_convergence": {
            "q0": q0,
            "a_au": a,
            "dt_yr": dts.tolist(),
            "error": errs.tolist(),
            "slope": _slope(dts[1:], errs[1:]),
            "error_float64": errs64.tolist(),
        },
        "two_body": {
            "dt_yr": kepler_dts.tolist(),
            "position_error": kepler.tolist(),
            "slope": _slope(kepler_dts, kepler),
        },
        "energy_histories": histories,
        "momentum_drift": momentum_drift(1.0, 100.0, settings, seed),
        "reversibility_error_over_a": reversibility_error(1.0, 100.0, settings, seed, settings.n_steps // 4),
        "virial_ratio_error": virial,
        "plummer": _plummer_profiles(settings, seed),
        "rebound": [_rebound_row(qc, ac, settings, seed + k) for k, (qc, ac) in enumerate(_corners(box))],
        "self_similarity": self_similarity(settings, box, seed),
        "energy_errors": energy_error_comparison(settings, box, seed),
        "precision": precision_comparison(settings, box, seed),
    }
