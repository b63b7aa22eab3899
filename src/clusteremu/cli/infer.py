"""`clusteremu infer`: the posterior of (Q0, a) for one observed cluster.

Which likelihood is used is always printed with the reason: the one the profile's
coverage study recommends; with measurement sds (`--obs-sd`, not all zero) the one the
study repeated with measurement errors recommends, and the output says so when that is
another likelihood (the flow likelihoods have no measurement-error model). `--obs-sd 0 0
0` is the same as no `--obs-sd`. Every argument and file is checked before the first
computation, `--out` included, so a finished posterior is never lost to a bad path.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import checks, loaders
from .checks import UsageError
from .outputs import strict_json, write_posterior
from .programs import load_or_build

HELP = "posterior of (Q0, a) for one observed cluster (grid or NUTS)"

#: The interval every posterior summary prints.
INTERVAL = "central 90% interval (5% to 95% quantiles)"
#: A grid posterior whose 90% interval spans fewer cells than this along a parameter is
#: too narrow for the grid to resolve.
MIN_CELLS = 3
#: Mass in the outermost ring of grid cells above which the prior box bounds the posterior.
EDGE_MASS = 0.05


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ..inference.registry import LIKELIHOODS

    names = ", ".join(f"{s.name} ({s.label})" for s in LIKELIHOODS)
    p.add_argument("--f-bound", type=float, required=True, help="observed bound fraction, in [0, 1]")
    p.add_argument("--sigma-v", type=float, required=True, help="observed 1-D velocity dispersion (km/s, > 0)")
    p.add_argument("--r-h", type=float, required=True, help="observed half-mass radius (AU, > 0)")
    p.add_argument("--sigma", type=float, nargs=3, default=None, help="fixed sds for --likelihood constant")
    p.add_argument(
        "--obs-sd", type=float, nargs=3, default=None, help="measurement sds (f_bound, km/s, AU); 0 0 0 = none"
    )
    p.add_argument(
        "--method", choices=("grid", "nuts"), default="grid", help="grid: exact on the profile's grid (default); nuts"
    )
    p.add_argument(
        "--likelihood",
        default="recommended",
        help=f"recommended (default: the coverage study's choice, from <data>/inference.json) or one of: {names}",
    )
    p.add_argument(
        "--seed", type=int, default=0, help=f"seed of the sampler or the grid's draws, 0 to {checks.MAX_SEED}"
    )
    p.add_argument("--data", default=None, help="folder of the fitted models (default: data/<profile>)")
    p.add_argument("--out", default=None, help="save the draws, observation and provenance as ArviZ netCDF (.nc)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (undefined values are null)")


def observation(args: argparse.Namespace, config):
    """The observed summaries and measurement sds (None when absent or all zero), checked."""
    import numpy as np

    lim = checks.observation_limits(config)
    checks.number("--f-bound", args.f_bound, 0.0, 1.0)
    checks.number("--sigma-v", args.sigma_v, 0.0, lim["sigma_v_kms"], " km/s", lo_open=True)
    checks.number("--r-h", args.r_h, 0.0, lim["r_h_au"], " AU", lo_open=True)
    if args.f_bound < lim["f_bound_min"]:
        sim = config["simulation"]
        raise UsageError(
            f"--f-bound {args.f_bound:g} leaves fewer than {sim['min_bound_stars']} of {sim['n_stars']} stars bound, "
            f"where the simulator defines no sigma_v and r_h; allowed with them: f_bound >= {lim['f_bound_min']:.4g}"
        )
    obs = np.array([args.f_bound, args.sigma_v, args.r_h])
    obs_sd = None
    if args.obs_sd is not None:
        # an sd beyond the observation's own range (1 for a fraction, 10 times the value) says nothing
        highs = (1.0, 10 * args.sigma_v, 10 * args.r_h)
        for flag, v, hi, unit in zip(
            ("f_bound", "sigma_v", "r_h"), args.obs_sd, highs, ("", " km/s", " AU"), strict=True
        ):
            checks.number(f"--obs-sd ({flag})", v, 0.0, hi, unit)
        obs_sd = np.asarray(args.obs_sd, float) if any(args.obs_sd) else None  # zero errors are no errors
    return obs, obs_sd


def choose_likelihood(args: argparse.Namespace, data: Path, measured: bool) -> tuple[str, str]:
    """The likelihood's name and why it was chosen."""
    from ..inference.registry import LIKELIHOOD_NAMES

    if args.likelihood != "recommended":
        if args.likelihood not in LIKELIHOOD_NAMES:
            raise UsageError(f"--likelihood {args.likelihood!r}; allowed: recommended, {', '.join(LIKELIHOOD_NAMES)}")
        return args.likelihood, "chosen with --likelihood"
    study = data / "inference.json"
    plain, with_errors = loaders.recommended_likelihoods(study, args.profile)
    if not measured:
        return plain, f"recommended by the coverage study ({study})"
    why = f"recommended by the coverage study repeated with measurement errors ({study})"
    if with_errors != plain:
        why += f"; its choice without measurement errors was {LIKELIHOOD_NAMES[plain]}"
    return with_errors, why


