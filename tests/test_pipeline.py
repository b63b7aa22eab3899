"""End to end: the smoke pipeline in a fresh copy of the repository.

The copy holds the tracked and untracked-but-not-ignored files (what a clone of this
working tree would hold), becomes its own git repository, and reuses this checkout's
virtual environment. Then: `make paper` builds the PDF, a second `make` does nothing,
each kind of edit reruns exactly the steps that depend on it, the simulation cache makes
a forced or grown campaign cheap, `make audit` passes, and each kind of tampering makes
the audit fail for its reason.
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
pytestmark = pytest.mark.slow

FIGURE_SCRIPTS = {f"figures/{p.stem}" for p in (ROOT / "analysis" / "figures").glob("*.py")}
COMPUTE_SCRIPTS = {p.stem for p in (ROOT / "analysis").glob("[0-9]*.py")} - {"99_render"}


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
    make(dest, "-j2", "paper")  # also checks that the Makefile builds correctly in parallel
    return dest


def pdf_text(repo: Path) -> str:
    pages = PdfReader(repo / "build/smoke/paper.pdf").pages
    return "\n".join(page.extract_text() for page in pages).replace("\xa0", " ")


def test_pdf_is_complete(repo):
    pdf = repo / "build/smoke/paper.pdf"
    assert len(PdfReader(pdf).pages) >= 2
    text = pdf_text(repo)
    for heading in (
        "Introduction",
        "Experimental design",
        "The N-body simulator",
        "Validation",
        "The campaign",
        "The emulators",
        "Accuracy",
        "Predictive uncertainty",
        "Inference",
        "Likelihoods",
        "Samplers",
        "Coverage",
        "Posteriors against the simulator",
        "How many simulations",
        "Costs",
        "Conclusions",
        "Discussion",
        "Reproducibility",
        "References",
        "Appendix: provenance",
    ):
        assert heading in text, f"section {heading!r} missing from the PDF"
    for raw in ("{{<", "@fig-", "@tbl-", "@sec-", "??"):
        assert raw not in text, f"unresolved {raw!r} in the PDF"
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout
    assert f"design.py @ {commit[:7]}, inputs" in text, "caption provenance tag missing"
    assert "Figure 1" in text and "profile smoke, commit" in text
    sampled = re.findall(r"Runs of NUTS passing every diagnostic: ([^.;]*?), \d+ of \d+\.", " ".join(text.split()))
    assert len(sampled) == 1, "the smoke profile samples only the recommended likelihood with NUTS"


def test_every_figure_and_table_made_is_in_the_paper_and_its_appendix(repo):
    from clusteremu.paper.claims import CLAIMS
    from clusteremu.paper.manuscript import used_figures, used_tables
    from clusteremu.repro.paths import Layout

    layout = Layout(repo, "smoke")
    assert set(layout.figures.glob("*.png")) == set(used_figures(layout))
    assert set((layout.data / "tables").glob("*.md")) == set(used_tables(layout))
    appendix = (layout.stage / "_provenance.md").read_text()
    rows = [line for line in appendix.splitlines() if line.startswith("| @fig-") or line.startswith("| @tbl-")]
    assert len(rows) == len(used_figures(layout)) + len(used_tables(layout)), "one row per figure and table"
    for fig in layout.figures.glob("*.png"):
        assert f"| `figures/smoke/{fig.name}` |" in appendix, f"{fig.name} missing from the appendix"
    claims = (layout.stage / "_claims.md").read_text()
    assert all(f"| `{claim.id}` |" in claims for claim in CLAIMS), "a checked claim missing from the appendix"


def test_the_simulator_validation_of_the_smoke_profile_holds(repo):
    """Step 02's `validation_report` for the smoke profile (the library function, run where the
    pipeline runs it): second order on a Kepler orbit, momentum and virial ratio exact, the
    sampled Plummer profile, and the production step's error the one its energy history shows."""
    rep = json.loads((repo / "data/smoke/validation.json").read_text())
    assert rep["two_body"]["slope"] == pytest.approx(2.0, abs=0.1)
    assert len(rep["energy_histories"]) == 4 and len(rep["rebound"]) == 4
    assert rep["momentum_drift"] < 1e-12 and rep["virial_ratio_error"] < 1e-12
    pl = rep["plummer"]
    assert abs(pl["half_mass_radius_over_a"] - pl["half_mass_radius_expected"]) < 0.03
    assert max(abs(s - e) for s, e in zip(pl["enclosed_sampled"], pl["enclosed_exact"], strict=True)) < 0.02
    conv = rep["energy_convergence"]
    assert len(conv["error_float64"]) == len(conv["error"]) and min(conv["error_float64"]) > 0
    # the production step's maximum is the first corner's energy history's (the same cluster and check times)
    production = conv["dt_yr"].index(rep["production_dt_yr"])
    assert conv["error"][production] == max(rep["energy_histories"][0]["error"])


