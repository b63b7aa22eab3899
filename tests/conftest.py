"""Shared fixtures: the repository root and a profile config written to a temp folder.

Every test runs with JAX's key-reuse checker on: a PRNG key consumed twice raises.
"""

from pathlib import Path

import jax
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

jax.config.update("jax_debug_key_reuse", True)


def numpyro_keys():
    """Suspend the key-reuse check: NumPyro's own multi-chain initialization trips it."""
    return jax.debug_key_reuse(False)


def pytest_collection_modifyitems(items):
    """The end-to-end pipeline first: with `-n 2` one worker builds it while the other runs the rest."""
    items.sort(key=lambda item: item.path.name != "test_pipeline.py")


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def smoke_dict() -> dict:
    return yaml.safe_load((ROOT / "analysis" / "config" / "smoke.yaml").read_text())


@pytest.fixture
def write_config(tmp_path):
    """Write a config dict as `<tmp>/<name>.yaml` and return its path."""

    def write(data: dict, name: str = "custom") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    return write


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


@pytest.fixture(scope="session")
def tiny_emulator():
    return make_tiny_emulator()


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


@pytest.fixture(scope="session")
def tiny_learned():
    return make_tiny_learned()
