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
import sys

__all__ = ["main"]

from ..config import ConfigError
from .audit import _cmd_audit
from .infer import _cmd_infer
from .predict import _cmd_predict
from .simulate import _cmd_simulate


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
