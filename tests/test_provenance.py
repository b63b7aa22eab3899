import json
import subprocess

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from clusteremu.config import load_config
from clusteremu.repro import provenance
from clusteremu.repro.provenance import PNG_KEY, Run, atomic_write_bytes, load_record, sha256_file


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_atomic_write_leaves_nothing_on_failure(in_tmp, monkeypatch):
    target = in_tmp / "sub" / "file.bin"
    atomic_write_bytes(target, b"old")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(provenance.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"], "temp file left behind"


def test_record_contents(in_tmp, root):
    cfg = load_config(root / "analysis" / "config" / "smoke.yaml", sections=("domain", "figures"))
    script = in_tmp / "make_it.py"
    script.write_text("from clusteremu.units import G\n")
    data = in_tmp / "input.txt"
    data.write_text("42\n")
    run = Run(script, cfg, inputs=[data], seeds={"x": 7}, argv=["make_it.py", "--out", "o.json"])
    out = run.write_json(in_tmp / "o.json", {"b": 1, "a": 2})
    rec = load_record(out)
    assert rec["sha256"] == sha256_file(out)
    assert rec["script"] == {"path": "make_it.py", "sha256": sha256_file(script)}
    assert rec["inputs"] == [{"path": "input.txt", "sha256": sha256_file(data)}]
    assert rec["config"]["sections"] == cfg.section_hashes() and set(cfg.section_hashes()) == {"domain", "figures"}
    assert rec["profile"] == "smoke"
    # the hash of each library module the script imports, and of no other
    assert {p.rsplit("/", 1)[-1] for p in rec["library"]} == {"__init__.py", "units.py"}
    assert all(rec["library"][p] == sha256_file(p) for p in rec["library"])
    assert rec["seeds"] == {"x": 7} and rec["command"] == ["make_it.py", "--out", "o.json"]
    assert rec["git"] == {"commit": None, "dirty": None}  # tmp is not a git checkout
    assert rec["packages"]["jax"] and rec["wall_time_s"] >= 0
    assert out.read_text() == '{\n  "a": 2,\n  "b": 1\n}\n'


def test_a_fit_writes_model_and_summary_with_its_wall_time_in_the_records_only(in_tmp, root):
    cfg = load_config(root / "analysis" / "config" / "smoke.yaml", sections=("domain",))
    script = in_tmp / "fit_it.py"
    script.write_text("")
    run = Run(script, cfg, argv=["fit_it.py"])

    class Model:
        def to_bytes(self, info):
            return repr(info).encode()

    run.write_fit(in_tmp / "m.eqx", Model(), in_tmp / "m.json", {"epochs_run": 3}, seconds=1.2345)
    assert (in_tmp / "m.eqx").read_bytes() == b"{'epochs_run': 3}"
    assert json.loads((in_tmp / "m.json").read_text()) == {"epochs_run": 3}
    for name in ("m.eqx", "m.json"):
        assert load_record(in_tmp / name)["extra"] == {"train_seconds": 1.23}


def test_git_state_reports_commit_and_dirty(in_tmp):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (in_tmp / "f").write_text("1")
    subprocess.run([*git, "add", "f"], check=True)
    subprocess.run([*git, "commit", "-qm", "c"], check=True)
    state = provenance.git_state()
    assert len(state["commit"]) == 40 and state["dirty"] is False
    (in_tmp / "f").write_text("2")
    assert provenance.git_state()["dirty"] is True


def test_figure_carries_stable_record_and_is_reproducible(in_tmp):
    script = in_tmp / "fig.py"
    script.write_text("# draws\n")

    def draw(name):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        out = Run(script, None, seeds={"s": 1}).save_figure(fig, in_tmp / name, dpi=50)
        plt.close(fig)
        return out

    a, b = draw("a.png"), draw("b.png")
    assert a.read_bytes() == b.read_bytes(), "same figure, same bytes"
    with Image.open(a) as img:
        stamp = json.loads(img.info[PNG_KEY])
        assert "Software" not in img.info
    rec = load_record(a)
    assert stamp == {k: rec[k] for k in stamp}
    assert "wall_time_s" not in stamp and "created_utc" not in stamp
