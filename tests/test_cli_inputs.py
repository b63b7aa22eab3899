"""Bad inputs as a user types them: each is refused before any work with exit status 2,
one line on stderr naming what is wrong and what is allowed, no traceback, nothing on
stdout (so `--json` never prints half a result) and no file written."""

import json
import os
from pathlib import Path

import pytest

from tests.helpers import ROOT, tiny_comparison
from tests.test_cli import _own_program_cache, _programs_folder, run  # noqa: F401  (an autouse fixture and its folder)

LONG = "x" * 300 + ".nc"
READ_ONLY = "READ_ONLY"  # replaced by a folder this process cannot write in
OUT = "OUT"  # replaced by the case's empty output folder
DATA = "DATA"  # replaced by the tiny model folder (or a damaged copy, see `damaged`)

SIM = ["simulate", "--q0", 1.0, "--a", 100, "--seed", 1, "--n-stars", 16, "--t-end", 5, "--json"]
PRED = ["predict", "--q0", 1.0, "--a", 100, "--json"]
INF = ["infer", "--f-bound", 0.5, "--sigma-v", 3.0, "--r-h", 200, "--data", DATA, "--json"]

#: (id, argv, damage of the data folder or None, what stderr must say). Later arguments override earlier ones.
CASES = [
    (
        "q0-outside-domain",
        [*SIM, "--q0", 2.0],
        None,
        "--q0 2 is outside the domain of profile 'smoke'; allowed: 0.5 to 1.5",
    ),
    (
        "a-outside-domain",
        [*SIM, "--a", 10],
        None,
        "--a 10 AU is outside the domain of profile 'smoke'; allowed: 50 to 200 AU",
    ),
    ("q0-nan", [*SIM, "--q0", "nan"], None, "--q0 nan is outside the domain"),
    ("q0-not-a-number", [*SIM, "--q0", "abc"], None, "argument --q0: invalid float value: 'abc'; allowed: see"),
    ("seed-negative", [*SIM, "--seed", -1], None, "--seed -1 is not allowed; allowed: an integer in [0, 2^32 - 1"),
    ("seed-2^70", [*SIM, "--seed", 2**70], None, "--seed 1180591620717411303424 is not allowed; allowed"),
    ("seed-fraction", [*SIM, "--seed", 1.5], None, "argument --seed: invalid int value: '1.5'"),
    ("seed-missing", SIM[:5] + SIM[7:], None, "the following arguments are required: --seed"),
    ("n-stars-3", [*SIM, "--n-stars", 3], None, "--n-stars 3 is not allowed; allowed: an integer >= 10"),
    ("n-stars-1e6", [*SIM, "--n-stars", 1000000], None, "more than half this machine's memory; allowed: N <="),
    ("n-stars-costly", [*SIM, "--n-stars", 4000, "--t-end", 500], None, "allowed without --force: an estimated 60 s"),
    ("t-end-1e12", [*SIM, "--t-end", 1e12], None, "allowed: at most 2147483647 steps"),
    ("t-end-costly", [*SIM, "--n-stars", 64, "--t-end", 1e6], None, "pass --force to run it anyway"),
    ("t-end-negative", [*SIM, "--t-end", -5], None, "--t-end -5 yr is not allowed; allowed: a finite number in (0, "),
    ("t-end-inf", [*SIM, "--t-end", "inf"], None, "--t-end inf yr is not allowed"),
    ("save-state-folder", [*SIM, "--save-state", OUT], None, "is a folder; allowed: a file name ending in .npz"),
    ("save-state-suffix", [*SIM, "--save-state", f"{OUT}/s.txt"], None, "allowed: a file name ending in .npz"),
    ("save-state-read-only", [*SIM, "--save-state", f"{READ_ONLY}/s.npz"], None, "allowed: a path inside a writable"),
    ("save-state-long-name", [*SIM, "--save-state", f"{OUT}/{'y' * 300}.npz"], None, "has 304 characters; allowed: at"),
    (
        "profile-5000",
        [*SIM, "--profile", "p" * 5000],
        None,
        "(5000 characters) is not a profile name; allowed: 1 to 64",
    ),
    ("profile-unknown", [*SIM, "--profile", "nope"], None, "unknown profile 'nope'; allowed: "),
    ("profile-path", [*SIM, "--profile", "../smoke"], None, "is not a profile name; allowed"),
    ("root-missing", [*SIM, "--root", "/no/such/folder"], None, "--root /no/such/folder is not a folder; allowed"),
    ("unknown-option", [*SIM, "--bogus"], None, "unrecognized arguments: --bogus; allowed: see"),
    ("unknown-command", ["render"], None, "invalid choice: 'render'"),
    ("no-command", [], None, "the following arguments are required: command"),
    ("predict-outside", [*PRED, "--q0", 1.7], None, "outside the training domain"),
    ("predict-q0-negative", [*PRED, "--q0", -3, "--allow-extrapolation"], None, "--q0 -3 is not allowed; allowed: a"),
    ("predict-a-negative", [*PRED, "--a", -5, "--allow-extrapolation"], None, "--a -5 AU is not allowed; allowed: a"),
    ("predict-a-zero", [*PRED, "--a", 0, "--allow-extrapolation"], None, "--a 0 AU is not allowed"),
    ("predict-q0-inf", [*PRED, "--q0", "inf", "--allow-extrapolation"], None, "--q0 inf is not allowed"),
    ("model-missing", [*PRED, "--model", f"{OUT}/absent.eqx"], None, "does not exist; allowed: an existing file"),
    ("model-junk", [*PRED, "--model", f"{DATA}/junk.eqx"], "junk", "junk.eqx: not an emulator file (no JSON header)"),
    ("model-folder", [*PRED, "--model", DATA], None, "is a folder; allowed: an existing file"),
    ("model-long-name", [*PRED, "--model", f"{OUT}/{'m' * 300}"], None, "has 300 characters; allowed: at most 255"),
    ("model-truncated", [*PRED, "--model", f"{DATA}/learned.eqx"], "truncate", "arrays do not match its checksum"),
    ("f-bound-1.2", [*INF, "--f-bound", 1.2], None, "--f-bound 1.2 is not allowed; allowed: a finite number in [0, 1]"),
    ("f-bound-few", [*INF, "--f-bound", 0.05], None, "leaves fewer than 10 of 64 stars bound"),
    ("sigma-v-negative", [*INF, "--sigma-v", -3], None, "--sigma-v -3 km/s is not allowed; allowed: a finite number"),
    ("sigma-v-nan", [*INF, "--sigma-v", "nan"], None, "--sigma-v nan km/s is not allowed"),
    ("sigma-v-huge", [*INF, "--sigma-v", 1e5], None, "--sigma-v 100000 km/s is not allowed"),
    ("r-h-zero", [*INF, "--r-h", 0], None, "--r-h 0 AU is not allowed; allowed: a finite number in (0, 20000] AU"),
    ("r-h-1e300", [*INF, "--r-h", 1e300], None, "--r-h 1e+300 AU is not allowed; allowed"),
    (
        "likelihood-typo",
        [*INF, "--likelihood", "fulcov"],
        None,
        "--likelihood 'fulcov'; allowed: recommended, constant",
    ),
    (
        "sigma-zero",
        [*INF, "--likelihood", "constant", "--sigma", 0.1, 0, 10],
        None,
        "--sigma (sigma_v) 0 is not allowed",
    ),
    ("sigma-other-likelihood", [*INF, "--sigma", 0.1, 1, 10], None, "--sigma fixes the widths of the constant"),
    ("obs-sd-negative", [*INF, "--obs-sd", 0.1, -1, 10], None, "--obs-sd (sigma_v) -1 km/s is not allowed; allowed"),
    ("obs-sd-huge", [*INF, "--obs-sd", 0.1, 1, 1e300], None, "--obs-sd (r_h) 1e+300 AU is not allowed"),
    ("obs-sd-two-numbers", [*INF, "--obs-sd", 0.1, 1], None, "argument --obs-sd: expected 3 arguments"),
    (
        "flow-obs-sd-beyond-training",
        [*INF, "--likelihood", "flow", "--obs-sd", 0.01, 1, 10],
        None,
        "--obs-sd with the 'flow' likelihood: measurement sd 1 of sigma_v_kms is outside what the flow was trained for",
    ),
    ("gp-missing", [*INF, "--likelihood", "gp"], None, "gp.eqx does not exist; allowed: an existing file"),
    ("gp-corrupt", [*INF, "--likelihood", "gp"], "gp", "gp.eqx: not a Gaussian-process file (no JSON header); rebuild"),
    ("study-malformed", INF, "json", "inference.json is not valid JSON at line 1; rebuild it with `make paper"),
    ("study-no-keys", INF, "keys", "inference.json is not a likelihood comparison of this version (schema None"),
    ("study-unknown-name", INF, "name", "recommends 'best' / 'learned', unknown likelihoods"),
    ("study-missing", INF, "nostudy", "inference.json does not exist; rebuild it with `make paper PROFILE=smoke`"),
    ("grid-seed-negative", [*INF, "--seed", -1], None, "--seed -1 is not allowed"),
    ("grid-seed-2^70", [*INF, "--seed", 2**70], None, "is not allowed; allowed: an integer in [0, 2^32 - 1"),
    ("nuts-seed-negative", [*INF, "--method", "nuts", "--seed", -1], None, "--seed -1 is not allowed"),
    ("nuts-seed-2^70", [*INF, "--method", "nuts", "--seed", 2**70], None, "allowed: an integer in [0, 2^32 - 1"),
    ("method-unknown", [*INF, "--method", "mcmc"], None, "argument --method: invalid choice: 'mcmc'"),
    ("out-folder", [*INF, "--out", OUT], None, "is a folder; allowed: a file name ending in .nc"),
    ("out-read-only", [*INF, "--out", f"{READ_ONLY}/p.nc"], None, "allowed: a path inside a writable folder"),
    ("out-long-name", [*INF, "--out", f"{OUT}/{LONG}"], None, "has 303 characters; allowed: at most 255 bytes"),
    ("out-suffix", [*INF, "--out", f"{OUT}/p.txt"], None, "allowed: a file name ending in .nc"),
    ("out-under-a-file", [*INF, "--out", f"{DATA}/inference.json/p.nc"], None, "is not a folder; allowed: a path"),
    ("data-missing", [*INF, "--data", "/no/such/models"], None, "--data /no/such/models is not a folder; allowed"),
    ("config-broken", [*INF, "--profile", "broken"], None, "allowed"),
]


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    """A folder this process cannot write in (as root, permission bits do not stop writes: /proc does)."""
    if os.geteuid() == 0:
        yield Path("/proc")
        return
    path = tmp_path_factory.mktemp("ro")
    path.chmod(0o555)
    yield path
    path.chmod(0o755)


