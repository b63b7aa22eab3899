"""Collect every number the manuscript quotes into `_variables.yml`.

Reads:  the profile config (`--config`), the results JSON files of the analysis steps
        (`--design-summary`) and the figures the paper embeds (`--figures`, whose
        provenance records give the caption tags).
Writes: `_variables.yml` (`--out`) for `{{< var ... >}}` shortcodes, with its record.

Numbers are formatted here, once; the manuscript never types a number by hand.
"""

import argparse
import json
import sys
from pathlib import Path

from clusteremu.config import ConfigError, load_config
from clusteremu.manuscript import figure_tag, write_variables
from clusteremu.provenance import Run, git_state, load_record


def build_info(config) -> dict:
    git = git_state()
    return {
        "profile": config.profile,
        "commit": (git["commit"] or "no-git")[:12],
        "tree": {True: "uncommitted changes", False: "clean", None: "not a git checkout"}[git["dirty"]],
    }


def design_vars(summary: dict) -> dict:
    dom = summary["domain"]
    pts = summary["points_per_split"]
    return {
        "n_points": summary["n_points"],
        "n_realizations": summary["n_realizations"],
        "n_simulations": summary["n_simulations"],
        "n_train": pts["train"],
        "n_validation": pts["validation"],
        "n_test": pts["test"],
        "q0_min": f"{dom['q0_min']:.2f}",
        "q0_max": f"{dom['q0_max']:.2f}",
        "a_min_au": f"{dom['a_min_au']:.0f}",
        "a_max_au": f"{dom['a_max_au']:.0f}",
        "seed": summary["seed"],
    }


def main(args):
    config = load_config(args.config)
    summary = json.loads(Path(args.design_summary).read_text())
    figures = [Path(f) for f in args.figures]
    variables = {
        "build": build_info(config),
        "design": design_vars(summary),
        "prov": {f.stem: figure_tag(load_record(f)) for f in figures},
    }
    run = Run(__file__, config, inputs=[args.design_summary, *figures])
    write_variables(run, Path(args.out), variables)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--design-summary", required=True, help="design summary JSON from 01_design.py")
    parser.add_argument("--figures", nargs="+", required=True, help="figures whose caption tags to emit")
    parser.add_argument("--out", required=True, help="output _variables.yml")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
