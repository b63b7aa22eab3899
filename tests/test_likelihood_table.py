"""The paper's likelihood table: one line per likelihood, the NUTS runs in its caption."""

from dataclasses import replace

from clusteremu.evaluation.reports import NutsCheck, NutsParameter
from clusteremu.paper.labels import LIKELIHOOD_NAMES
from clusteremu.paper.likelihood_table import likelihood_table
from tests.helpers import tiny_comparison


def _rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]


def test_every_likelihood_has_one_row_of_eight_cells_and_the_recommended_one_is_bold():
    study = tiny_comparison("flow+selection", "learned")
    header, _, *rows = _rows(likelihood_table(study))
    assert len(header) == 8 and all(len(r) == 8 for r in rows) and len(rows) == len(study.likelihoods)
    names = [r[0] for r in rows]
    assert f"**{LIKELIHOOD_NAMES['flow+selection']}**" in names and LIKELIHOOD_NAMES["learned"] in names
    recommended = rows[names.index(f"**{LIKELIHOOD_NAMES['flow+selection']}**")]
    assert recommended[1:3] == ["0.68, 0.95", "0.68, 0.95"] and recommended[-1] == "none"


def test_the_caption_counts_the_nuts_runs_that_pass_every_diagnostic():
    study = tiny_comparison("flow+selection", "learned")
    assert "No likelihood was sampled with NUTS." in likelihood_table(study)
    par = NutsParameter(1.0, 500.0, 500.0, 0.004, 1.0, 0.1, 1.0, 0.1, [0.8, 1.2], [0.8, 1.2])
    runs = [NutsCheck(i, 0, 0, h, par, par) for i, h in enumerate((True, True, False))]
    text = likelihood_table(replace(study, nuts={"flow+selection": runs, "learned": []}))
    assert f"Runs of NUTS passing every diagnostic: {LIKELIHOOD_NAMES['flow+selection']}, 2 of 3." in text
