"""`clusteremu audit`: the provenance of every figure and number the manuscript uses."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import checks, loaders

HELP = "audit the provenance of every figure and number in the manuscript"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rebuild", action="store_true", help="also rebuild in a scratch checkout, compare bytes")
    p.add_argument("--venv", default=".venv", help="environment the rebuild uses (default: .venv)")


def run(args: argparse.Namespace) -> int:
    from ..paper.audit import audit_manuscript

    layout = loaders.layout(args)
    venv = checks.path_name("--venv", args.venv)
    if args.rebuild:
        checks.input_folder("--venv", venv)
    report = audit_manuscript(layout)
    print(report.table())
    if not args.rebuild:
        return 0 if report.ok else 1
    from ..paper.rebuild import rebuild_and_compare

    print(f"\nrebuilding profile {layout.profile!r} in a scratch checkout and comparing bytes ...")
    rebuilt = rebuild_and_compare(layout, Path(venv).resolve())
    print(rebuilt.table().replace("failed", "differ"))
    return 0 if report.ok and rebuilt.ok else 1
