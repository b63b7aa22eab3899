"""The manuscript's generated tables, as Markdown (pipe tables with a Quarto caption).

Each function formats numbers already computed elsewhere; the caption ends with the
table's cross-reference label, so `@tbl-...` in the text resolves to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..datasets.table import OUTPUT_NAMES
from ..evaluation.metrics import noise_floor_ratios
from .labels import OUTPUT_SYMBOLS

__all__ = ["METHOD_NAMES", "accuracy_table", "fmt_output", "table", "truth_table", "uncertainty_table"]

METHOD_NAMES = {
    "learned": "learned-noise ensemble",
    "ensemble": "mean ensemble",
    "mean": "training mean",
    "linear": "linear regression",
    "knn": "k-nearest neighbours",
    "rbf": "RBF interpolation",
    "gp": "Gaussian process",
}


def fmt_output(value: float, name: str) -> str:
    """A summary in its natural precision: f_bound 3 decimals, sigma_v 2 (km/s), r_h 0 (AU)."""
    return {"f_bound": f"{value:.3f}", "sigma_v_kms": f"{value:.2f}", "r_h_au": f"{value:.0f}"}[name]


def table(rows: list[str], caption: str, label: str) -> str:
    return "\n".join(rows) + f"\n\n: {caption} {{#{label}}}\n"


def accuracy_table(metrics: Mapping[str, Any]) -> str:
    """RMSE and R^2 per method and output; the lowest RMSE per output in bold, every method
    that ties it at the printed precision too (one bold among equal numbers reads as a winner)."""
    printed = {m: [fmt_output(v["rmse"][j], n) for j, n in enumerate(OUTPUT_NAMES)] for m, v in metrics.items()}
    best = [min((p[j] for p in printed.values()), key=float) for j in range(len(OUTPUT_NAMES))]
    rows = [
        "| Method | RMSE $f_\\mathrm{bound}$ | RMSE $\\sigma_v$ (km/s) | RMSE $r_h$ (AU) "
        "| $R^2$ $f_\\mathrm{bound}$ | $R^2$ $\\sigma_v$ | $R^2$ $r_h$ |",
        "|:--|--:|--:|--:|--:|--:|--:|",
    ]
    for m, v in metrics.items():
        rmse = [
            (f"**{printed[m][j]}**" if printed[m][j] == best[j] else printed[m][j])
            + f" ± {fmt_output(v['rmse_se'][j], n)}"
            for j, n in enumerate(OUTPUT_NAMES)
        ]
        rows.append(
            f"| {METHOD_NAMES[m]} | " + " | ".join(rmse) + " | " + " | ".join(f"{r:.3f}" for r in v["r2"]) + " |"
        )
    caption = (
        "Test-split accuracy in physical units against single simulated realizations, for every method "
        "trained on the same split (lowest RMSE per output in bold, ties at the printed precision all bold), "
        "with standard errors by a bootstrap over the "
        "test design points (the realizations of one point resampled together)."
    )
    return table(rows, caption, "tbl-accuracy")


def uncertainty_table(prob: Mapping[str, Any]) -> str:
    """Proper scores and coverage per probabilistic method and output."""
    rows = [
        "| Method | Output | NLPD | CRPS | 68% coverage | 95% coverage | mean $z^2$ |",
        "|:--|:--|--:|--:|--:|--:|--:|",
    ]
    for m, v in prob.items():
        for j, n in enumerate(OUTPUT_NAMES):
            rows.append(
                f"| {m} | {OUTPUT_SYMBOLS[n]} | {v['nlpd'][j]:.2f} ± {v['nlpd_se'][j]:.2f} | "
                f"{fmt_output(v['crps'][j], n)} ± {fmt_output(v['crps_se'][j], n)} | "
                f"{v['coverage68'][j]:.2f} ± {v['coverage68_se'][j]:.2f} | "
                f"{v['coverage95'][j]:.2f} ± {v['coverage95_se'][j]:.2f} | {v['z2_mean'][j]:.2f} ± "
                f"{v['z2_mean_se'][j]:.2f} |"
            )
    caption = (
        "Probabilistic scores on the test split for a new single realization (lower NLPD and CRPS are "
        "better; NLPD in nats per summary, of the density in the output's physical units; CRPS in the output's "
        "units; nominal coverages 0.68 and 0.95, mean $z^2$ ideally 1), with standard errors by a bootstrap over "
        "the test design points."
    )
    return table(rows, caption, "tbl-uncertainty")


def truth_table(results: Mapping[str, Any]) -> str:
    """Per model and output: the error of the emulated mean over the truth set's noise (68th
    and 95th percentiles over points, and the largest), and single-realization coverage."""
    names = {
        "mean": "mean ensemble (mean + kernel noise)",
        "learned": "learned-noise ensemble",
        "gp": "Gaussian process",
        "flow": "normalizing flow",
    }
    rows = [
        "| Model | Output | error / $\\sigma_\\mathrm{sim}$, 68th pct | 95th pct | largest | 68% coverage "
        "| 95% coverage |",
        "|:--|:--|--:|--:|--:|--:|--:|",
    ]
    perfect, points = results["perfect"], results["points"]
    for m, v in results["models"].items():
        largest = noise_floor_ratios(np.array(v["mean"]), np.array(points["mean"]), np.array(points["sd"]), (1.0,))[0]
        for j, n in enumerate(OUTPUT_NAMES):
            rows.append(
                f"| {names.get(m, m)} | {OUTPUT_SYMBOLS[n]} | {v['ratio68'][j]:.2f} | {v['ratio95'][j]:.2f} | "
                f"{largest[j]:.2f} | {v['coverage68'][j]:.2f} | {v['coverage95'][j]:.2f} |"
            )
    n_points = len(points["count"])
    caption = (
        f"Every emulator against the truth set ({n_points} interior points, "
        f"{results['n_realizations']} usable realizations): the 68th and 95th percentiles over points of the error of "
        f"the emulated mean in units of the realization sd (a perfect emulator scores {perfect[0]:.2f} and "
        f"{perfect[1]:.2f} from the truth set's own sampling error) and the largest error of a point, and the "
        "fraction of single realizations inside the 68% and 95% predictive intervals."
    )
    if 0.95 * (n_points - 1) >= n_points - 2:  # the 95th percentile interpolates between the two largest
        caption += (
            f" With {n_points} points the 95th percentile lies between the two largest errors, so it can lie far "
            "below the largest."
        )
    return table(rows, caption, "tbl-truth")