def test_second_make_runs_no_recipe_and_no_artifact_was_deleted(repo):
    assert "Nothing to be done" in make(repo, "-n", "paper").stdout
    assert make(repo, "-q", "paper", check=False).returncode == 0
    assert make(repo, "-q", "data", check=False).returncode == 0, "an artifact was deleted as intermediate"


def test_a_deleted_artifact_is_remade_and_its_measurement_reused(repo):
    """A blanket `.SECONDARY:` made every artifact an intermediate file, and make did not remake
    a deleted one whose dependents were up to date. The costs, measured again, would change
    the PDF; the stored measurement is reused instead (`clusteremu.repro.measurements`), so the
    remade file has the same bytes (and the PDF, a function of them, would too: the audit's
    rebuild shows it)."""
    path = repo / "data/smoke/costs.json"
    data, stat = path.read_bytes(), path.stat()
    path.unlink()
    assert make(repo, "-q", "paper", check=False).returncode == 1, "the missing artifact is noticed"
    assert "costs: reused the measurement of" in make(repo, "data/smoke/costs.json").stdout
    assert path.read_bytes() == data, "the same measurement"
    os.utime(path, (stat.st_atime, stat.st_mtime))  # the same bytes: leave the build as up to date as it was


def reruns(repo: Path) -> set[str]:
    """The analysis scripts whose outputs `make paper` would remake, as `NN_name` or `figures/name`.

    Asked artifact by artifact with `make -q` (GNU Make 4.3's `make -n` does not follow a
    multi-output rule's other outputs downstream); the producing script is read from each
    artifact's provenance record. The first question brings the generated makefiles and
    config stamps up to date; the others only read, so they are asked four at a time.
    """
    outputs = {}
    for record in sorted(repo.glob("*/smoke/**/*.prov.json")):
        script = json.loads(record.read_text())["script"]["path"].removeprefix("analysis/").removesuffix(".py")
        outputs[script] = str(record.relative_to(repo)).removesuffix(".prov.json")
    (first, artifact), *rest = outputs.items()
    stale = {first} if make(repo, "-q", artifact, check=False).returncode else set()
    with ThreadPoolExecutor(4) as pool:
        codes = pool.map(lambda item: (item[0], make(repo, "-q", item[1], check=False).returncode), rest)
        return stale | {script for script, code in codes if code}


@contextlib.contextmanager
def edited(repo: Path, rel: str, old: str | None = None, new: str | None = None):
    """Edit one file (replace `old` by `new`, or append a comment), then restore its
    bytes and modification time, and those of the config stamps, afterwards."""
    path = repo / rel
    text, stat = path.read_text(), path.stat()
    stamps = {p: p.stat() for p in (repo / "build/smoke/config").glob("*.json")}
    if old is None:
        path.write_text(text + ("\n<!-- edit -->\n" if rel.endswith(".qmd") else "\n# edit\n"))
    else:
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1))
    try:
        yield
    finally:
        path.write_text(text)
        os.utime(path, (stat.st_atime, stat.st_mtime))
        make(repo, "-n", "paper")  # rewrites the stamps of the restored config
        for p, st in stamps.items():
            os.utime(p, (st.st_atime, st.st_mtime))


