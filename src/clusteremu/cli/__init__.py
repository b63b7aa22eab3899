"""The `clusteremu` command line.

Subcommands, one module each:

- `clusteremu audit --profile P` ([`audit`][]): check the provenance of every figure and
  number the manuscript uses; exits 1 and names each mismatch if anything is stale.
- `clusteremu simulate --q0 Q --a A --seed S` ([`simulate`][]): one N-body simulation with
  the profile's settings, its summaries and energy error.
- `clusteremu predict --q0 Q --a A` ([`predict`][]): an emulator's summaries with
  uncertainties (the learned-noise ensemble by default, physical by construction).
- `clusteremu infer --f-bound F --sigma-v S --r-h R` ([`infer`][]): the posterior of
  (Q0, a) for one observed cluster, exact on a grid or sampled with NUTS.

Every argument and every input file is checked before any computation ([`checks`][],
[`loaders`][]): a refusal is one line on stderr naming the value and what is allowed,
exit status 2, and nothing written. JAX is imported only once a command computes.
`predict` and `infer` keep their compiled programs in a per-user folder ([`programs`][];
the programs `infer` runs are in [`posteriors`][]), so that a second call runs the first
call's executables without importing the model code or reading the model files;
`simulate` uses JAX's persistent compilation cache there ([`loaders.start_jax`][]).
"""

from __future__ import annotations

import argparse
import sys

from ..config import ConfigError
from . import audit, infer, predict, simulate
from .checks import UsageError

__all__ = ["build_parser", "main"]

COMMANDS = {"audit": audit, "simulate": simulate, "predict": predict, "infer": infer}


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (what is wrong, where to read what is allowed)."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}; allowed: see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand (building it imports no JAX)."""
    from .. import __version__

    parser = _Parser(prog="clusteremu", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"clusteremu {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.__doc__.split("\n\n")[0].split(": ", 1)[1])
        p.add_argument("--profile", default="paper", help="profile name in analysis/config (default: paper)")
        p.add_argument("--root", default=".", help="repository root (default: current directory)")
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status (2 for a refused argument or input file)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (UsageError, ConfigError) as exc:
        # one line even for a config that lists several problems
        print(f"clusteremu {args.command}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
