"""The flow's diagnosis table (`tables/diagnosis.md`), from the diagnosis' typed result.

A module of its own so that only the diagnosis step, which writes the table, depends on it.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.flow_diagnosis import FlowDiagnosis
from .tables import table

__all__ = ["diagnosis_table"]


def diagnosis_table(diag: FlowDiagnosis) -> str:
    """Per density on the development set: coverage and standardized-error sd of both
    parameters and the log score; the members alone summarized by their mean and range."""
    rows = [
        "| Density | 68% $Q_0$ | 95% $Q_0$ | 68% $a$ | 95% $a$ | $z$ sd ($Q_0$, $a$) | log score |",
        "|:--|" + "--:|" * 6,
    ]
    alone = [r for r in diag.rows if r.label.startswith("member")]

    def spread(values) -> str:
        v = np.asarray(values)
        return f"{v.mean():.2f} ({v.min():.2f}–{v.max():.2f})" if len(v) > 1 else f"{v[0]:.2f}"

    def line(label, rs):
        cells = [
            spread([r.coverage68["q0"] for r in rs]),
            spread([r.coverage95["q0"] for r in rs]),
            spread([r.coverage68["a_au"] for r in rs]),
            spread([r.coverage95["a_au"] for r in rs]),
            f"{spread([r.z_sd['q0'] for r in rs])}, {spread([r.z_sd['a_au'] for r in rs])}",
            spread([r.log_score for r in rs]),
        ]
        return f"| {label} | " + " | ".join(cells) + " |"

    rows.append(line(f"one member alone (mean and range over {len(alone)})", alone))
    rows += [line(r.label, [r]) for r in diag.rows if not r.label.startswith("member")]
    caption = (
        f"The flow's diagnosis on the {diag.n_used} usable simulations of the development set (the retired first "
        "confirmation set), every density multiplied by P(usable): coverage of the central 68% and 95% credible "
        "intervals, the sd of the standardized error (posterior mean minus truth over posterior sd; one for "
        "calibrated posteriors) and the mean log posterior density at the truth per unit box area (higher is "
        f"better), from posteriors on a {diag.grid_points} × {diag.grid_points} grid. The members differ only in "
        "initialization and minibatch order."
    )
    return table(rows, caption, "tbl-diagnosis")