INFERENCE_FIGURES = {f"figures/{n}" for n in ("coverage", "coverage_quarters", "tarp", "sbc", "corners")}
# What reads a model file: the likelihood study (every likelihood family member is built),
# the confirmation, the truth set's comparison, the reference posterior, the misspecification
# study, the costs, and what they feed.
MODEL_READERS = {
    "08_inference",
    "18_confirmation",
    "21_misspecification",
    "14_truth_evaluation",
    "15_reference_bank",
    "80_costs",
    "90_variables",
    "99_render",
    "figures/truth",
    "figures/reference",
} | INFERENCE_FIGURES
# What reads the flow and the learned ensemble's selection model but no other model file.
FLOW_READERS = {"19_flow_diagnosis", "figures/flow_slices"}
TEST_SPLIT_FIGURES = {"figures/pred_vs_true", "figures/residuals", "figures/slices", "figures/reliability"}
# Everything downstream of the mean ensemble: its evaluation on the test split, and every
# reader of a model file (one likelihood stands on it).
EMULATOR_DOWNSTREAM = {"06_evaluate_emulator", "figures/loss_curves"} | TEST_SPLIT_FIGURES | MODEL_READERS


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"),
    [
        # Each model module: only what fits that model or reads its file (no import circle,
        # no shared module that would rerun the other models' fits).
        (
            "src/clusteremu/emulators/learned_noise.py",
            None,
            None,
            {"11_fit_learned"} | MODEL_READERS | FLOW_READERS,
        ),
        (
            "src/clusteremu/emulators/mean_ensemble.py",
            None,
            None,
            {"04_train_emulator"} | EMULATOR_DOWNSTREAM,
        ),
        (
            "src/clusteremu/emulators/flow.py",
            None,
            None,
            {"12_fit_flow", "figures/flow_training", "16_learning_curve", "figures/learning_curve"}
            | MODEL_READERS
            | FLOW_READERS,
        ),
        (
            "src/clusteremu/emulators/gp.py",
            None,
            None,
            {"05_baselines", "06_evaluate_emulator"} | TEST_SPLIT_FIGURES | MODEL_READERS,
        ),
        ("src/clusteremu/paper/plotting.py", '"#0072B2"', '"#1F77B4"', FIGURE_SCRIPTS | {"99_render"}),
        ("src/clusteremu/paper/clusteremu.mplstyle", "font.size: 9", "font.size: 8", FIGURE_SCRIPTS | {"99_render"}),
        ("analysis/config/smoke.yaml", "dpi: 100", "dpi: 110", FIGURE_SCRIPTS | {"99_render"}),
        ("analysis/figures/summaries.py", None, None, {"figures/summaries", "99_render"}),
        ("paper/index.qmd", None, None, {"99_render"}),
        ("src/clusteremu/paper/manuscript.py", None, None, {"99_render"}),
        ("src/clusteremu/cli/__init__.py", None, None, set()),
        ("analysis/04_train_emulator.py", None, None, {"04_train_emulator"} | EMULATOR_DOWNSTREAM),
        (
            "analysis/config/smoke.yaml",
            "  realizations: 6 ",
            "  realizations: 5 ",
            {"15_reference_bank", "90_variables", "figures/reference", "99_render"},
        ),
        (
            "analysis/config/smoke.yaml",
            "n_nuts_check: 2",
            "n_nuts_check: 3",
            {
                "07_coverage_sims",
                "08_inference",
                "18_confirmation",
                "15_reference_bank",
                "16_learning_curve",
                "19_flow_diagnosis",
                "21_misspecification",
                "80_costs",
                "90_variables",
                "figures/reference",
                "figures/learning_curve",
                "figures/flow_slices",
                "99_render",
            }
            | INFERENCE_FIGURES,
        ),
    ],
)
def test_an_edit_reruns_exactly_what_depends_on_it(repo, rel, old, new, expected):
    with edited(repo, rel, old, new):
        assert reruns(repo) == expected
    # Every artifact feeds the PDF, so one question answers for all of them.
    assert make(repo, "-q", "build/smoke/paper.pdf", check=False).returncode == 0, (
        "restoring the file restores the build"
    )


