import copy
import subprocess
import sys

import pytest

from clusteremu.config import ConfigError, load_config


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_shipped_profiles_are_valid(root, profile):
    cfg = load_config(root / "analysis" / "config" / f"{profile}.yaml")
    assert cfg.profile == profile
    assert len(cfg.sha256) == 64


def _broken(base, dotted, value):
    data = copy.deepcopy(base)
    *parents, last = dotted.split(".")
    node = data
    for p in parents:
        node = node[p]
    node[last] = value
    return data


@pytest.mark.parametrize(
    ("key", "value", "expect"),
    [
        ("design.n_points", -3, "integer in [6, 100000]"),
        ("design.n_points", 12.5, "integer"),
        ("design.n_points", True, "integer"),
        ("design.n_realizations", "four", "integer in [1, 1000]"),
        ("domain.q0_min", 0.0, "number in [0.05, 5]"),
        ("design.lhs_optimization", "maximin", "one of 'none', 'random-cd', 'lloyd'"),
        ("figures.dpi", None, "integer in [50, 600]"),
    ],
)
def test_bad_value_names_key_value_and_allowed(smoke_dict, write_config, key, value, expect):
    path = write_config(_broken(smoke_dict, key, value))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert f"{key} = {value!r}" in msg
    assert expect in msg
    assert str(path) in msg


def test_unknown_and_missing_keys(smoke_dict, write_config):
    data = copy.deepcopy(smoke_dict)
    data["design"]["n_pionts"] = 10
    del data["figures"]
    with pytest.raises(ConfigError) as err:
        load_config(write_config(data))
    msg = str(err.value)
    assert "design.n_pionts: unknown key; allowed keys here:" in msg and "n_points" in msg
    assert "figures: missing" in msg


@pytest.mark.parametrize(
    ("key", "value", "expect"),
    [
        ("domain.q0_min", 1.6, "must be below domain.q0_max"),
        ("domain.a_max_au", 20.0, "must be below domain.a_max_au"),
        ("design.split.test", 0.3, "must sum to 1"),
    ],
)
def test_cross_field_checks(smoke_dict, write_config, key, value, expect):
    data = _broken(smoke_dict, key, value)
    with pytest.raises(ConfigError, match=expect.replace(".", r"\.")):
        load_config(write_config(data))


def test_too_few_points_for_split(smoke_dict, write_config):
    data = _broken(smoke_dict, "design.n_points", 6)
    data["design"]["split"] = {"train": 0.1, "validation": 0.45, "test": 0.45}
    with pytest.raises(ConfigError, match="at least 2 for training"):
        load_config(write_config(data))


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_bad_config_stops_script_before_writing(root, smoke_dict, write_config, tmp_path):
    path = write_config(_broken(smoke_dict, "design.n_points", 0))
    outs = [tmp_path / "out" / n for n in ("d.csv", "d.json", "d.png")]
    proc = subprocess.run(
        [sys.executable, str(root / "analysis" / "01_design.py"), "--config", str(path),
         "--table", str(outs[0]), "--summary", str(outs[1]), "--figure", str(outs[2])],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "design.n_points = 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
