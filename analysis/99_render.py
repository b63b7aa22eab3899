"""Render the manuscript to PDF, with Quarto when it is installed, else the fallback.

Reads:  the Quarto project in `paper/`, this profile's `_variables.yml`, figures and tables
        (see `clusteremu.paper.manuscript`); the profile config (`--config`) names the profile,
        and its `manuscript.claims` says whether a layout problem stops the build (`fail`) or
        is printed (`flag`).
Writes: the PDF (`--out`) with its provenance record (engine used in the record).
"""

import argparse
import sys
from pathlib import Path

from clusteremu.config import ConfigError, load_config
from clusteremu.paper.manuscript import ManuscriptError, manuscript_inputs, render
from clusteremu.repro.paths import Layout
from clusteremu.repro.provenance import Run

CONFIG_SECTIONS = ("manuscript",)


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    layout = Layout(Path.cwd(), config.profile)
    if Path(args.out).resolve() != layout.pdf:
        raise ConfigError(f"--out {args.out}: the PDF of profile {config.profile!r} lives at {layout.pdf}")
    # The layout is promised where the claims are: a profile that only flags them gets a warning.
    pdf, engine = render(layout, engine=args.engine, strict_layout=config["manuscript"]["claims"] == "fail")
    Run(__file__, config, inputs=manuscript_inputs(layout)).write_bytes(layout.pdf, pdf, extra={"engine": engine})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--out", required=True, help="output PDF (build/<profile>/paper.pdf)")
    parser.add_argument(
        "--engine",
        choices=("auto", "quarto", "fallback"),
        default="auto",
        help="auto: Quarto when on PATH, else pandoc + Lua filter + Typst",
    )
    try:
        main(parser.parse_args())
    except (ConfigError, ManuscriptError) as exc:
        sys.exit(f"error: {exc}")
