"""Helpers shared by the tests: tiny models, a tiny likelihood comparison, the key-reuse switch.

Plain functions (the fixtures that wrap them are in `conftest.py`), imported as
`from tests.helpers import ...`.
"""

from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parents[1]


def profile_settings(name: str, **overrides):
    """A profile's simulation settings (`analysis/config/<name>.yaml`), with `overrides`."""
    from clusteremu.config import load_config
    from clusteremu.simulation.simulate import SimulationSettings

    return SimulationSettings.from_config(load_config(ROOT / "analysis" / "config" / f"{name}.yaml"), **overrides)


def numpyro_keys():
    """Suspend the key-reuse check: NumPyro's own multi-chain initialization trips it."""
    return jax.debug_key_reuse(False)


def make_tiny_emulator(members: int = 3, hidden: int = 16, seed: int = 3, noise_var: float = 1e-4):
    """An untrained but complete emulator over the paper's domain: enough for I/O, the
    likelihood and the CLI, where only the plumbing (not the accuracy) is under test."""
    import numpy as np

    from clusteremu.datasets.splits import Normalizer
    from clusteremu.emulators.mean_ensemble import Emulator
    from clusteremu.emulators.mlp import make_ensemble
    from clusteremu.emulators.uncertainty import NoiseModel
    from clusteremu.prior import ParameterBox

    norm = Normalizer([1.0, 125.0], [0.3, 45.0], [0.6, 5.0, 400.0], [0.2, 2.0, 150.0])
    return Emulator(
        ensemble=make_ensemble(members, (2, hidden, 3), key=jax.random.key(seed)),
        normalizer=norm,
        noise=NoiseModel(np.zeros((3, 2)), np.full((3, 3), noise_var), 1.0),
        scale=jax.numpy.array([1.0, 2.0, 0.5]),
        residual_sd=jax.numpy.array([0.1, 1.0, 60.0]),
        residual_cov=jax.numpy.diag(jax.numpy.array([0.1, 1.0, 60.0]) ** 2),
        domain=ParameterBox(0.5, 1.5, 50.0, 200.0),
        outputs=("f_bound", "sigma_v_kms", "r_h_au"),
    )


def make_tiny_learned(members: int = 3, hidden: int = 16, seed: int = 4):
    """An untrained but complete learned-noise ensemble (with a selection model) over the
    paper's domain, for I/O, likelihood and CLI plumbing."""
    import jax.numpy as jnp

    from clusteremu.emulators.learned_noise import LearnedEmulator
    from clusteremu.emulators.mlp import make_ensemble
    from clusteremu.emulators.selection import SelectionModel
    from clusteremu.emulators.transforms import SummaryTransform
    from clusteremu.prior import ParameterBox

    x_mean, x_std = jnp.array([1.0, 125.0]), jnp.array([0.3, 45.0])
    return LearnedEmulator(
        make_ensemble(members, (2, hidden, 9), key=jax.random.key(seed)),
        x_mean,
        x_std,
        jnp.array([0.5, 1.5, 6.0]),
        jnp.array([1.0, 0.3, 0.4]),
        jnp.ones(3),
        SummaryTransform(100),
        SelectionModel(jnp.array([3.0, -2.0, 0.0, -0.5, 0.0, 0.0]), x_mean, x_std),
        ParameterBox(0.5, 1.5, 50.0, 200.0),
    )


def make_tiny_flow(members: int = 2, seed: int = 5):
    """An untrained but complete flow mixture that takes measurement sds, over the paper's
    domain, for I/O, likelihood and CLI plumbing."""
    import jax.numpy as jnp

    from clusteremu.emulators.flow import ConditionalFlow, FlowArchitecture
    from clusteremu.emulators.transforms import SummaryTransform
    from clusteremu.prior import ParameterBox

    arch = FlowArchitecture(flow_layers=1, knots=4, interval=4.0, nn_width=8, members=members, noise_inputs=True)
    return ConditionalFlow(
        flow=arch.build(jax.random.key(seed)),
        theta_mean=jnp.array([1.0, 125.0]),
        theta_std=jnp.array([0.3, 45.0]),
        z_mean=jnp.array([0.5, 1.5, 6.0]),
        z_std=jnp.array([1.0, 0.3, 0.4]),
        sd_max=jnp.array([0.05, 0.5, 50.0]),
        transform=SummaryTransform(100),
        domain=ParameterBox(0.5, 1.5, 50.0, 200.0),
        architecture=arch,
    )


def tiny_comparison(recommended: str = "learned+selection", measured: str = "learned"):
    """A complete likelihood comparison (the typed `inference.json`) recommending `recommended`,
    and `measured` with measurement errors; its calibration numbers are plain placeholders."""
    from clusteremu.evaluation.reports import (
        CalibrationReport,
        CoverageBin,
        LikelihoodComparison,
        MeasurementStudy,
        ParameterCalibration,
        TarpResult,
    )

    quarter = CoverageBin(0.5, 1.5, 100, 0.68, 0.95, 0.05, 0.02, True, True)
    par = ParameterCalibration([0.5] * 400, [], 0.68, 0.95, 0.5, 2.0, 0.0, 1.0, [quarter] * 4, [quarter] * 4)
    report = CalibrationReport(par, par, TarpResult([], [], [], [], 0.5, 0.0, 0.1, True), {"global": True})
    return LikelihoodComparison(
        n_coverage_total=400,
        n_coverage_used=400,
        n_excluded=0,
        n_test_used=0,
        levels=[],
        likelihoods=sorted({recommended, measured}),
        recommended=recommended,
        coverage_set={recommended: report, measured: report},
        test_split={},
        nuts={},
        nuts_check_indices=[],
        cases={},
        measurement=MeasurementStudy(measured, [0.0, 0.0, 0.0], report),
    )
