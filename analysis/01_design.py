"""Draw the experimental design: a Latin hypercube over (Q0, a), split by design point.

Reads:  the profile config (`--config`).
Writes: the design table (`--table`, CSV, one row per simulation), a summary of the
        design (`--summary`, JSON, quoted in the paper) and the design figure
        (`--figure`, PNG), each with its provenance record.
"""

import argparse
import sys

import matplotlib.pyplot as plt

from clusteremu.config import ConfigError, load_config
from clusteremu.design import SPLITS, Design, make_design
from clusteremu.plotting import SPLIT_COLORS, use_style
from clusteremu.provenance import Run


def summarize(design: Design, config) -> dict:
    points = design.points()
    return {
        "domain": dict(config["domain"]),
        "seed": config["design"]["seed"],
        "n_points": int(points.q0.size),
        "n_realizations": int(config["design"]["n_realizations"]),
        "n_simulations": int(design.q0.size),
        "points_per_split": {s: int((points.split == s).sum()) for s in SPLITS},
        "simulations_per_split": {s: int((design.split == s).sum()) for s in SPLITS},
    }


def plot_design(design: Design, config):
    dom = config["domain"]
    points = design.points()
    fig, ax = plt.subplots(figsize=(4.6, 3.6))
    for split in SPLITS:
        sel = points.in_split(split)
        ax.scatter(sel.q0, sel.a_au, s=14, color=SPLIT_COLORS[split], label=f"{split} ({sel.q0.size})")
    ax.set_xlim(dom["q0_min"], dom["q0_max"])
    ax.set_ylim(dom["a_min_au"], dom["a_max_au"])
    ax.set_xlabel(r"initial virial ratio $Q_0 = K/|W|$")
    ax.set_ylabel(r"Plummer scale radius $a$ [AU]")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.13), ncol=3, handletextpad=0.2)
    return fig


def main(args):
    config = load_config(args.config)
    design = make_design(config)
    use_style()
    run = Run(__file__, config, seeds={"design": config["design"]["seed"]})
    run.write_text(args.table, design.to_csv())
    run.write_json(args.summary, summarize(design, config))
    run.save_figure(plot_design(design, config), args.figure, dpi=config["figures"]["dpi"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML, e.g. analysis/config/smoke.yaml")
    parser.add_argument("--table", required=True, help="output design table (CSV)")
    parser.add_argument("--summary", required=True, help="output design summary (JSON)")
    parser.add_argument("--figure", required=True, help="output design figure (PNG)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
