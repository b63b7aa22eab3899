"""The synthetic-likelihood reference posterior on a model whose answer is known."""

import numpy as np
import pytest

from clusteremu.datasets.design import simulation_seed
from clusteremu.emulators.transforms import SummaryTransform
from clusteremu.evaluation.reference import LocalGrid, local_grid, reference_design, synthetic_posterior
from clusteremu.inference.grid import GridPosterior
from clusteremu.prior import ParameterBox

BOX = ParameterBox(0.5, 1.5, 50.0, 200.0)
T = SummaryTransform(100)
SD = np.array([0.3, 0.05, 0.1])  # noise of z


def simulated_columns(grid: LocalGrid, m: int, seed: int) -> dict:
    """Columns of a dataset whose z = linear(theta) + Gaussian noise: a known likelihood."""
    rng = np.random.default_rng(seed)
    design = reference_design([grid], seed=seed, realizations=m)
    theta = np.column_stack([design.q0, design.a_au])
    z = linear(theta) + rng.normal(size=(len(theta), 3)) * SD
    y = np.asarray(T.inverse(z))
    n = len(theta)
    return {
        "point": design.point,
        "f_bound": y[:, 0],
        "sigma_v_kms": y[:, 1],
        "r_h_au": y[:, 2],
        "few_bound": np.zeros(n, bool),
        "flag_energy": np.zeros(n, bool),
    }


def linear(theta):
    return np.column_stack([2.0 - 2.0 * theta[:, 0], 1.5 - 0.002 * theta[:, 1], 5.0 + 0.004 * theta[:, 1]])


def test_reference_design_is_reproducible_and_local_grid_stays_in_the_box():
    density = np.zeros((1, 40, 40))
    density[0, 35:, 10:14] = 1.0  # a posterior near the top edge of Q0
    q0, a = BOX.grid(40)
    grid = local_grid(
        GridPosterior(q0, a, density / (density.sum() * (q0[1] - q0[0]) * (a[1] - a[0]))), 0, BOX, n=5, span_sd=3.0
    )
    assert grid.q0.max() <= BOX.q0_max and grid.q0.min() > 1.2
    d = reference_design([grid, grid], seed=3, realizations=4)
    assert len(d.seed) == 2 * 25 * 4 and d.seed[5] == simulation_seed(3, 1, 1)


def test_synthetic_posterior_matches_the_exact_posterior():
    grid = LocalGrid(0.8 + (np.arange(15) + 0.5) * 0.4 / 15, 80.0 + (np.arange(15) + 0.5) * 80.0 / 15)
    theta_true = np.array([[1.0, 120.0]])
    obs = np.asarray(T.inverse(linear(theta_true)))[0]
    cols = simulated_columns(grid, 200, seed=1)
    ref = synthetic_posterior(cols, grid, 0, obs, 100)
    # the exact posterior: Gaussian in z with known mean and sd, on the same grid
    z_obs = np.asarray(T.forward(obs))
    logp = -0.5 * np.sum(((z_obs - linear(grid.points)) / SD) ** 2, axis=1)
    dens = np.exp(logp - logp.max()).reshape(15, 15)
    exact = GridPosterior(
        grid.q0, grid.a_au, dens[None] / (dens.sum() * (grid.q0[1] - grid.q0[0]) * (grid.a_au[1] - grid.a_au[0]))
    ).moments()
    for j, p in enumerate(("q0", "a_au")):
        assert ref["mean"][j] == pytest.approx(exact[f"{p}_mean"][0], abs=0.15 * exact[f"{p}_sd"][0])
        assert ref["sd"][j] == pytest.approx(exact[f"{p}_sd"][0], rel=0.15)
    assert ref["min_usable"] == 200 and all(f == 1.0 for f in ref["usable_fraction"])
