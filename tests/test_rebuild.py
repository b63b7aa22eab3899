"""`make audit REBUILD=1`'s comparison of an artifact with its rebuild
(`clusteremu.paper.rebuild.compare`): a difference explained by the commit an artifact was
made at is told apart from one the pipeline caused."""

import json

from clusteremu.paper.rebuild import compare
from clusteremu.repro.provenance import record_path


def _artifact(path, data: bytes, commit: str | None, dirty: bool = False):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if commit is not None:
        record_path(path).write_text(json.dumps({"git": {"commit": commit, "dirty": dirty}}))
    return path


def test_identical_bytes_are_no_problem_whatever_the_commits(tmp_path):
    mine = _artifact(tmp_path / "mine" / "fig.png", b"png", "a" * 40)
    rebuilt = _artifact(tmp_path / "rebuilt" / "fig.png", b"png", "b" * 40)
    assert compare(mine, rebuilt) == []


def test_a_difference_at_one_commit_is_reported_as_such(tmp_path):
    mine = _artifact(tmp_path / "mine" / "fig.png", b"png 1", "a" * 40)
    rebuilt = _artifact(tmp_path / "rebuilt" / "fig.png", b"png 2", "a" * 40)
    assert compare(mine, rebuilt) == ["bytes differ from the rebuild"]
    mine_record_less = _artifact(tmp_path / "mine" / "deps.mk", b"x", None)
    rebuilt_record_less = _artifact(tmp_path / "rebuilt" / "deps.mk", b"y", None)
    assert compare(mine_record_less, rebuilt_record_less) == ["bytes differ from the rebuild"]


def test_a_difference_made_at_another_commit_names_both_and_the_remedy(tmp_path):
    mine = _artifact(tmp_path / "mine" / "fig.png", b"png 1", "a" * 40)
    rebuilt = _artifact(tmp_path / "rebuilt" / "fig.png", b"png 2", "b" * 40, dirty=True)
    (problem,) = compare(mine, rebuilt)
    assert "made at aaaaaaaaaaaa and the rebuild at bbbbbbbbbbbb (uncommitted changes)" in problem
    assert "`make clean` and `make paper` at one commit" in problem