def run_script(repo: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    proc = subprocess.run(
        [sys.executable, f"analysis/{script}", *args], cwd=repo, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return proc


CACHE = ("--cache", "data/sim-cache")


def test_a_forced_campaign_simulates_nothing_and_a_grown_one_only_what_is_new(repo, tmp_path):
    cfg = "analysis/config/smoke.yaml"
    data = repo / "data/smoke"
    outs = ["--dataset", str(tmp_path / "c.csv"), "--summary", str(tmp_path / "s.json")]
    forced = run_script(repo, "03_simulate.py", "--config", cfg, "--design", str(data / "design.csv"), *CACHE, *outs)
    n = len((data / "design.csv").read_text().splitlines()) - 1
    assert f"0 simulated, {n} from the cache" in forced.stderr
    assert (tmp_path / "c.csv").read_bytes() == (data / "campaign.csv").read_bytes()

    grown = tmp_path / "grown.yaml"
    grown.write_text((repo / cfg).read_text().replace("n_realizations: 2", "n_realizations: 3"))
    run_script(
        repo,
        "01_design.py",
        "--config",
        str(grown),
        "--table",
        str(tmp_path / "d.csv"),
        "--summary",
        str(tmp_path / "d.json"),
    )
    outs = ["--dataset", str(tmp_path / "g.csv"), "--summary", str(tmp_path / "g.json")]
    more = run_script(
        repo, "03_simulate.py", "--config", str(grown), "--design", str(tmp_path / "d.csv"), *CACHE, *outs
    )
    assert f"{n // 2} simulated, {n} from the cache" in more.stderr, "one new realization per point"


def test_audit_passes_and_ignores_unrelated_library_edits(repo):
    proc = make(repo, "audit")
    assert "0 failed" in proc.stdout
    assert "figures/smoke/design.png" in proc.stdout and "build/smoke/_variables.yml" in proc.stdout
    with edited(
        repo, "src/clusteremu/cli/__init__.py", '"""The `clusteremu` command line.', '"""The clusteremu command line.'
    ):
        assert make(repo, "audit", check=False).returncode == 0, "cli.py is no dependency of any artifact"
    with edited(repo, "src/clusteremu/paper/plotting.py", '"#0072B2"', '"#1F77B4"'):
        proc = make(repo, "audit", check=False)
    assert proc.returncode != 0
    assert "library module src/clusteremu/paper/plotting.py changed since" in proc.stdout
    stale = {line.split()[0] for line in proc.stdout.splitlines() if line.endswith("FAIL")}
    assert stale and all(a.startswith("figures/") or a == "build/smoke/paper.pdf" for a in stale), stale


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
        ("data/smoke/costs.json", "input data/smoke/costs.json changed since"),
        ("data/smoke/learned.eqx", "input data/smoke/learned.eqx changed since"),
        ("analysis/figures/design.py", "producing script analysis/figures/design.py changed since"),
        ("analysis/config/smoke.yaml", "config section 'figures' of analysis/config/smoke.yaml changed since"),
        ("paper/index.qmd", "input paper/index.qmd changed since"),
        ("src/clusteremu/datasets/design.py", "library module src/clusteremu/datasets/design.py changed since"),
    ],
)
def test_tampering_fails_the_audit(repo, rel, expect):
    path = repo / rel
    original, stat = path.read_bytes(), path.stat()
    if rel.endswith(".yaml"):
        path.write_bytes(original.replace(b"dpi: 100", b"dpi: 101"))
    else:
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
