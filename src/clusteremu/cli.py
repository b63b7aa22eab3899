"""The `clusteremu` command line.

Subcommands:

- `clusteremu audit --profile P`: check the provenance of every figure and number the
  manuscript uses; exits 1 and names each mismatch if anything is stale or tampered with.
- `clusteremu simulate --q0 Q --a A --seed S`: run one N-body simulation with the
  profile's settings and print its summaries and energy error.
- `clusteremu predict --q0 Q --a A`: a trained emulator's summaries with uncertainties
  (the learned-noise ensemble by default, whose predictions are physical by construction).
- `clusteremu infer --f-bound F --sigma-v S --r-h R`: the posterior of (Q0, a) for one
  observed cluster with the likelihood the profile's coverage study recommends (or
  `--likelihood`), exact on a grid (default) or sampled with NUTS with diagnostics
  (`--method nuts`); `--obs-sd` adds measurement errors; `--out` saves draws (ArviZ netCDF).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

import numpy as np

from .config import ConfigError, load_config
from .repro.paths import Layout

__all__ = ["main"]


def _layout(args: argparse.Namespace) -> Layout:
    root = Path(args.root).resolve()
    layout = Layout(root, args.profile)
    if not layout.config.exists():
        known = sorted(p.stem for p in layout.config.parent.glob("*.yaml"))
        raise ConfigError(f"unknown profile {args.profile!r}; allowed: {', '.join(known) or 'none found'}")
    return layout


def _cmd_audit(args: argparse.Namespace) -> int:
    from .paper.audit import audit_manuscript

    layout = _layout(args)
    report = audit_manuscript(layout)
    print(report.table())
    if not args.rebuild:
        return 0 if report.ok else 1
    from .paper.rebuild import rebuild_and_compare

    print(f"\nrebuilding profile {layout.profile!r} in a scratch checkout and comparing bytes ...")
    rebuilt = rebuild_and_compare(layout, Path(args.venv).resolve())
    print(rebuilt.table().replace("failed", "differ"))
    return 0 if report.ok and rebuilt.ok else 1


def _in_domain(config, q0: float, a: float) -> None:
    dom = config["domain"]
    for flag, value, lo, hi, unit in (
        ("--q0", q0, dom["q0_min"], dom["q0_max"], ""),
        ("--a", a, dom["a_min_au"], dom["a_max_au"], " AU"),
    ):
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ConfigError(
                f"{flag} {value:g}{unit} is outside the domain of profile {config.profile!r}; "
                f"allowed: {lo:g} to {hi:g}{unit}"
            )


def _cmd_simulate(args: argparse.Namespace) -> int:
    from .repro.provenance import atomic_write_bytes
    from .simulation.simulate import SimulationSettings, simulate_one

    config = load_config(_layout(args).config)
    _in_domain(config, args.q0, args.a)
    if not 0 <= args.seed < 2**32:
        raise ConfigError(f"--seed {args.seed} is not allowed; allowed: an integer in [0, 2^32 - 1]")
    base = SimulationSettings.from_config(config)
    over = {}
    if args.n_stars is not None:
        if args.n_stars < base.min_bound_stars:
            raise ConfigError(f"--n-stars {args.n_stars} is not allowed; allowed: >= {base.min_bound_stars}")
        over["n_stars"] = args.n_stars
    if args.t_end is not None:
        if not (math.isfinite(args.t_end) and args.t_end > 0):
            raise ConfigError(f"--t-end {args.t_end:g} is not allowed; allowed: a positive time in yr")
        n_steps = max(1, round(args.t_end / base.dt_yr))  # keep the profile's validated timestep
        over.update(
            t_end_yr=n_steps * base.dt_yr, n_steps=n_steps, n_energy_checks=math.gcd(n_steps, base.n_energy_checks)
        )
    settings = SimulationSettings(**{**base.as_dict(), **over})
    import jax

    out = simulate_one(args.q0, args.a, settings, key=jax.random.key(args.seed), keep_state=True)
    s = out.summary
    result = {
        "q0": args.q0,
        "a_au": args.a,
        "seed": args.seed,
        "f_bound": float(s.f_bound),
        "sigma_v_kms": None if bool(s.few_bound) else float(s.sigma_v_kms),
        "r_h_au": None if bool(s.few_bound) else float(s.r_h_au),
        "n_bound": int(s.n_bound),
        "few_bound": bool(s.few_bound),
        "energy_error_max": float(out.energy_error),
        "energy_error_final": float(out.energy_error_final),
        "settings": settings.as_dict(),
    }
    if args.save_state:
        buffer = io.BytesIO()
        state = {k: np.asarray(v) for k, v in out.state.items() if k != "softening"}
        np.savez(
            buffer,
            **state,
            softening_au=np.asarray(out.state["softening"]),
            dt_yr=settings.dt_yr,
            n_steps=settings.n_steps,
            q0=args.q0,
            a_au=args.a,
            seed=args.seed,
        )
        atomic_write_bytes(args.save_state, buffer.getvalue())
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        undefined = f"undefined (fewer than {settings.min_bound_stars} bound stars)"
        print(
            f"Q0 = {args.q0:g}, a = {args.a:g} AU, seed {args.seed}, N = {settings.n_stars}, "
            f"T = {settings.t_end_yr:g} yr ({settings.n_steps} steps)"
        )
        print(f"  f_bound      {result['f_bound']:.4f}  ({result['n_bound']} stars bound)")
        sv, rh = result["sigma_v_kms"], result["r_h_au"]
        print(f"  sigma_v      {f'{sv:.3f} km/s' if sv is not None else undefined}")
        print(f"  r_h          {f'{rh:.2f} AU' if rh is not None else undefined}")
        print(f"  energy error {result['energy_error_max']:.2e} (max over t of |E-E0|/|W0|)")
    return 0


def _load_model(args: argparse.Namespace):
    from .emulators.files import EnsembleFileError, load_model

    layout = _layout(args)
    model = Path(args.model) if args.model else layout.data / "learned.eqx"
    if not model.exists():
        raise ConfigError(f"no trained emulator at {model}; run `make paper PROFILE={args.profile}` first")
    try:
        return model, load_model(model)
    except EnsembleFileError as exc:
        raise ConfigError(str(exc)) from None


def _likelihood_name(args: argparse.Namespace, data: Path, measured: bool) -> str:
    """The likelihood asked for, or the one the profile's coverage study recommends (with
    measurement errors: the one it recommends among those that model them)."""
    from .paper.labels import LIKELIHOOD_NAMES

    if args.likelihood != "recommended":
        if args.likelihood not in LIKELIHOOD_NAMES:
            raise ConfigError(f"--likelihood {args.likelihood!r}; allowed: recommended, {', '.join(LIKELIHOOD_NAMES)}")
        return args.likelihood
    study = data / "inference.json"
    if not study.exists():
        raise ConfigError(
            f"no coverage study at {study} to take the recommended likelihood from; run "
            f"`make paper PROFILE={args.profile}` or pass --likelihood (allowed: "
            f"{', '.join(LIKELIHOOD_NAMES)})"
        )
    result = json.loads(study.read_text())
    return result["measurement"]["likelihood"] if measured else result["recommended"]


def _observation(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray | None]:
    """The observed summaries and measurement sds, checked."""
    obs = np.array([args.f_bound, args.sigma_v, args.r_h], dtype=float)
    if not np.all(np.isfinite(obs)):
        raise ConfigError("observations must be finite numbers")
    if not 0.0 <= args.f_bound <= 1.0:
        raise ConfigError(f"--f-bound {args.f_bound:g} is impossible; allowed: a fraction in [0, 1]")
    for flag, value in (("--sigma-v", args.sigma_v), ("--r-h", args.r_h)):
        if value <= 0:
            raise ConfigError(f"{flag} {value:g} is impossible; allowed: a positive number")
    if args.obs_sd is None:
        return obs, None
    obs_sd = np.asarray(args.obs_sd, dtype=float)
    if np.any(obs_sd < 0) or not np.all(np.isfinite(obs_sd)):
        raise ConfigError("--obs-sd needs three non-negative numbers (f_bound, sigma_v km/s, r_h AU)")
    return obs, obs_sd


def _likelihood(args: argparse.Namespace, name: str, files: dict, obs_sd):
    from .emulators.flow import FlowFileError
    from .emulators.modelfile import EnsembleFileError
    from .inference.family import load_likelihood
    from .inference.model import Likelihood

    try:
        if args.sigma is None:
            return load_likelihood(name, files, obs_sd)
        sigma = np.asarray(args.sigma, dtype=float)
        if name != "constant":
            raise ConfigError(
                f"--sigma fixes the widths of the constant likelihood; pass --likelihood constant "
                f"(not {name!r}) with it"
            )
        if np.any(sigma <= 0) or not np.all(np.isfinite(sigma)):
            raise ConfigError("--sigma needs three positive numbers (f_bound, sigma_v km/s, r_h AU)")
        return Likelihood(load_likelihood("constant", files).emulator, "constant", sigma, np.diag(sigma**2), obs_sd)
    except FileNotFoundError as exc:
        raise ConfigError(f"{exc}; run `make paper PROFILE={args.profile}` first") from None
    except (ValueError, EnsembleFileError, FlowFileError) as exc:
        raise ConfigError(str(exc)) from None


def _cmd_infer(args: argparse.Namespace) -> int:
    import jax

    from .inference.threads import start_one_thread

    if args.method == "nuts":
        start_one_thread()  # NUTS runs faster on one XLA thread (and nothing else runs here)
    from .inference.family import MODEL_FILES
    from .inference.model import grid_posterior
    from .inference.sampling import diagnostics, nuts_healthy, nuts_settings, run_nuts
    from .paper.labels import LIKELIHOOD_NAMES
    from .prior import PARAMETERS
    from .repro.provenance import atomic_write_bytes

    obs, obs_sd = _observation(args)
    layout = _layout(args)
    data = Path(args.data) if args.data else layout.data
    name = _likelihood_name(args, data, measured=obs_sd is not None)
    like = _likelihood(args, name, {role: data / f for role, f in MODEL_FILES.items()}, obs_sd)
    inf = load_config(layout.config, sections=("inference",))["inference"]
    chosen = "recommended: " if args.likelihood == "recommended" else ""
    print(
        f"posterior of (Q0, a) for f_bound = {args.f_bound:g}, sigma_v = {args.sigma_v:g} km/s, "
        f"r_h = {args.r_h:g} AU  [{chosen}{LIKELIHOOD_NAMES[name]} likelihood, {args.method}, {data}]"
    )
    if args.method == "grid":  # exact to the grid's resolution, and the fastest for two parameters
        grid = grid_posterior(like, obs[None], n_grid=inf["grid_points"])
        draws = grid.draw(0, inf["nuts_chains"] * inf["nuts_samples"], seed=args.seed)[None]
        result, healthy = None, True
    else:
        result = run_nuts(like, obs, key=jax.random.key(args.seed), **nuts_settings(inf))
        draws = result.draws
    print(f"{'':6s} {'mean':>10s} {'sd':>10s} {'5%':>10s} {'50%':>10s} {'95%':>10s}")
    for j, p in enumerate(PARAMETERS):
        x = draws[..., j].ravel()
        q = np.quantile(x, [0.05, 0.5, 0.95])
        print(f"{p:6s} {x.mean():10.4g} {x.std(ddof=1):10.3g} {q[0]:10.4g} {q[1]:10.4g} {q[2]:10.4g}")
    if result is not None:
        diag = diagnostics(result)
        row = {"divergences": int(result.diverging.sum()), **diag}
        healthy = nuts_healthy(row)
        for p in PARAMETERS:
            d = diag[p]
            print(f"{p:6s} r_hat {d['r_hat']:.4f}  ess_bulk {d['ess_bulk']:.0f}  ess_tail {d['ess_tail']:.0f}")
        print(
            f"divergences: {row['divergences']}; draws per chain: {result.draws.shape[1]} "
            f"({result.extensions} continuations of {inf['nuts_samples']})"
        )
    print("diagnostics: " + ("ok" if healthy else "WARNING: R-hat >= 1.01, an ESS <= 400 or divergences"))
    if args.out:
        import tempfile

        import arviz as az

        idata = (
            result.to_inference_data()
            if result is not None
            else az.from_dict(posterior={p: draws[..., j] for j, p in enumerate(PARAMETERS)})
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "posterior.nc"
            idata.to_netcdf(str(path))
            atomic_write_bytes(args.out, path.read_bytes())
        print(f"wrote {args.out}")
    return 0


def _prediction(em, x: np.ndarray) -> dict:
    """Per summary: the mean, the simulator's scatter and the predictive sd of one new
    realization (and, for the mean ensemble, the members' spread)."""
    from .emulators.mean_ensemble import Emulator

    p = em.predict(x)
    out = {}
    for j, name in enumerate(("f_bound", "sigma_v_kms", "r_h_au")):
        row = {
            "mean": float(p.mean[0, j]),
            "simulator_sd": float(p.sim_sd[0, j]),
            "predictive_sd": float(p.total_sd[0, j]),
        }
        if isinstance(em, Emulator):
            row["ensemble_sd"] = float(p.ensemble_sd[0, j])
        else:  # the learned ensemble's intervals follow the skewed scatter
            row["interval95"] = [float(p.lo95[0, j]), float(p.hi95[0, j])]
        out[name] = row
    return out


def _cmd_predict(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.q0) and math.isfinite(args.a)):
        raise ConfigError("--q0 and --a must be finite numbers")
    model, em = _load_model(args)
    x = np.array([[args.q0, args.a]])
    inside = bool(em.in_domain(x)[0])
    d = em.domain
    if not inside and not args.allow_extrapolation:
        raise ConfigError(
            f"(Q0, a) = ({args.q0:g}, {args.a:g} AU) is outside the training domain "
            f"Q0 in [{d.q0_min:g}, {d.q0_max:g}], a in [{d.a_min_au:g}, {d.a_max_au:g}] AU; "
            "the emulator has no authority there (pass --allow-extrapolation to predict anyway, flagged)"
        )
    result = {"q0": args.q0, "a_au": args.a, "extrapolated": not inside, "model": str(model), **_prediction(em, x)}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    flag = "  ** EXTRAPOLATED: outside the training domain **" if not inside else ""
    print(f"Q0 = {args.q0:g}, a = {args.a:g} AU{flag}")
    units = {"f_bound": "", "sigma_v_kms": " km/s", "r_h_au": " AU"}
    for n, unit in units.items():
        r = result[n]
        extra = (
            f"ensemble spread {r['ensemble_sd']:.2g}"
            if "ensemble_sd" in r
            else f"95% interval {r['interval95'][0]:.4g} to {r['interval95'][1]:.4g}"
        )
        print(
            f"  {n:12s} {r['mean']:10.4g} ± {r['predictive_sd']:.3g}{unit}  "
            f"(simulator scatter {r['simulator_sd']:.2g}, {extra})"
        )
    print("  ± is the calibrated predictive sd for one new simulation")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clusteremu", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--profile", default="paper", help="profile name in analysis/config (default: paper)")
        p.add_argument("--root", default=".", help="repository root (default: current directory)")
        p.set_defaults(func=func)
        return p

    p = add("audit", _cmd_audit, "audit the provenance of every figure and number in the manuscript")
    p.add_argument("--rebuild", action="store_true", help="also rebuild in a scratch checkout, compare bytes")
    p.add_argument("--venv", default=".venv", help="environment the rebuild uses (default: .venv)")
    p = add("simulate", _cmd_simulate, "run one N-body simulation and print its summaries")
    p.add_argument("--q0", type=float, required=True, help="initial virial ratio Q0 = K/|W|")
    p.add_argument("--a", type=float, required=True, help="Plummer scale radius a (AU)")
    p.add_argument("--seed", type=int, required=True, help="seed of the initial conditions")
    p.add_argument("--n-stars", type=int, default=None, help="override the profile's number of stars")
    p.add_argument("--t-end", type=float, default=None, help="override the integration time (yr)")
    p.add_argument("--save-state", default=None, help="write masses and initial/final state to this .npz")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p = add("predict", _cmd_predict, "emulate the summaries at (Q0, a) with uncertainties")
    p.add_argument("--q0", type=float, required=True, help="initial virial ratio Q0 = K/|W|")
    p.add_argument("--a", type=float, required=True, help="Plummer scale radius a (AU)")
    p.add_argument(
        "--model",
        default=None,
        help="emulator file, either kind (default: data/<profile>/learned.eqx, the learned-noise ensemble)",
    )
    p.add_argument("--allow-extrapolation", action="store_true", help="predict outside the domain, flagged")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p = add("infer", _cmd_infer, "posterior of (Q0, a) for one observed cluster (grid or NUTS)")
    p.add_argument("--f-bound", type=float, required=True, help="observed bound fraction")
    p.add_argument("--sigma-v", type=float, required=True, help="observed 1-D velocity dispersion (km/s)")
    p.add_argument("--r-h", type=float, required=True, help="observed half-mass radius (AU)")
    p.add_argument(
        "--sigma",
        type=float,
        nargs=3,
        default=None,
        help="fixed sds for --likelihood constant instead of the fitted ones",
    )
    p.add_argument(
        "--obs-sd",
        type=float,
        nargs=3,
        default=None,
        help="measurement sds of the summaries (f_bound, km/s, AU), added to the likelihood",
    )
    p.add_argument(
        "--method",
        choices=("grid", "nuts"),
        default="grid",
        help="grid: exact on the profile's grid (default, fastest); nuts: NUTS, diagnostics",
    )
    p.add_argument(
        "--likelihood",
        default="recommended",
        help="the likelihood (default: the one the profile's coverage study recommends, read from "
        "<data>/inference.json); see `clusteremu.paper.labels.LIKELIHOOD_NAMES`",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the sampler")
    p.add_argument(
        "--data",
        default=None,
        help="folder of the fitted models (default: data/<profile>: emulator.eqx, learned.eqx, gp.npz, flow.eqx)",
    )
    p.add_argument("--out", default=None, help="save the samples as ArviZ InferenceData (netCDF)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"clusteremu {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
