"""Shared fixtures: the repository root, a profile config written to a temp folder, tiny models.

Plain helpers are in `tests/helpers.py`.

Every test runs with JAX's key-reuse checker on: a PRNG key consumed twice raises.
"""

import os
from pathlib import Path

import jax
import pytest
import yaml

from tests.helpers import ROOT, make_tiny_emulator, make_tiny_flow, make_tiny_learned

jax.config.update("jax_debug_key_reuse", True)


@pytest.fixture(scope="session", autouse=True)
def _compilation_cache(tmp_path_factory) -> None:
    """JAX's persistent compilation cache of the processes the tests start (the pipeline's
    steps, the command line): a folder of this test session's, shared by its xdist workers,
    not the user's, unless `$CLUSTEREMU_JAX_CACHE` names one. Tests that need another set
    their own."""
    base = tmp_path_factory.getbasetemp()
    session = base.parent if "PYTEST_XDIST_WORKER" in os.environ else base  # the workers' common folder
    os.environ.setdefault("CLUSTEREMU_JAX_CACHE", str(session / "jax-cache"))


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


@pytest.fixture(scope="session")
def tiny_emulator():
    return make_tiny_emulator()


@pytest.fixture(scope="session")
def tiny_learned():
    return make_tiny_learned()


@pytest.fixture(scope="session")
def tiny_flow():
    return make_tiny_flow()
