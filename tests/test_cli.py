"""Every subcommand of `clusteremu` as a user runs it: help, results, outputs that say what they are.

The refusals (one line, exit 2, nothing written) are tabulated in `test_cli_inputs.py`.
"""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from clusteremu import compilation_cache
from clusteremu.cli import main
from tests.helpers import numpyro_keys, tiny_comparison

SUBCOMMANDS = ("audit", "simulate", "predict", "infer")


def strict(text: str):
    """Parse JSON as a strict parser does: NaN and Infinity are errors, not numbers."""

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def run(capsys, *argv):
    """Exit status, stdout and stderr of one call, argparse's own exits included."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def _programs_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("programs")


@pytest.fixture(autouse=True)
def _own_program_cache(monkeypatch, _programs_folder):
    """The command line's stored programs in a folder of this module's, never the user's: a
    call that compiled a program spares the next one with the same shapes its compilation
    (`tests/test_cli_programs.py` shows a stored program gives the numbers a built one does).
    JAX's own persistent cache stays off in this process, as before: `simulate` would turn it
    on for the rest of the worker, and an executable that cache served in memory cannot be
    stored again by a later test's command."""
    monkeypatch.setenv("CLUSTEREMU_JAX_CACHE", str(_programs_folder))
    monkeypatch.setattr(compilation_cache, "use_compilation_cache", lambda: None)


@pytest.fixture(scope="module")
def data(tmp_path_factory, tiny_emulator, tiny_learned, tiny_flow):
    """A profile's model folder: both ensembles, a flow and the coverage study's recommendation."""
    from clusteremu.emulators.flow import flow_bytes

    path = tmp_path_factory.mktemp("cli")
    (path / "emulator.eqx").write_bytes(tiny_emulator.to_bytes())
    (path / "learned.eqx").write_bytes(tiny_learned.to_bytes())
    (path / "flow.eqx").write_bytes(flow_bytes(tiny_flow, {}))
    (path / "inference.json").write_text(json.dumps(tiny_comparison("learned+selection", "learned").to_jsonable()))
    return path


@pytest.fixture(scope="module")
def model(data):
    return data / "emulator.eqx"


def infer_argv(root, data, obs, *extra):
    f, s, r = (float(v) for v in obs)
    return [
        "infer",
        "--f-bound",
        f,
        "--sigma-v",
        s,
        "--r-h",
        r,
        "--data",
        data,
        "--profile",
        "smoke",
        "--root",
        root,
        *extra,
    ]


@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_help(capsys, command):
    code, out, _ = run(capsys, *([command, "--help"] if command else ["--help"]))
    assert code == 0 and "usage: clusteremu" in out
    if command is None:
        assert all(c in out for c in SUBCOMMANDS)
    if command == "infer":  # the likelihoods are listed by name and label
        assert "flow+selection (flow × P(usable))" in " ".join(out.split())


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("clusteremu ")


