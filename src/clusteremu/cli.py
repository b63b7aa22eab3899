"""The `clusteremu` command line.

Subcommands:

- `clusteremu render --profile P`: stage and render the manuscript to `build/P/paper.pdf`.
- `clusteremu audit --profile P`: check the provenance of every figure and number the
  manuscript uses; exits 1 and names each mismatch if anything is stale or tampered with.
"""

from __future__ import annotations

import argparse
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
