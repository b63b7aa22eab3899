"""The manuscript's generated tables, as Markdown (pipe tables with a Quarto caption).

Each function formats numbers already computed elsewhere; the caption ends with the
table's cross-reference label, so `@tbl-...` in the text resolves to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .dataset import OUTPUT_NAMES

__all__ = ["METHOD_NAMES", "accuracy_table", "coverage_table", "fmt_output", "uncertainty_table"]

METHOD_NAMES = {"ensemble": "MLP ensemble", "mean": "training mean", "linear": "linear regression",
                "knn": "k-nearest neighbours", "rbf": "RBF interpolation", "gp": "Gaussian process"}  # fmt: skip
_SYMBOLS = {"f_bound": "$f_\\mathrm{bound}$", "sigma_v_kms": "$\\sigma_v$", "r_h_au": "$r_h$"}
_PARAMS = {"q0": "$Q_0$", "a_au": "$a$"}
_VARIANTS = {"constant": "constant diagonal", "input": "input-dependent", "fullcov": "full covariance"}


def fmt_output(value: float, name: str) -> str:
    """A summary in its natural precision: f_bound 3 decimals, sigma_v 2 (km/s), r_h 0 (AU)."""
    return {"f_bound": f"{value:.3f}", "sigma_v_kms": f"{value:.2f}", "r_h_au": f"{value:.0f}"}[name]


def _table(rows: list[str], caption: str, label: str) -> str:
    return "\n".join(rows) + f"\n\n: {caption} {{#{label}}}\n"


def accuracy_table(metrics: Mapping[str, Any]) -> str:
    """RMSE and R^2 per method and output; the lowest RMSE per output in bold."""
    best = {j: min(metrics, key=lambda m: metrics[m]["rmse"][j]) for j in range(len(OUTPUT_NAMES))}
    rows = [
        "| Method | RMSE $f_\\mathrm{bound}$ | RMSE $\\sigma_v$ (km/s) | RMSE $r_h$ (AU) "
        "| $R^2$ $f_\\mathrm{bound}$ | $R^2$ $\\sigma_v$ | $R^2$ $r_h$ |",
        "|:--|--:|--:|--:|--:|--:|--:|",
    ]
    for m, v in metrics.items():
        rmse = [f"**{fmt_output(v['rmse'][j], n)}**" if best[j] == m else fmt_output(v["rmse"][j], n)
                for j, n in enumerate(OUTPUT_NAMES)]  # fmt: skip
        rows.append(
            f"| {METHOD_NAMES[m]} | " + " | ".join(rmse) + " | " + " | ".join(f"{r:.3f}" for r in v["r2"]) + " |"
        )
    caption = ("Test-split accuracy in physical units against single simulated realizations, for every method "
               "trained on the same split (lowest RMSE per output in bold).")  # fmt: skip
    return _table(rows, caption, "tbl-accuracy")


def uncertainty_table(prob: Mapping[str, Any]) -> str:
    """Proper scores and coverage per probabilistic method and output."""
    rows = ["| Method | Output | NLPD | CRPS | 68% coverage | 95% coverage | mean $z^2$ |",
            "|:--|:--|--:|--:|--:|--:|--:|"]  # fmt: skip
    for m, v in prob.items():
        for j, n in enumerate(OUTPUT_NAMES):
            rows.append(f"| {m} | {_SYMBOLS[n]} | {v['nlpd'][j]:.2f} | {fmt_output(v['crps'][j], n)} | "
                        f"{v['coverage68'][j]:.2f} | {v['coverage95'][j]:.2f} | {v['z2_mean'][j]:.2f} |")  # fmt: skip
    caption = (
        "Probabilistic scores on the test split for a new single realization (lower NLPD and CRPS are "
        "better; CRPS in the output's units; nominal coverages 0.68 and 0.95, mean $z^2$ ideally 1)."
    )
    return _table(rows, caption, "tbl-uncertainty")


def coverage_table(results: Mapping[str, Any], test_results: Mapping[str, Any]) -> str:
    """Coverage on the prior draws and the test split, SBC, contraction and bias per width."""
    rows = ["| Likelihood width | Parameter | 68% (prior draws) | 95% (prior draws) | 68% (test split) "
            "| 95% (test split) | SBC $p$ | median contraction | mean $z$ bias |",
            "|:--|:--|" + "--:|" * 7]  # fmt: skip
    for v, per_param in results.items():
        for p, r in per_param.items():
            t = test_results[v][p]
            rows.append(f"| {_VARIANTS[v]} | {_PARAMS[p]} | {r['coverage68']:.2f} | {r['coverage95']:.2f} | "
                        f"{t['coverage68']:.2f} | {t['coverage95']:.2f} | {r['sbc_chi2_p']:.2f} | "
                        f"{r['contraction_median']:.1f} | {r['z_bias_mean']:+.2f} |")  # fmt: skip
    caption = ("Empirical coverage of central credible intervals for the held-out simulations drawn from the "
               "prior and for the test split, with the SBC uniformity test, contraction (prior sd / posterior sd) "
               "and standardized bias, for each likelihood width.")  # fmt: skip
    return _table(rows, caption, "tbl-coverage")
