"""Draw the experimental design: a Latin hypercube over (Q0, a), split by design point.

Reads:  the profile config (`--config`, sections `domain` and `design`).
Writes: the design table (`--table`, CSV, one row per simulation) and a summary of the
        design (`--summary`, JSON: domain, counts per split, the points themselves),
        each with its provenance record. `figures/design.py` draws it.
"""

from clusteremu.config import load_config
from clusteremu.datasets.design import SPLITS, Design, make_design
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import step_main

CONFIG_SECTIONS = ("domain", "design")
INPUTS = {}
OUTPUTS = {
    "table": ("{data}/design.csv", "design table (CSV)"),
    "summary": ("{data}/design_summary.json", "design summary (JSON)"),
}


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
        "points": {"q0": points.q0.tolist(), "a_au": points.a_au.tolist(), "split": points.split.tolist()},
    }


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    design = make_design(config)
    run = Run(__file__, config, seeds={"design": config["design"]["seed"]})
    run.write_text(args.table, design.to_csv())
    run.write_json(args.summary, summarize(design, config))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
