"""The dirty flag the CLI's outputs (and every provenance record) carry: untracked files outside
the tracked tree, such as the README examples' `scratch/` folder, leave a checkout clean."""

import subprocess

from clusteremu.repro.provenance import git_state


def test_untracked_files_outside_the_tracked_tree_leave_it_clean(tmp_path):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text("1")
    (tmp_path / "Makefile").write_text("all:\n")
    subprocess.run([*git, "add", "src/m.py", "Makefile"], check=True)
    subprocess.run([*git, "commit", "-qm", "c"], check=True)
    assert git_state(tmp_path)["dirty"] is False
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "posterior.nc").write_text("x")
    (tmp_path / "run.npz").write_text("x")
    assert git_state(tmp_path)["dirty"] is False, "outside the tracked tree"
    (tmp_path / "src" / "new.py").write_text("2")
    assert git_state(tmp_path)["dirty"] is True, "an untracked module inside a tracked folder"
    (tmp_path / "src" / "new.py").unlink()
    (tmp_path / "src" / "pkg").mkdir()
    (tmp_path / "src" / "pkg" / "x.py").write_text("3")
    assert git_state(tmp_path)["dirty"] is True, "an untracked folder inside a tracked folder"
    (tmp_path / "src" / "pkg" / "x.py").unlink()
    (tmp_path / "Makefile").write_text("all: x\n")
    assert git_state(tmp_path)["dirty"] is True, "a changed tracked file"
    subprocess.run([*git, "checkout", "-q", "Makefile"], check=True)
    subprocess.run([*git, "mv", "src/m.py", "src/n.py"], check=True)
    assert git_state(tmp_path)["dirty"] is True, "a staged rename"


def test_outside_a_checkout_the_flag_is_unknown(tmp_path):
    assert git_state(tmp_path) == {"commit": None, "dirty": None}
