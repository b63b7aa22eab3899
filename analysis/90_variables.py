"""Collect every number the manuscript quotes into `_variables.yml`, and check its claims.

Reads:  the profile config (`--config`, the sections whose settings the text quotes) and the
        results of the analysis steps (`--design-summary`, `--validation`, `--campaign`,
        `--training`, `--learned`, `--flow`, `--evaluation`, `--truth`, `--inference`,
        `--reference`, `--learning-curve`, `--costs`).
Writes: `_variables.yml` (`--out`) for `{{< var ... >}}` shortcodes, with its record. The
        figures' caption tags (`prov.*`) are added by the render, so this step does not
        depend on any figure.

The work is `clusteremu.paper.collect.collect_variables`: numbers are formatted there,
once (the manuscript never types a number by hand); sentences whose wording depends on the
results are composed from the results (`clusteremu.paper.findings`); every other
qualitative statement is listed in `clusteremu.paper.claims.CLAIMS` with the test that
makes it true: if a test fails, the build stops and names the sentence.
"""

import argparse
import json
import sys
from pathlib import Path

from clusteremu.config import ConfigError, load_config
from clusteremu.evaluation.reports import LikelihoodComparison, StudyError
from clusteremu.paper.claims import ClaimError
from clusteremu.paper.collect import collect_variables
from clusteremu.paper.variables import write_variables
from clusteremu.repro.provenance import Run

CONFIG_SECTIONS = (
    "domain",
    "simulation",
    "campaign",
    "emulator",
    "learned",
    "truth",
    "inference",
    "reference",
    "manuscript",
)

RESULTS = (
    "design_summary",
    "validation",
    "campaign",
    "training",
    "learned",
    "flow",
    "evaluation",
    "truth",
    "inference",
    "reference",
    "learning_curve",
    "costs",
)


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    results = {name: json.loads(Path(getattr(args, name)).read_text()) for name in RESULTS if name != "inference"}
    results["inference"] = LikelihoodComparison.load(args.inference)
    run = Run(__file__, config, inputs=[getattr(args, name) for name in RESULTS])
    write_variables(run, Path(args.out), collect_variables(config, results))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    for name in RESULTS:
        parser.add_argument(f"--{name.replace('_', '-')}", required=True, help=f"{name.replace('_', ' ')} (JSON)")
    parser.add_argument("--out", required=True, help="output _variables.yml")
    try:
        main(parser.parse_args())
    except (ConfigError, ClaimError, StudyError) as exc:
        sys.exit(f"error: {exc}")
