import jax
import jax.numpy as jnp
import numpy as np
import pytest

from clusteremu.simulation.energy import kinetic_energy, potential_energy
from clusteremu.simulation.plummer import initial_conditions, kroupa_masses, plummer_positions, plummer_velocities
from clusteremu.units import G

A = 80.0  # AU


def test_half_mass_radius_matches_plummer():
    cut = 0.999
    pos = plummer_positions(40_000, A, key=jax.random.key(1), mass_cut=cut)
    r = np.linalg.norm(np.asarray(pos), axis=0)
    # Half of the *sampled* mass: X = cut / 2 in M(<r)/M = X.
    expected = A / np.sqrt((0.5 * cut) ** (-2 / 3) - 1)
    assert abs(expected / A - 1.3048) < 2e-3  # the analytic 1.3048 a, barely moved by the cut
    assert np.median(r) == pytest.approx(expected, rel=0.02)
    assert r.max() < A / np.sqrt(cut ** (-2 / 3) - 1) + 1e-9


def test_velocity_dispersion_profile():
    n, mtot = 60_000, 500.0
    k1, k2 = jax.random.split(jax.random.key(2))
    pos = plummer_positions(n, A, key=k1)
    vel = np.asarray(plummer_velocities(pos, A, mtot, key=k2))
    r = np.linalg.norm(np.asarray(pos), axis=0)
    edges = np.quantile(r, np.linspace(0.02, 0.9, 8))
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (r >= lo) & (r < hi)
        measured = np.mean(vel[:, sel] ** 2)  # 1-D: mean over components
        predicted = np.mean(G * mtot / (6 * np.sqrt(r[sel] ** 2 + A**2)))
        assert measured == pytest.approx(predicted, rel=0.06), f"shell {lo:.0f}-{hi:.0f} AU"


@pytest.mark.parametrize("q0", [0.5, 1.0, 1.5])
def test_virial_ratio_exact_and_centre_of_mass_at_rest(q0):
    masses = kroupa_masses(200, key=jax.random.key(3))
    eps = 0.05 * A
    pos, vel = initial_conditions(masses, q0, A, eps, key=jax.random.key(4))
    ratio = kinetic_energy(vel, masses) / jnp.abs(potential_energy(pos, masses, eps))
    assert float(ratio) == pytest.approx(q0, rel=1e-12)
    mtot = float(jnp.sum(masses))
    assert np.abs(np.asarray(pos @ masses)).max() / mtot < 1e-10 * A
    assert np.abs(np.asarray(vel @ masses)).max() / mtot < 1e-10


def test_kroupa_masses_follow_the_imf():
    m = np.asarray(kroupa_masses(200_000, key=jax.random.key(5), m_min=0.08, m_max=10.0))
    assert m.min() >= 0.08 and m.max() <= 10.0
    # Analytic number fraction below the 0.5 Msun break for the continuous two-part law.
    w1 = (0.5**-0.3 - 0.08**-0.3) / -0.3
    w2 = 0.5 * (10.0**-1.3 - 0.5**-1.3) / -1.3
    assert np.mean(m < 0.5) == pytest.approx(w1 / (w1 + w2), abs=0.005)
    with pytest.raises(ValueError, match="m_min < 0.5 < m_max"):
        kroupa_masses(10, key=jax.random.key(0), m_min=0.6, m_max=10.0)
