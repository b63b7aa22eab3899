"""The `clusteremu` command line.

Subcommands:

- `clusteremu render --profile P`: stage and render the manuscript to `build/P/paper.pdf`.
- `clusteremu audit --profile P`: check the provenance of every figure and number the
  manuscript uses; exits 1 and names each mismatch if anything is stale or tampered with.
- `clusteremu simulate --q0 Q --a A --seed S`: run one N-body simulation with the
  profile's settings and print its summaries and energy error.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

from .audit import audit_manuscript
from .config import ConfigError, load_config
from .layout import Layout
from .manuscript import ManuscriptError, render

__all__ = ["main"]


def _layout(args: argparse.Namespace) -> Layout:
    root = Path(args.root).resolve()
    layout = Layout(root, args.profile)
    if not layout.config.exists():
        known = sorted(p.stem for p in layout.config.parent.glob("*.yaml"))
        raise ConfigError(f"unknown profile {args.profile!r}; allowed: {', '.join(known) or 'none found'}")
    return layout


def _cmd_render(args: argparse.Namespace) -> int:
    layout = _layout(args)
    pdf = render(layout, load_config(layout.config), engine=args.engine)
    print(f"wrote {pdf.relative_to(layout.root)}")
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    report = audit_manuscript(_layout(args))
    print(report.table())
    return 0 if report.ok else 1


def _in_domain(config, q0: float, a: float) -> None:
    dom = config["domain"]
    for flag, value, lo, hi, unit in (("--q0", q0, dom["q0_min"], dom["q0_max"], ""),
                                      ("--a", a, dom["a_min_au"], dom["a_max_au"], " AU")):  # fmt: skip
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ConfigError(
                f"{flag} {value:g}{unit} is outside the domain of profile {config.profile!r}; "
                f"allowed: {lo:g} to {hi:g}{unit}"
            )


def _cmd_simulate(args: argparse.Namespace) -> int:
    from .provenance import atomic_write_bytes
    from .simulate import SimulationSettings, simulate_one

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
        over.update(t_end_yr=n_steps * base.dt_yr, n_steps=n_steps,
                    n_energy_checks=math.gcd(n_steps, base.n_energy_checks))  # fmt: skip
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
        import numpy as np

        buffer = io.BytesIO()
        state = {k: np.asarray(v) for k, v in out.state.items() if k != "softening"}
        np.savez(buffer, **state, softening_au=np.asarray(out.state["softening"]), dt_yr=settings.dt_yr,
                 n_steps=settings.n_steps, q0=args.q0, a_au=args.a, seed=args.seed)  # fmt: skip
        atomic_write_bytes(args.save_state, buffer.getvalue())
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        undefined = f"undefined (fewer than {settings.min_bound_stars} bound stars)"
        print(f"Q0 = {args.q0:g}, a = {args.a:g} AU, seed {args.seed}, N = {settings.n_stars}, "
              f"T = {settings.t_end_yr:g} yr ({settings.n_steps} steps)")  # fmt: skip
        print(f"  f_bound      {result['f_bound']:.4f}  ({result['n_bound']} stars bound)")
        sv, rh = result["sigma_v_kms"], result["r_h_au"]
        print(f"  sigma_v      {f'{sv:.3f} km/s' if sv is not None else undefined}")
        print(f"  r_h          {f'{rh:.2f} AU' if rh is not None else undefined}")
        print(f"  energy error {result['energy_error_max']:.2e} (max over t of |E-E0|/|W0|)")
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

    p = add("render", _cmd_render, "render the manuscript to build/<profile>/paper.pdf")
    p.add_argument("--engine", choices=("auto", "quarto", "fallback"), default="auto",
                   help="auto: Quarto when on PATH, else pandoc + Lua filter + Typst")  # fmt: skip
    add("audit", _cmd_audit, "audit the provenance of every figure and number in the manuscript")
    p = add("simulate", _cmd_simulate, "run one N-body simulation and print its summaries")
    p.add_argument("--q0", type=float, required=True, help="initial virial ratio Q0 = K/|W|")
    p.add_argument("--a", type=float, required=True, help="Plummer scale radius a (AU)")
    p.add_argument("--seed", type=int, required=True, help="seed of the initial conditions")
    p.add_argument("--n-stars", type=int, default=None, help="override the profile's number of stars")
    p.add_argument("--t-end", type=float, default=None, help="override the integration time (yr)")
    p.add_argument("--save-state", default=None, help="write masses and initial/final state to this .npz")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, ManuscriptError) as exc:
        print(f"clusteremu {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
