"""What a pipeline step reads and writes, declared once, in the step's own script.

Every analysis script (except the render) declares, at module level, two literal dicts:

```python
INPUTS = {"dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
          "cache": ("{cache}", "simulation cache folder")}
OUTPUTS = {"results": ("{data}/inference.json", "the likelihood comparison (JSON)"),
           "tables": ("{data}/tables", "folder of tables (Markdown)", ("accuracy.md", "uncertainty.md"))}
```

Each entry is `option: (path, help)`: the command-line option `--option`, the file (or a
list of files, for one option taking several) and what it is; a folder output names the
files it holds as a third element. Paths use the templates `{data}` (the profile's data
folder), `{fig}` (its figures), `{build}` (its build folder), `{root}` (the repository
root) and `{cache}` (the simulation cache: an argument, never a prerequisite, since a
cache only ever saves work).

From this one declaration:

- [`clusteremu.repro.depscan`][] writes the step's make rule (targets, prerequisites and
  the recipe with every option) into `build/deps.mk`, so a forgotten prerequisite cannot
  exist;
- [`step_main`][] builds the script's argument parser and runs it;
- [`declared_inputs`][] lists the input files for the provenance record.

Figure scripts declare `INPUTS` the same way; their output is `{fig}/<name>.png` unless
they declare `OUTPUTS` (see [`clusteremu.paper.plotting.figure_script`][]).

Standard library only: the Makefile runs the scanner before the environment exists.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["CACHE", "declared_inputs", "expand", "make_parser", "step_main"]

#: The template of the simulation cache folder.
CACHE = "{cache}"

#: How each template appears in make: in a rule's targets and prerequisites (per profile,
#: as a pattern), and in its recipe.
MAKE_PATTERN = {"data": "data/%", "fig": "figures/%", "build": "build/%", "root": ".", "cache": "$(CACHE)"}
MAKE_RECIPE = {"data": "$(DATA)", "fig": "$(FIG)", "build": "$(BUILD)", "root": ".", "cache": "$(CACHE)"}


def expand(path: str, values: Mapping[str, str]) -> str:
    """`path` with its template (`{data}`, ...) replaced by `values[template]`, `./` dropped."""
    out = path.format(**values)
    return out.removeprefix("./")


def paths(spec: tuple) -> list[str]:
    """The path templates of one declared entry (one, or several for a multi-file option)."""
    return list(spec[0]) if isinstance(spec[0], list | tuple) else [spec[0]]


def targets(spec: tuple) -> list[str]:
    """The files an output entry makes: its paths, or the files of its folder."""
    if len(spec) > 2:
        return [f"{paths(spec)[0]}/{name}" for name in spec[2]]
    return paths(spec)


def make_parser(doc: str, inputs: Mapping[str, tuple], outputs: Mapping[str, tuple]) -> argparse.ArgumentParser:
    """The argument parser of a step: `--config` and one required option per declared entry."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    for kind, entries in (("", inputs), ("output ", outputs)):
        for name, spec in entries.items():
            several = isinstance(spec[0], list | tuple)
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                required=True,
                nargs="+" if several else None,
                help=f"{kind}{spec[1]} [{', '.join(paths(spec))}]",
            )
    return parser


def declared_inputs(args: argparse.Namespace, inputs: Mapping[str, tuple]) -> list[str]:
    """The input files given for the declared inputs, in declaration order (the cache left out)."""
    out: list[str] = []
    for name, spec in inputs.items():
        if spec[0] != CACHE:
            value = getattr(args, name)
            out.extend(value if isinstance(value, list) else [value])
    return out


def step_main(
    doc: str,
    main: Callable[[argparse.Namespace], Any],
    inputs: Mapping[str, tuple],
    outputs: Mapping[str, tuple],
    errors: tuple[type[BaseException], ...] = (),
) -> None:
    """Parse the declared options and run `main(args)`; a profile error (or one of `errors`)
    ends the script with one line on stderr, before anything is written."""
    from ..compilation_cache import use_compilation_cache
    from ..config import ConfigError  # the scanner imports this module before the environment exists

    args = make_parser(doc, inputs, outputs).parse_args()
    try:
        if "jax" in sys.modules:  # a step that computes: it loads the programs an earlier step compiled
            use_compilation_cache()
        main(args)
    except (ConfigError, *errors) as exc:
        sys.exit(f"error: {exc}")