def test_help_and_refusals_do_not_import_jax(root):
    """The start-up budget of a refusal is Python's own: no JAX, no model file."""
    script = (
        "import sys\nfrom clusteremu.cli import main\n"
        "for argv in (['--help'], ['simulate', '--q0', 'x'], "
        "['simulate', '--q0', '1', '--a', '100', '--seed', '-1', '--profile', 'smoke']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "assert 'jax' not in sys.modules, 'jax imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_simulate_prints_summaries_and_saves_state_with_units(capsys, tmp_path, root):
    argv = ["simulate", "--q0", 0.9, "--a", 120, "--seed", 3, "--n-stars", 16, "--t-end", 5]
    argv += ["--profile", "smoke", "--root", root]
    code, out, _ = run(capsys, *argv, "--json", "--save-state", tmp_path / "new" / "s.npz")
    assert code == 0
    result = strict(out)
    assert result["settings"]["n_stars"] == 16 and 0 <= result["f_bound"] <= 1
    with np.load(tmp_path / "new" / "s.npz") as state:
        assert state["pos0_au"].shape == (3, 16) and float(state["q0"]) == 0.9
        meta = json.loads(str(state["metadata"]))
        assert set(meta["units"]) >= set(state.files) - {"metadata"} and meta["units"]["vel_au_per_yr"] == "AU/yr"
        assert meta["profile"] == "smoke" and "commit" in meta
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "energy error" in out and "f_bound" in out


def test_predict_inside_and_outside_the_domain(capsys, root, model):
    base = ["predict", "--model", model, "--profile", "smoke", "--root", root]
    code, out, _ = run(capsys, *base, "--q0", 0.9, "--a", 120, "--json")
    assert code == 0
    result = strict(out)
    assert result["extrapolated"] is False and set(result) >= {"f_bound", "sigma_v_kms", "r_h_au"}
    assert result["f_bound"]["predictive_sd"] > 0 and "ensemble_sd" in result["f_bound"]
    code, out, _ = run(capsys, *base, "--q0", 0.9, "--a", 120)
    assert code == 0 and "predictive sd for one new simulation" in out
    code, out, _ = run(capsys, *base, "--q0", 1.7, "--a", 120, "--allow-extrapolation")
    assert code == 0 and "EXTRAPOLATED" in out


def test_far_extrapolation_is_flagged_and_strict_json(capsys, root, data):
    """Where the network overflows the values are null, never NaN or Infinity."""
    base = ["predict", "--model", data / "learned.eqx", "--profile", "smoke", "--root", root, "--allow-extrapolation"]
    for q0, a in ((1.7, 120), (50, 1e6), (0, 1e-3)):
        code, out, _ = run(capsys, *base, "--q0", q0, "--a", a, "--json")
        assert code == 0
        result = strict(out)
        assert result["extrapolated"] is True and result["interval"].startswith("central 95% interval")
        code, out, _ = run(capsys, *base, "--q0", q0, "--a", a)
        assert code == 0 and "nan" not in out and "inf " not in out


def test_predict_defaults_to_the_learned_ensemble_with_physical_intervals(capsys, root, data, tmp_path):
    (tmp_path / "data" / "smoke").mkdir(parents=True)
    (tmp_path / "data" / "smoke" / "learned.eqx").write_bytes((data / "learned.eqx").read_bytes())
    (tmp_path / "analysis" / "config").mkdir(parents=True)
    (tmp_path / "analysis" / "config" / "smoke.yaml").write_text((root / "analysis/config/smoke.yaml").read_text())
    code, out, _ = run(capsys, "predict", "--q0", 1.4, "--a", 60, "--profile", "smoke", "--root", tmp_path, "--json")
    assert code == 0
    result = strict(out)
    assert result["model"].endswith("learned.eqx")
    lo, hi = result["f_bound"]["interval95"]
    assert 0 <= lo <= result["f_bound"]["mean"] <= hi <= 1
    assert result["r_h_au"]["interval95"][0] > 0


def test_infer_names_the_likelihood_and_why(capsys, root, data, tiny_learned):
    obs = tiny_learned.predict(np.array([[1.0, 120.0]])).mean[0]
    code, out, _ = run(capsys, *infer_argv(root, data, obs))
    assert code == 0
    assert "likelihood: learned noise × P(usable) (learned+selection), recommended by the coverage study" in out
    assert "central 90% interval (5% to 95% quantiles)" in out
    assert "grid checks: resolution" in out
    assert "model check: not available for learned noise × P(usable) (the check needs a flow likelihood)" in out
    code, named, _ = run(capsys, *infer_argv(root, data, obs, "--likelihood", "learned"))
    assert code == 0 and "likelihood: learned noise (learned), chosen with --likelihood" in named
    assert named.splitlines()[3:5] != out.splitlines()[3:5], "the selection factor changes the posterior"
    code, measured, _ = run(capsys, *infer_argv(root, data, obs, "--obs-sd", 0.01, 0.1, 5))
    assert code == 0
    assert (
        "likelihood: learned noise (learned), recommended by the coverage study repeated with measurement" in measured
    )
    assert "its choice without measurement errors was learned noise × P(usable)" in measured


def test_zero_measurement_errors_are_no_measurement_errors(capsys, root, data, tiny_learned):
    obs = tiny_learned.predict(np.array([[1.0, 120.0]])).mean[0]
    code, plain, _ = run(capsys, *infer_argv(root, data, obs, "--json"))
    code0, zero, _ = run(capsys, *infer_argv(root, data, obs, "--json", "--obs-sd", 0, 0, 0))
    assert code == code0 == 0
    assert strict(plain) == strict(zero), "--obs-sd 0 0 0: same likelihood, same numbers"


def test_the_flow_takes_measurement_errors_within_its_trained_range(capsys, root, tmp_path, data, tiny_learned):
    """The paper's recommendation (flow × P(usable)) takes measurement sds as a condition, up
    to the largest it was trained for; beyond them it is refused before any work."""
    for name in ("learned.eqx", "flow.eqx"):
        (tmp_path / name).write_bytes((data / name).read_bytes())
    study = tiny_comparison("flow+selection", "flow+selection")
    (tmp_path / "inference.json").write_text(json.dumps(study.to_jsonable()))
    obs = tiny_learned.predict(np.array([[1.0, 120.0]])).mean[0]
    code, plain, _ = run(capsys, *infer_argv(root, tmp_path, obs, "--json"))
    code_sd, measured, _ = run(capsys, *infer_argv(root, tmp_path, obs, "--json", "--obs-sd", 0.01, 0.1, 5))
    assert code == code_sd == 0
    plain, measured = strict(plain), strict(measured)
    assert plain["likelihood"] == measured["likelihood"] == "flow+selection"
    assert plain["posterior"] != measured["posterior"], "the sds enter the flow's condition"
    code, _, err = run(capsys, *infer_argv(root, tmp_path, obs, "--obs-sd", 0.1, 0.1, 5))
    assert code == 2 and "measurement sd 0.1 of f_bound is outside what the flow was trained for" in err


def test_a_flow_posterior_comes_with_its_model_check_calibrated_by_the_profiles_null(capsys, root, tmp_path, data):
    from clusteremu.evaluation.check_calibration import CheckCalibration

    for name in ("learned.eqx", "flow.eqx"):
        (tmp_path / name).write_bytes((data / name).read_bytes())
    study = tiny_comparison("flow+selection", "flow+selection")
    (tmp_path / "inference.json").write_text(json.dumps(study.to_jsonable()))
    obs = (0.6, 4.0, 300.0)
    code, out, _ = run(capsys, *infer_argv(root, tmp_path, obs, "--json"))
    raw = strict(out)["model_check"]
    assert code == 0 and raw["available"] and raw["calibrated_p_value"] is None and raw["draws"] == 256
    assert 1 / 257 <= raw["p_value"] <= 1 and "not calibrated" in raw["calibration"]
    assert raw["flagged"] == (raw["p_value"] < raw["level"])
    # a null entirely above the observation's p-value: calibrated p = 1 / (n + 1), flagged
    null = CheckCalibration("flow+selection", 99, 0.05, 256, 1, [min(1.0, raw["p_value"] + 1e-3)] * 99)
    (tmp_path / "model_check.json").write_text(json.dumps(null.to_jsonable()))
    code, out, _ = run(capsys, *infer_argv(root, tmp_path, obs))
    assert (
        code == 0
        and "model check: WARNING: the observation is atypical of the model (calibrated p = 0.01 < 0.05)" in out
    )
    assert "calibrated against 99 held-out simulations" in out
    (tmp_path / "model_check.json").write_text('{"schema": "clusteremu.check_calibration/0"}')
    code, _, err = run(capsys, *infer_argv(root, tmp_path, obs))
    assert code == 2 and "model_check.json is not a model-check null of this version" in err


def test_infer_saves_a_posterior_that_says_what_it_is(capsys, root, data, tmp_path, tiny_emulator):
    import arviz as az

    obs = tiny_emulator.predict(np.array([[1.0, 120.0]])).mean[0]
    argv = infer_argv(root, data, obs, "--likelihood", "input")
    code, out, _ = run(capsys, *argv, "--out", tmp_path / "grid.nc", "--json")
    assert code == 0
    result = strict(out)
    assert result["model_check"]["available"] is False and result["checks"]["resolved"] in (True, False)
    assert result["posterior"]["q0"]["q05"] < result["posterior"]["q0"]["q95"]
    idata = az.from_netcdf(tmp_path / "grid.nc")
    assert idata.posterior["q0"].size == 2 * 200, "chains x draws of the profile"
    assert float(idata.observed_data["r_h_au"][0]) == pytest.approx(obs[2])
    attrs = idata.posterior.attrs
    assert attrs["likelihood"] == "input" and attrs["method"] == "grid" and attrs["profile"] == "smoke"
    assert attrs["measurement_sd"] == "none" and len(attrs["commit"]) == 40
    assert json.loads(attrs["model_files_sha256"]).keys() == {"emulator.eqx"}
    code, wide, _ = run(capsys, *argv, "--obs-sd", 0.2, 2, 100)
    assert code == 0 and wide != out, "measurement errors change the posterior"
    with numpyro_keys():
        code, out, _ = run(capsys, *argv, "--method", "nuts", "--out", tmp_path / "nuts.nc", "--obs-sd", 0.02, 0.2, 20)
    assert code == 0 and "r_hat" in out and "divergences:" in out and "diagnostics:" in out
    assert re.search(r"q0 .* mcse\(sd\) [0-9.e-]+ \([0-9.]+% of the sd\)", out), "the sd's own Monte Carlo error"
    idata = az.from_netcdf(tmp_path / "nuts.nc")
    assert set(idata.posterior.data_vars) >= {"q0", "a_au"} and "diverging" in idata.sample_stats
    assert idata.posterior["q0"].shape[0] == 2, "chains from the smoke profile"
    sd = json.loads(idata.posterior.attrs["measurement_sd"])
    assert sd == {"f_bound": 0.02, "sigma_v_kms": 0.2, "r_h_au": 20.0} and idata.posterior.attrs["method"] == "nuts"


def test_seeds_are_the_same_range_for_both_methods(capsys, root, data, tiny_emulator):
    obs = tiny_emulator.predict(np.array([[1.0, 120.0]])).mean[0]
    argv = infer_argv(root, data, obs, "--likelihood", "input", "--json", "--seed", 2**32 - 1)
    code, out, _ = run(capsys, *argv)
    assert code == 0 and strict(out)["seed"] == 2**32 - 1
    with numpyro_keys():  # the sampler of the test above, whose stored programs spare a compilation
        code, out, _ = run(capsys, *argv, "--method", "nuts", "--obs-sd", 0.02, 0.2, 20)
    assert code == 0 and strict(out)["checks"]["divergences"] >= 0


def test_audit_of_an_unbuilt_profile_fails_and_names_what_is_missing(capsys, tmp_path, root):
    (tmp_path / "analysis" / "config").mkdir(parents=True)
    (tmp_path / "analysis" / "config" / "smoke.yaml").write_text((root / "analysis/config/smoke.yaml").read_text())
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "index.qmd").write_text("![x](figures/design.png){#fig-d}\n")
    code, out, _ = run(capsys, "audit", "--profile", "smoke", "--root", tmp_path)
    assert code == 1
    assert "missing: not built (run `make paper`)" in out and "figures/smoke/design.png" in out