def _checked_widths(args, name: str, obs_sd):
    if args.sigma is None:
        return None
    if name != "constant":
        raise UsageError(
            f"--sigma fixes the widths of the constant likelihood; allowed: --likelihood constant (not {name!r})"
        )
    for flag, v in zip(("f_bound", "sigma_v", "r_h"), args.sigma, strict=True):
        checks.number(f"--sigma ({flag})", v, 0.0, 1e6, lo_open=True)
    import numpy as np

    return np.asarray(args.sigma, float)


def grid_checks(grid) -> dict:
    """What the grid posterior can say about itself: is it resolved, is it cut by the prior box?"""
    import numpy as np

    p = grid.density[0] / grid.density[0].sum()
    spans = {}
    for name, marg in (("q0", p.sum(axis=1)), ("a_au", p.sum(axis=0))):
        cum = np.cumsum(marg)
        spans[name] = int(np.searchsorted(cum, 0.95) - np.searchsorted(cum, 0.05) + 1)
    edge = float(p.sum() - p[1:-1, 1:-1].sum())
    resolved = min(spans.values()) >= MIN_CELLS
    return {
        "grid_cells": list(p.shape),
        "interval_cells": spans,
        "resolved": resolved,
        "edge_mass": edge,
        "inside_prior_box": edge <= EDGE_MASS,
        "ok": resolved and edge <= EDGE_MASS,
    }


