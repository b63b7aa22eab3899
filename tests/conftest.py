"""Shared fixtures: the repository root and a profile config written to a temp folder."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


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
