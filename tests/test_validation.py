"""Cross-check against REBOUND, an independent N-body code (pip `rebound`)."""

import jax
import numpy as np
import pytest

from clusteremu.paper.numbers import energy_convergence_text
from clusteremu.simulation.energy import total_energy
from clusteremu.simulation.integrate import leapfrog
from clusteremu.simulation.validation import (
    _rms_standard_error,
    cluster_state,
    kepler_relative_position,
    rebound_leapfrog,
)
from tests.helpers import profile_settings

SETTINGS = profile_settings(
    "smoke", n_stars=32, t_end_yr=20.0, n_steps=400, n_energy_checks=1, min_bound_stars=5, force_precision="float64"
)


def trajectories_differ(dt: float, t_end: float = 20.0) -> float:
    masses, pos, vel, eps = cluster_state(0.8, 80.0, SETTINGS, seed=9)
    steps = int(round(t_end / dt))
    ours, _, _ = jax.jit(leapfrog, static_argnums=(5, 6))(pos, vel, masses, eps, dt, steps, 1)
    theirs, _ = rebound_leapfrog(masses, pos, vel, eps, dt, steps)
    return float(np.max(np.abs(np.asarray(ours) - theirs)) / 80.0)


def test_same_state_same_trajectory_as_rebound():
    coarse, fine = trajectories_differ(0.1), trajectories_differ(0.05)
    assert fine < 1e-5
    # Kick-drift-kick against drift-kick-drift: the difference is O(dt^2).
    assert coarse / fine == pytest.approx(4.0, rel=0.25)


def test_rebound_conserves_our_softened_energy():
    masses, pos, vel, eps = cluster_state(1.2, 80.0, SETTINGS, seed=10)
    rpos, rvel = rebound_leapfrog(masses, pos, vel, eps, 0.05, 400)
    e0 = float(total_energy(pos, vel, masses, eps))
    e1 = float(total_energy(rpos, rvel, masses, eps))
    assert abs(e1 - e0) / abs(e0) < 1e-5


def test_kepler_solution_is_periodic():
    gm, a = 4 * np.pi**2 * 2, 10.0
    period = 2 * np.pi * np.sqrt(a**3 / gm)
    xy = kepler_relative_position([0.0, period], a, 0.5, gm)
    np.testing.assert_allclose(xy[:, 0], xy[:, 1], atol=1e-9)
    assert xy[0, 0] == pytest.approx(a * 0.5)  # starts at pericentre r = a (1 - e)


def test_dispersion_standard_error_matches_gaussian_theory_and_the_spread_of_replicates():
    # Gaussian components of sd s: per-star |v|^2/3 has variance 2 s^4 / 3, so se(sigma) = s / sqrt(6 N)
    rng = np.random.default_rng(5)
    s, n = 2.0, 4000
    draws = rng.normal(0.0, s, size=(200, 3, n))
    se = np.array([_rms_standard_error(v) for v in draws])
    assert np.all(np.abs(se / (s / np.sqrt(6 * n)) - 1) < 0.1)
    spread = np.std([np.sqrt(np.mean(v**2)) for v in draws])
    assert spread == pytest.approx(se.mean(), rel=0.15)


@pytest.mark.parametrize(
    ("error", "error64", "expected"),
    [
        (
            [1e-2, 2.5e-3, 6.2e-4, 1.6e-4],
            [1e-2, 2.5e-3, 6.2e-4, 1.6e-4],
            "(a straight line through the errors at the three smallest steps has slope",
        ),
        ([1e-2, 2.5e-3, 6.2e-4, 5e-4], [1e-2, 2.5e-3, 6.2e-4, 1.6e-4], "the floor is the rounding of the float32"),
        ([1e-2, 2.5e-3, 6.2e-4, 5e-4], [1e-2, 2.5e-3, 6.2e-4, 5.5e-4], "that floor is not the forces' rounding"),
    ],
    ids=["second-order", "float32-floor", "other-floor"],
)
def test_the_convergence_sentence_says_what_the_errors_show(error, error64, expected):
    conv = {"dt_yr": [0.4, 0.2, 0.1, 0.05], "error": error, "error_float64": error64, "slope": 2.0}
    text = energy_convergence_text(conv, production_dt_yr=0.1)
    assert expected in text and "2.0, 2.0 and" in text
    assert "production step" not in text  # float32 and float64 agree there


def test_the_convergence_sentence_names_a_float32_excess_at_the_production_step():
    conv = {"dt_yr": [0.4, 0.2, 0.1, 0.05], "error": [1e-2, 2.5e-3, 1.3e-3, 1.2e-3], "slope": 1.0}
    conv["error_float64"] = [1e-2, 2.5e-3, 4e-4, 1.1e-3]
    text = energy_convergence_text(conv, production_dt_yr=0.1)
    assert "At the production step (0.1 yr) it is 1.3" in text and "against 4" in text
    assert "with the float32 forces the runs use, and of 2.0, 2.6 and -1.5 with float64 forces" in text
    assert "that floor is not the forces' rounding" in text