def run(args: argparse.Namespace) -> int:
    layout = loaders.layout(args)
    out = checks.output_file("--out", args.out, ".nc") if args.out else None
    config = loaders.config(layout, sections=("domain", "simulation", "inference"))
    obs, obs_sd = observation(args, config)
    checks.seed("--seed", args.seed)
    data = checks.input_folder("--data", args.data) if args.data else layout.data
    name, why = choose_likelihood(args, data, measured=obs_sd is not None)
    sigma = _checked_widths(args, name, obs_sd)
    files = loaders.likelihood_files(name, data, args.profile)
    null, calibration = loaders.check_null(data, name, args.profile)
    # NUTS samples faster on one XLA thread; the programs are kept instead of JAX's cache
    loaders.start_jax(one_thread=args.method == "nuts", compilation_cache=False)
    inf = config["inference"]
    values = {"obs_sd": obs_sd, "sigma": sigma}  # they enter through the likelihood's arrays
    values = {k: None if v is None else v.tolist() for k, v in values.items()}

    import numpy as np

    from ..inference.registry import LIKELIHOOD_NAMES
    from ..prior import PARAMETERS
    from . import posteriors  # NumPy: not for --help and refusals

    def like():
        return loaders.likelihood(name, data, obs_sd, sigma, args.profile)

    n_draws = inf["nuts_chains"] * inf["nuts_samples"]
    if args.method == "grid":  # exact to the grid's resolution, and the fastest for two parameters
        n = inf["grid_points"]
        compiled, _ = load_or_build(
            "grid", {"likelihood": name, "n": n}, files, like, lambda m: posteriors.grid_programs(m, n), values
        )
        grid = posteriors.grid_posterior(compiled, obs)
        if not np.all(np.isfinite(grid.density)):
            raise UsageError(
                f"the observation ({args.f_bound:g}, {args.sigma_v:g} km/s, {args.r_h:g} AU) has zero likelihood "
                f"at every (Q0, a) of the prior box under {LIKELIHOOD_NAMES[name]}; allowed: an observation the model "
                "can produce (see `clusteremu predict`)"
            )
        draws = grid.draw(0, n_draws, seed=args.seed)[None]
        moments, stats = grid.moments(), None
        summary = {
            p: {
                "mean": float(moments[f"{p}_mean"][0]),
                "sd": float(moments[f"{p}_sd"][0]),
                **dict(zip(("q05", "q50", "q95"), map(float, grid.quantile(p, [0.05, 0.5, 0.95])[0]), strict=True)),
            }
            for p in PARAMETERS
        }
        checked, diag_text = grid_checks(grid), None
    else:
        from ..inference.health import diagnostics, nuts_healthy, nuts_settings

        run = nuts_settings(inf)
        sampler = {k: run[k] for k in ("chains", "warmup", "samples")}
        compiled, _ = load_or_build(
            "nuts",
            {"likelihood": name, **sampler},
            files,
            like,
            lambda m: posteriors.nuts_programs(m, **sampler),
            values,
        )
        (draws, diverging, n_steps), continued = posteriors.sample(compiled, obs, args.seed, run["extensions"])
        stats = {"diverging": diverging, "n_steps": n_steps}
        summary = {}
        for j, p in enumerate(PARAMETERS):
            x = draws[..., j].ravel()
            q = np.quantile(x, [0.05, 0.5, 0.95])
            summary[p] = {"mean": float(x.mean()), "sd": float(x.std(ddof=1)), "q05": q[0], "q50": q[1], "q95": q[2]}
        diag = diagnostics(draws)
        row = {"divergences": int(diverging.sum()), **diag}
        checked = {
            "divergences": row["divergences"],
            **{p: {k: float(v) for k, v in diag[p].items()} for p in PARAMETERS},
            "draws_per_chain": int(draws.shape[1]),
            "continuations": continued,
            "ok": bool(nuts_healthy(row)),
        }
        diag_text = f"{continued} continuations of {inf['nuts_samples']}"

    record = {
        "observed": {"f_bound": args.f_bound, "sigma_v_kms": args.sigma_v, "r_h_au": args.r_h},
        "measurement_sd": None
        if obs_sd is None
        else dict(zip(("f_bound", "sigma_v_kms", "r_h_au"), map(float, obs_sd), strict=True)),
        "likelihood": name,
        "likelihood_label": LIKELIHOOD_NAMES[name],
        "likelihood_reason": why,
        "method": args.method,
        "seed": args.seed,
        "profile": layout.profile,
        "data": str(data),
        "interval": INTERVAL,
        "model_check": _check_record(posteriors.model_check(compiled, obs, draws, args.seed, null), calibration),
    }
    if out is not None or args.json:  # hashing the model files and asking git cost a few 10 ms
        record.update(model_files_sha256=loaders.file_hashes(name, data), **loaders.version(layout))
    if out is not None:  # checked writable before the run
        posterior = {p: draws[..., j] for j, p in enumerate(PARAMETERS)}
        write_posterior(out, posterior, stats, record)
    if args.json:
        print(strict_json({**record, "posterior": summary, "checks": checked, "out": str(out) if out else None}))
        return 0
    sd_text = "none" if obs_sd is None else f"{obs_sd[0]:g}, {obs_sd[1]:g} km/s, {obs_sd[2]:g} AU"
    print(
        f"observation: f_bound = {args.f_bound:g}, sigma_v = {args.sigma_v:g} km/s, r_h = {args.r_h:g} AU; "
        f"measurement sds: {sd_text}"
    )
    print(f"likelihood: {LIKELIHOOD_NAMES[name]} ({name}), {why}")
    how = f"exact on the {inf['grid_points']} x {inf['grid_points']} grid" if args.method == "grid" else "NUTS"
    print(f"method: {args.method} ({how}; profile {layout.profile!r}, models in {data})")
    print(f"{'':6s} {'mean':>10s} {'sd':>10s} {'5%':>10s} {'50%':>10s} {'95%':>10s}   5%-95%: {INTERVAL}")
    for p, s in summary.items():
        print(f"{p:6s} {s['mean']:10.4g} {s['sd']:10.3g} {s['q05']:10.4g} {s['q50']:10.4g} {s['q95']:10.4g}")
    if args.method == "grid":
        c = checked
        print(
            f"grid checks: resolution {'ok' if c['resolved'] else 'WARNING: too coarse'} (the 90% intervals span "
            f"{c['interval_cells']['q0']} x {c['interval_cells']['a_au']} cells); prior box "
            f"{'ok' if c['inside_prior_box'] else 'WARNING: it cuts the posterior'} ({c['edge_mass']:.1%} of the mass "
            "in its outermost cells)"
        )
    else:
        for p in PARAMETERS:
            d = checked[p]
            print(
                f"{p:6s} r_hat {d['r_hat']:.4f}  ess_bulk {d['ess_bulk']:.0f}  ess_tail {d['ess_tail']:.0f}  "
                f"mcse(sd) {d['mcse_sd']:.2g} ({100 * d['mcse_sd'] / summary[p]['sd']:.1f}% of the sd)"
            )
        print(f"divergences: {checked['divergences']}; draws per chain: {checked['draws_per_chain']} ({diag_text})")
        ok = checked["ok"]
        print("diagnostics: " + ("ok" if ok else "WARNING: R-hat >= 1.01, an ESS <= 400 or divergences"))
    print(f"model check: {_check_text(record['model_check'], LIKELIHOOD_NAMES[name])}")
    if out is not None:
        print(f"wrote {out}")
    return 0


def _check_record(check, calibration: str) -> dict:
    """What the output says about the model check ([`clusteremu.inference.model_check`][])."""
    if check is None:
        return {"available": False, "reason": "the check needs a flow likelihood"}
    if check.calibrated is None:
        calibration += "; the raw p-value is compared with the level (fewer false alarms, less power)"
    return {"available": True, **check.as_dict(), "calibration": calibration}


def _check_text(check: dict, label: str) -> str:
    if not check["available"]:
        return f"not available for {label} ({check['reason']})"
    p = check["p_value"] if check["calibrated_p_value"] is None else check["calibrated_p_value"]
    kind = "raw" if check["calibrated_p_value"] is None else "calibrated"
    verdict = (
        f"WARNING: the observation is atypical of the model ({kind} p = {p:.3g} < {check['level']:g}); the cluster "
        "may differ from the simulated ones (mass spectrum, binaries, age) and the posterior may be over-confident "
        "and biased"
        if check["flagged"]
        else f"ok ({kind} p = {p:.3g} >= {check['level']:g})"
    )
    raw = f"posterior-predictive p = {check['p_value']:.3g} from {check['draws']} draws"
    return f"{verdict}; {raw}, {check['calibration']}"
