"""End to end: the smoke pipeline in a fresh copy of the repository.

The copy holds the tracked and untracked-but-not-ignored files (what a clone of this
working tree would hold), becomes its own git repository, and reuses this checkout's
virtual environment. Then: `make paper` builds the PDF, a second `make` does nothing,
`make audit` passes, and each kind of tampering makes the audit fail for its reason.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
pytestmark = pytest.mark.slow


def make(repo: Path, *targets: str, profile: str = "smoke", check: bool = True) -> subprocess.CompletedProcess:
    # -o: never rebuild the shared environment from inside the copy (it would repoint the editable install).
    cmd = [
        "make",
        "--no-print-directory",
        "-o",
        f"{VENV}/.installed-stamp",
        *targets,
        f"PROFILE={profile}",
        f"VENV={VENV}",
    ]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("clone")
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)  # keep mtimes: the venv stamp stays newer
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-qm", "snapshot"], cwd=dest, check=True)
    make(dest, "paper")
    return dest


def pdf_text(repo: Path) -> str:
    pages = PdfReader(repo / "build/smoke/paper.pdf").pages
    return "\n".join(page.extract_text() for page in pages).replace("\xa0", " ")


def test_pdf_is_complete(repo):
    pdf = repo / "build/smoke/paper.pdf"
    assert len(PdfReader(pdf).pages) >= 2
    text = pdf_text(repo)
    for heading in ("Introduction", "Experimental design", "The N-body simulator", "Validation",
                    "The campaign", "The emulator", "Baselines", "Accuracy", "Uncertainty and calibration",
                    "Inference", "Sampler and its check", "Coverage study", "Discussion",
                    "Reproducibility", "References",
                    "Appendix: provenance of the figures"):  # fmt: skip
        assert heading in text, f"section {heading!r} missing from the PDF"
    for raw in ("{{<", "@fig-", "@tbl-", "@sec-", "??"):
        assert raw not in text, f"unresolved {raw!r} in the PDF"
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout
    assert f"01_design.py @ {commit[:7]}, inputs" in text, "caption provenance tag missing"
    assert "Figure 1" in text and "Profile smoke" in text


def test_every_figure_and_table_made_is_in_the_paper(repo):
    from clusteremu.layout import Layout
    from clusteremu.manuscript import used_figures, used_tables

    layout = Layout(repo, "smoke")
    assert set(layout.figures.glob("*.png")) == set(used_figures(layout))
    assert set((layout.data / "tables").glob("*.md")) == set(used_tables(layout))
    appendix = (layout.stage / "_provenance.md").read_text()
    for fig in layout.figures.glob("*.png"):
        assert f"`{fig.name}`" in appendix, f"{fig.name} missing from the provenance appendix"


def test_second_make_runs_no_recipe(repo):
    proc = make(repo, "-n", "paper")
    assert "Nothing to be done" in proc.stdout, proc.stdout


def _dry_run_after_touch(repo: Path, rel: str) -> str:
    path = repo / rel
    before = path.stat()
    os.utime(path, (before.st_atime + 3600, before.st_mtime + 3600))
    try:
        return make(repo, "-n", "paper").stdout
    finally:
        os.utime(path, (before.st_atime, before.st_mtime))


@pytest.mark.parametrize(
    ("touched", "reruns", "keeps"),
    [
        ("analysis/90_variables.py", ["90_variables.py", "clusteremu render"], ["01_design", "02_", "03_"]),
        # A dry run stops at a rerun grouped target; its descendants follow from the case above.
        ("analysis/03_simulate.py", ["03_simulate.py"], ["01_design", "02_validate"]),
        ("paper/index.qmd", ["clusteremu render"], ["analysis/"]),
    ],
)  # fmt: skip
def test_editing_one_file_rebuilds_only_its_descendants(repo, touched, reruns, keeps):
    out = _dry_run_after_touch(repo, touched)
    for step in reruns:
        assert step in out, f"{step} should rerun after {touched} changed:\n{out}"
    for step in keeps:
        assert step not in out, f"{step} should not rerun after {touched} changed:\n{out}"


def test_audit_passes(repo):
    proc = make(repo, "audit")
    assert "0 failed" in proc.stdout
    assert "figures/smoke/design.png" in proc.stdout and "build/smoke/_variables.yml" in proc.stdout


@pytest.mark.parametrize(
    ("rel", "expect"),
    [
        ("figures/smoke/design.png", "content changed since it was written"),
        ("data/smoke/design_summary.json", "input data/smoke/design_summary.json changed since"),
        ("data/smoke/campaign_summary.json", "input data/smoke/campaign_summary.json changed since"),
        ("data/smoke/design.csv", "input data/smoke/design.csv changed since"),
        ("data/smoke/emulator.eqx", "input data/smoke/emulator.eqx changed since"),
        ("data/smoke/tables/accuracy.md", "content changed since it was written"),
        ("data/smoke/coverage_sims.csv", "input data/smoke/coverage_sims.csv changed since"),
        ("build/smoke/_variables.yml", "input build/smoke/_variables.yml changed since"),
        ("analysis/01_design.py", "producing script analysis/01_design.py changed since"),
        ("analysis/config/smoke.yaml", "config analysis/config/smoke.yaml changed since"),
        ("paper/index.qmd", "input paper/index.qmd changed since"),
        ("src/clusteremu/design.py", "library src/clusteremu changed since"),
    ],
)
def test_tampering_fails_the_audit(repo, rel, expect):
    path = repo / rel
    original, stat = path.read_bytes(), path.stat()
    path.write_bytes(original + (b"\n# tampered\n" if not rel.endswith(".png") else b"\0"))
    try:
        proc = make(repo, "audit", check=False)
    finally:
        path.write_bytes(original)
        os.utime(path, (stat.st_atime, stat.st_mtime))
    assert proc.returncode != 0
    assert expect in proc.stdout, proc.stdout
    assert make(repo, "audit", check=False).returncode == 0, "restoring the file must restore the audit"


def test_deleted_record_fails_the_audit(repo):
    record = repo / "figures/smoke/design.png.prov.json"
    saved = record.read_bytes()
    record.unlink()
    try:
        proc = make(repo, "audit", check=False)
    finally:
        record.write_bytes(saved)
    assert proc.returncode != 0 and "no provenance record" in proc.stdout


def test_bad_config_gives_one_clear_error_and_writes_nothing(repo):
    cfg = repo / "analysis/config/broken.yaml"
    cfg.write_text((repo / "analysis/config/smoke.yaml").read_text().replace("n_points: 24", "n_points: 2"))
    try:
        proc = make(repo, "paper", profile="broken", check=False)
    finally:
        cfg.unlink()
    assert proc.returncode != 0
    assert "design.n_points = 2: not allowed; expected an integer in [6, 100000]" in proc.stderr
    assert "Traceback" not in proc.stderr
    for folder in ("data/broken", "figures/broken", "build/broken"):
        assert not (repo / folder).exists() or not any((repo / folder).iterdir())


def test_unknown_profile_is_refused(repo):
    proc = make(repo, "paper", profile="nope", check=False)
    assert proc.returncode != 0
    assert "unknown PROFILE 'nope'" in proc.stderr and "smoke" in proc.stderr
