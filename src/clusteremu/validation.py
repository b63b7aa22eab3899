"""Checks of the simulator against analytic solutions, conservation laws and REBOUND.

Each function returns plain numbers or arrays; `analysis/02_validate_simulator.py`
turns them into the paper's validation figures and `tests/test_validation.py` asserts on
them.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .energy import potential_energy, total_energy
from .integrate import leapfrog
from .plummer import initial_conditions
from .simulate import SimulationSettings, stellar_masses
from .units import G

__all__ = [
    "cluster_state",
    "energy_history",
    "kepler_relative_position",
    "two_body_errors",
    "reversibility_error",
    "momentum_drift",
    "rebound_leapfrog",
]


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
    _, _, energies = jax.jit(leapfrog, static_argnums=(5, 6))(
        pos, vel, masses, eps, settings.t_end_yr / n_steps, n_steps, n_checks
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


def two_body_errors(dt: float, e: float = 0.5, n_orbits: float = 3.0, n_checks: int = 60):
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
    step = jax.jit(leapfrog, static_argnums=(5, 6))
    e0 = float(total_energy(pos, vel, m, 0.0))
    times, perr, eerr = [], [], []
    x, v = jnp.asarray(pos), jnp.asarray(vel)
    for k in range(1, n_checks + 1):
        x, v, en = step(x, v, m, 0.0, dt, steps, 1)
        t = k * steps * dt
        rel = np.asarray(x[:2, 1] - x[:2, 0])
        times.append(t)
        perr.append(np.linalg.norm(rel - kepler_relative_position([t], a, e, gm)[:, 0]) / a)
        eerr.append(abs(float(en[-1]) - e0) / abs(e0))
    return np.array(times), np.array(perr), np.array(eerr)


def reversibility_error(q0, a_au, settings: SimulationSettings, seed: int, n_steps: int) -> float:
    """Max |x_back - x0| / a after `n_steps` forward and `n_steps` backward steps."""
    masses, pos, vel, eps = cluster_state(q0, a_au, settings, seed)
    run = jax.jit(leapfrog, static_argnums=(5, 6))
    x, v, _ = run(pos, vel, masses, eps, settings.dt_yr, n_steps, 1)
    xb, _, _ = run(x, v, masses, eps, -settings.dt_yr, n_steps, 1)
    return float(jnp.max(jnp.abs(xb - pos)) / a_au)


def momentum_drift(q0, a_au, settings: SimulationSettings, seed: int) -> float:
    """|P(T) - P(0)| / sum_i m_i |v_i(0)|: total momentum change over the full run."""
    masses, pos, vel, eps = cluster_state(q0, a_au, settings, seed)
    _, v, _ = jax.jit(leapfrog, static_argnums=(5, 6))(pos, vel, masses, eps, settings.dt_yr, settings.n_steps, 1)
    p0, p1 = vel @ masses, v @ masses
    return float(jnp.linalg.norm(p1 - p0) / jnp.sum(masses * jnp.linalg.norm(vel, axis=0)))


def rebound_leapfrog(masses, pos, vel, softening: float, dt: float, n_steps: int):
    """Integrate the same initial state with REBOUND's leapfrog and direct-sum gravity.

    REBOUND's leapfrog is drift-kick-drift (ours is kick-drift-kick) and its `energy()`
    ignores softening: compare positions, velocities and our softened energy of its state.

    **Returns:**

    Final positions (AU) and velocities (AU/yr), shape `(3, n)`.
    """
    import rebound

    sim = rebound.Simulation()
    sim.G = G
    sim.integrator = "leapfrog"
    sim.gravity = "basic"
    sim.softening = float(softening)
    sim.dt = float(dt)
    pos, vel = np.asarray(pos), np.asarray(vel)
    for i, m in enumerate(np.asarray(masses)):
        sim.add(m=float(m), x=pos[0, i], y=pos[1, i], z=pos[2, i], vx=vel[0, i], vy=vel[1, i], vz=vel[2, i])
    sim.steps(n_steps)
    out = np.array([[p.x, p.y, p.z, p.vx, p.vy, p.vz] for p in sim.particles]).T
    return out[:3], out[3:]
