"""REBOUND (Rein & Liu 2012), the reference integrator, on our initial states.

The validation step integrates the same initial state with REBOUND's leapfrog and
direct-sum gravity and compares trajectories, summaries and energy errors with ours;
`bench/bench_simulator.py` times it. REBOUND is a development dependency, imported only
when called.
"""

from __future__ import annotations

import numpy as np

from ..units import G
from .energy import total_energy

__all__ = ["rebound_leapfrog"]


def rebound_leapfrog(masses, pos, vel, softening: float, dt: float, n_steps: int, n_checks: int = 1):
    """Integrate the same initial state with REBOUND's leapfrog and direct-sum gravity.

    REBOUND's leapfrog is drift-kick-drift (ours is kick-drift-kick) and its `energy()`
    ignores softening: compare positions, velocities and our softened energy of its state.

    **Returns:**

    Final positions (AU) and velocities (AU/yr), shape `(3, n)`; with `n_checks` > 1 also
    our softened energy at the start and after each of `n_checks` equal blocks of steps.
    """
    sim = _rebound_simulation(masses, pos, vel, softening, dt)
    energies = [float(total_energy(pos, vel, masses, softening))]
    for _ in range(n_checks):
        sim.steps(n_steps // n_checks)
        if n_checks > 1:
            x, v = _rebound_state(sim)
            energies.append(float(total_energy(x, v, masses, softening)))
    x, v = _rebound_state(sim)
    return (x, v) if n_checks == 1 else (x, v, np.array(energies))


def _rebound_state(sim) -> tuple[np.ndarray, np.ndarray]:
    out = np.array([[p.x, p.y, p.z, p.vx, p.vy, p.vz] for p in sim.particles]).T
    return out[:3], out[3:]


def _rebound_simulation(masses, pos, vel, softening: float, dt: float):
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
    return sim
