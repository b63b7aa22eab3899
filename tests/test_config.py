import copy
import subprocess
import sys

import pytest

from clusteremu.config import ConfigError, load_config, section_sha256, write_section_stamps


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
        ("manuscript.authors", [], "a non-empty list of distinct names"),
        ("manuscript.authors", "The clusteremu team", "a non-empty list of distinct names"),
        ("manuscript.authors", ["A. Author", "A. Author"], "distinct names"),
        ("manuscript.authors", ["A. Author", " "], "each a non-empty string"),
        ("manuscript.repository", "github.com/owner/clusteremu", "null (not set) or an http(s) URL"),
        ("manuscript.archive", "zenodo 1234567", "null (not set) or a DOI such as 10.5281/zenodo.1234567"),
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


def test_publication_keys_accept_names_urls_and_dois(smoke_dict, write_config):
    data = copy.deepcopy(smoke_dict)
    data["manuscript"] |= {
        "authors": ["A. Author", "B. Author"],
        "repository": "https://github.com/owner/clusteremu",
        "archive": "10.5281/zenodo.1234567",
    }
    assert load_config(write_config(data))["manuscript"]["authors"] == ["A. Author", "B. Author"]
    data["manuscript"]["archive"] = "https://archive.softwareheritage.org/browse/origin/"
    load_config(write_config(data))


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
    outs = [tmp_path / "out" / n for n in ("d.csv", "d.json")]
    proc = subprocess.run(
        [
            sys.executable,
            str(root / "analysis" / "01_design.py"),
            "--config",
            str(path),
            "--table",
            str(outs[0]),
            "--summary",
            str(outs[1]),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode != 0
    assert "design.n_points = 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_reader_sees_only_the_sections_it_declared(root):
    cfg = load_config(root / "analysis" / "config" / "smoke.yaml", sections=("domain", "figures"))
    assert cfg.sections == ("domain", "figures") and cfg["figures"]["dpi"] > 0
    with pytest.raises(ConfigError, match="'simulation' is not readable here; declared sections: domain, figures"):
        cfg["simulation"]
    with pytest.raises(ConfigError, match="'emulator' is not readable here"):
        cfg.only(["emulator"])
    with pytest.raises(ConfigError, match="'nonsense' is not readable here; known sections"):
        load_config(root / "analysis" / "config" / "smoke.yaml", sections=("nonsense",))


def test_section_hash_ignores_comments_and_order_but_not_values():
    assert section_sha256({"a": 1, "b": [1, 2]}) == section_sha256({"b": [1, 2], "a": 1})
    assert section_sha256({"a": 1}) != section_sha256({"a": 1.5})


def test_stamps_are_rewritten_only_for_changed_sections(smoke_dict, write_config, tmp_path):
    stamps = tmp_path / "stamps"
    path = write_config(smoke_dict)
    first = write_section_stamps(load_config(path), stamps)
    assert {p.stem for p in first} == set(smoke_dict)
    before = {p.name: p.stat().st_mtime_ns for p in stamps.iterdir()}
    edited = copy.deepcopy(smoke_dict)
    edited["figures"]["dpi"] = 150
    path.write_text(path.read_text().replace("dpi: 100", "dpi: 150") + "# a comment changes nothing\n")
    assert [p.name for p in write_section_stamps(load_config(path), stamps)] == ["figures.json"]
    after = {p.name: p.stat().st_mtime_ns for p in stamps.iterdir()}
    assert {n for n in after if after[n] != before[n]} == {"figures.json"}
    assert write_section_stamps(load_config(path), stamps) == []


def test_stamp_command_refuses_an_invalid_profile_and_writes_nothing(smoke_dict, write_config, tmp_path, root):
    path = write_config(_broken(smoke_dict, "figures.dpi", 5))
    proc = subprocess.run(
        [sys.executable, "-m", "clusteremu.config", "stamps", str(path), str(tmp_path / "s")],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert proc.returncode == 2 and "figures.dpi = 5: not allowed" in proc.stderr
    assert not (tmp_path / "s").exists()
