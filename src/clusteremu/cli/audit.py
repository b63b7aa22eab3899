"""`clusteremu audit`: the provenance of every figure and number the manuscript uses."""

from __future__ import annotations

import argparse
from pathlib import Path

from .loaders import _layout


def _cmd_audit(args: argparse.Namespace) -> int:
    from ..paper.audit import audit_manuscript

    layout = _layout(args)
    report = audit_manuscript(layout)
    print(report.table())
    if not args.rebuild:
        return 0 if report.ok else 1
    from ..paper.rebuild import rebuild_and_compare

    print(f"\nrebuilding profile {layout.profile!r} in a scratch checkout and comparing bytes ...")
    rebuilt = rebuild_and_compare(layout, Path(args.venv).resolve())
    print(rebuilt.table().replace("failed", "differ"))
    return 0 if report.ok and rebuilt.ok else 1
