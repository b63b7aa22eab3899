"""What an analysis script depends on: library modules (transitively) and config sections.

Like a compiler's `-MMD`, this scans source code rather than trusting a hand-kept list:

- **modules**: every `clusteremu` module a script imports, followed through the library's
  own imports (including imports inside functions), plus package data files a module
  names by a string literal (the matplotlib style). Importing any submodule executes the
  package's `__init__.py` and each intermediate one, so those are included too.
- **config sections**: a script declares the profile sections it reads in a module-level
  `CONFIG_SECTIONS = ("domain", ...)`; [`clusteremu.config.Config`][] refuses to hand out any
  other section, so the declaration cannot silently fall behind the code.
- **files**: a script declares the files it reads and writes in module-level `INPUTS` and
  `OUTPUTS` ([`clusteremu.repro.steps`][]); this module writes the step's whole make rule
  from them (targets, prerequisites, recipe), and the script's parser comes from the same
  declaration, so no prerequisite can be forgotten.

The Makefile writes `build/deps.mk` with this module run as a plain file (standard
library only, so it works before the virtual environment exists); provenance records and
the audit use the same functions, so the build and the audit agree on what is stale.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile
import time
from pathlib import Path

try:
    from .steps import MAKE_PATTERN, MAKE_RECIPE, expand, paths, targets
except ImportError:  # run as a plain file by the Makefile, before the environment (and the package) exists
    from steps import MAKE_PATTERN, MAKE_RECIPE, expand, paths, targets

__all__ = ["PACKAGE_DIR", "config_sections", "declared_files", "module_closure", "script_closure", "write_makefile"]

PACKAGE = "clusteremu"
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/clusteremu (this file is in repro/)
_DATA_SUFFIXES = (".mplstyle",)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _module_file(package_dir: Path, dotted: str) -> Path | None:
    """The source file of `clusteremu.<dotted>` (a module or a subpackage), if it exists."""
    base = package_dir.joinpath(*dotted.split(".")) if dotted else package_dir
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _exports(package_dir: Path) -> dict[str, str]:
    """The package's lazy re-export table, `_EXPORTS = {name: module}` in `__init__.py`."""
    for node in _parse(package_dir / "__init__.py").body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(getattr(t, "id", None) == "_EXPORTS" for t in targets):
                return ast.literal_eval(node.value)
    return {}