@pytest.fixture(scope="module")
def data(tmp_path_factory, tiny_emulator, tiny_learned, tiny_flow):
    """A profile's model folder, as in `test_cli.py`."""
    from clusteremu.emulators.flow import flow_bytes

    path = tmp_path_factory.mktemp("models")
    (path / "flow.eqx").write_bytes(flow_bytes(tiny_flow, {}))
    (path / "emulator.eqx").write_bytes(tiny_emulator.to_bytes())
    (path / "learned.eqx").write_bytes(tiny_learned.to_bytes())
    (path / "inference.json").write_text(json.dumps(tiny_comparison("learned+selection", "learned").to_jsonable()))
    return path


@pytest.fixture(scope="module")
def broken_root(tmp_path_factory):
    """A repository whose profile 'broken' has an out-of-range value."""
    path = tmp_path_factory.mktemp("root")
    (path / "analysis" / "config").mkdir(parents=True)
    text = (ROOT / "analysis/config/smoke.yaml").read_text().replace("grid_points: 60 ", "grid_points: -60 ")
    (path / "analysis" / "config" / "broken.yaml").write_text(text)
    return path


def damaged(folder: Path, damage: str) -> None:
    if damage == "truncate":
        (folder / "learned.eqx").write_bytes((folder / "learned.eqx").read_bytes()[:-100])
    elif damage == "junk":
        (folder / "junk.eqx").write_bytes(b"not a model")
    elif damage == "gp":
        (folder / "gp.eqx").write_bytes(b"PK\x03\x04 not really a model file")
    elif damage == "json":
        (folder / "inference.json").write_text('{"recommended": "learned", ')
    elif damage == "keys":
        (folder / "inference.json").write_text('{"best": "learned"}')
    elif damage == "name":
        (folder / "inference.json").write_text(json.dumps(tiny_comparison("best", "learned").to_jsonable()))
    elif damage == "nostudy":
        (folder / "inference.json").unlink()