def _direct(path: Path, package_dir: Path) -> set[Path]:
    """Library files that `path` imports or names, one level deep."""
    tree = _parse(path)
    inside = package_dir in path.parents
    here = ".".join(path.relative_to(package_dir).with_suffix("").parts[:-1]) if inside else ""
    found: set[Path] = set()

    def add(dotted: str, names: list[str]) -> None:
        # Importing `clusteremu.a.b` executes `clusteremu/__init__.py` and `a/__init__.py` first.
        parts = dotted.split(".") if dotted else []
        for depth in range(max(len(parts), 1)):
            init = package_dir.joinpath(*parts[:depth], "__init__.py")
            if init.is_file():
                found.add(init)
        module = _module_file(package_dir, dotted)
        if module is not None:
            found.add(module)
        for name in names:  # `from clusteremu import design` names a submodule,
            sub = _module_file(package_dir, f"{dotted}.{name}".strip("."))
            if sub is None and not dotted:  # `from clusteremu import Emulator` a lazy re-export
                sub = _module_file(package_dir, _exports(package_dir).get(name, ""))
            if sub is not None and sub != package_dir / "__init__.py":
                found.add(sub)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    add(alias.name.removeprefix(PACKAGE).lstrip("."), [])
        elif isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names]
            if node.level:  # relative import inside the package
                if not inside:
                    continue
                parts = here.split(".") if here else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                add(".".join([*parts, *(node.module.split(".") if node.module else [])]), names)
            elif node.module and (node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
                add(node.module.removeprefix(PACKAGE).lstrip("."), names)
        elif (
            inside
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.endswith(_DATA_SUFFIXES)
            and (path.parent / node.value).is_file()
        ):
            found.add(path.parent / node.value)
    found.discard(path)
    return found


def module_closure(start: Path, package_dir: Path = PACKAGE_DIR, *, with_init: bool = True) -> list[Path]:
    """Every library file `start` depends on, transitively, sorted.

    `start` may be an analysis script or a library module (which is then included).
    `with_init=False` leaves out every package `__init__.py`: they only re-export names, so
    what a module computes never depends on it (used for the simulation cache's key).
    """
    start, package_dir = Path(start).resolve(), Path(package_dir).resolve()
    seen = {start} if package_dir in start.parents else set()
    queue = [start]
    while queue:
        for dep in _direct(queue.pop(), package_dir):
            if dep not in seen:
                seen.add(dep)
                if dep.suffix == ".py":
                    queue.append(dep)
    if not with_init:
        seen = {p for p in seen if p.name != "__init__.py"}
    return sorted(seen)


def script_closure(script: Path, package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The library files an analysis script depends on (see [`module_closure`][])."""
    return module_closure(script, package_dir)


def config_sections(script: Path) -> tuple[str, ...]:
    """The sections a script declares in `CONFIG_SECTIONS` (empty if it reads no config)."""
    for node in _parse(Path(script)).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CONFIG_SECTIONS" for t in node.targets):
            value = ast.literal_eval(node.value)
            if not (isinstance(value, tuple) and all(isinstance(v, str) for v in value)):
                raise ValueError(f"{script}: CONFIG_SECTIONS must be a tuple of section names, got {value!r}")
            return value
    return ()


def _literal(script: Path, name: str) -> dict | None:
    for node in _parse(Path(script)).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            value = ast.literal_eval(node.value)
            if not isinstance(value, dict):
                raise ValueError(f"{script}: {name} must be a dict of option: (path, help), got {value!r}")
            return value
    return None


def declared_files(script: Path, stem: str) -> tuple[dict, dict] | None:
    """A script's declared `(INPUTS, OUTPUTS)`, or None if it declares no inputs (the render).
    A figure script that declares no outputs makes `{fig}/<name>.png`."""
    inputs = _literal(script, "INPUTS")
    if inputs is None:
        return None
    outputs = _literal(script, "OUTPUTS")
    if outputs is None:
        outputs = {"out": (f"{{fig}}/{Path(stem).name}.png", "the figure (PNG)")}
    return inputs, outputs


def _rule(stem: str, inputs: dict, outputs: dict) -> list[str]:
    """The make rule of one declared step: a pattern rule over the profile (`%`), so that one
    recipe makes all its outputs and `make -n` shows everything downstream."""
    pattern = [expand(f, MAKE_PATTERN) for spec in outputs.values() for f in targets(spec)]
    prereqs = [expand(f, MAKE_PATTERN) for spec in inputs.values() for f in paths(spec) if f != "{cache}"]
    options = []
    for name, spec in {**inputs, **outputs}.items():
        options.append(f"--{name.replace('_', '-')} " + " ".join(expand(f, MAKE_RECIPE) for f in paths(spec)))
    # Three options a line: the recipe that make prints stays readable.
    lines = [" ".join(options[k : k + 3]) for k in range(0, len(options), 3)]
    recipe = f"\t$(PY) analysis/{stem}.py --config $(CONFIG) " + " \\\n\t  ".join(lines)
    return [
        f"OUTPUTS.{stem} := {' '.join(expand(f, MAKE_RECIPE) for spec in outputs.values() for f in targets(spec))}\n",
        f"{' '.join(pattern)}: {' '.join(prereqs)} $(call step,{stem}) | $(STAMP)\n",
        recipe + "\n",
    ]


def write_makefile(scripts: list[Path], root: Path, out: Path) -> None:
    """Write, atomically, for every script: make variables `LIB.<stem>` and `SECTIONS.<stem>`;
    then, for every script that declares its files, `OUTPUTS.<stem>` and its rule; and
    `STEP_OUTPUTS`, every declared output of the profile.

    `<stem>` is the script's path below `analysis/` without `.py`, e.g. `03_simulate` or
    `figures/summaries`. Variables come first: a rule's prerequisites are expanded when
    make reads it.
    """
    root = Path(root).resolve()
    lines = ["# Generated by src/clusteremu/repro/depscan.py from the sources; do not edit.\n"]
    rules, stems = [], []
    for script in sorted(Path(s).resolve() for s in scripts):
        stem = script.relative_to(root / "analysis").with_suffix("").as_posix()
        libs = " ".join(p.relative_to(root).as_posix() for p in script_closure(script, root / "src" / PACKAGE))
        lines.append(f"LIB.{stem} := {libs}\n")
        lines.append(f"SECTIONS.{stem} := {' '.join(config_sections(script))}\n")
        declared = declared_files(script, stem)
        if declared is not None:
            rules += ["\n", f"# analysis/{stem}.py\n", *_rule(stem, *declared)]
            stems.append(stem)
    lines += rules
    lines.append(f"\nSTEP_OUTPUTS := {' '.join(f'$(OUTPUTS.{s})' for s in stems)}\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.writelines(lines)
    # Never older than what it was made from, even if a source's clock runs ahead: make
    # remakes an included makefile that is older than its sources and restarts, forever.
    sources = [*scripts, *(p for p in (root / "src" / PACKAGE).rglob("*") if p.is_file())]
    newest = max([time.time(), *(Path(p).stat().st_mtime for p in sources)])
    os.utime(tmp, (newest, newest))
    os.replace(tmp, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write the Makefile fragment of script dependencies")
    parser.add_argument("--root", default=".", help="repository root")
    parser.add_argument("--out", required=True, help="output makefile fragment")
    parser.add_argument("scripts", nargs="+", help="analysis scripts")
    args = parser.parse_args(argv)
    try:
        write_makefile([Path(s) for s in args.scripts], Path(args.root), Path(args.out))
    except (SyntaxError, ValueError) as exc:
        print(f"depscan: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