def test_the_table_is_long_enough():
    assert len(CASES) >= 40 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("argv", "damage", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_one_line_and_writes_nothing(
    capsys, tmp_path, root, data, read_only, broken_root, argv, damage, message
):
    models, out = tmp_path / "models", tmp_path / "out"
    models.mkdir(), out.mkdir()
    for f in data.iterdir():
        (models / f.name).write_bytes(f.read_bytes())
    if damage:
        damaged(models, damage)
    subs = {OUT: str(out), DATA: str(models), READ_ONLY: str(read_only)}
    argv = [str(a) for a in argv]
    argv = [next((a.replace(k, v) for k, v in subs.items() if a.startswith(k)), a) for a in argv]
    if argv and argv[0] in ("simulate", "predict", "infer"):
        # the case's own --profile or --root comes later and wins
        argv = [argv[0], "--profile", "smoke", "--root", str(broken_root if "broken" in argv else root), *argv[1:]]
        if argv[0] == "predict" and "--model" not in argv:
            argv += ["--model", str(models / "emulator.eqx")]
    before = sorted(models.iterdir())
    code, stdout, stderr = run(capsys, *argv)
    assert code == 2, (code, stderr)
    assert stdout == "", "nothing printed on stdout, so --json never prints a partial result"
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and message in stderr, stderr
    assert "allowed" in stderr or "make paper" in stderr, "says what is allowed or how to fix it"
    assert list(out.iterdir()) == [] and sorted(models.iterdir()) == before, "nothing written"


def test_strict_json_of_a_refusal_is_nothing(capsys, root):
    """`--json` with a refused input prints no JSON at all (so none that is malformed)."""
    code, out, err = run(capsys, "simulate", *SIM[1:], "--seed", -1, "--profile", "smoke", "--root", root)
    assert code == 2 and out == "" and json.dumps(err)
