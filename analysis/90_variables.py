"""Collect every number the manuscript quotes into `_variables.yml`, and check its claims.

Reads:  the profile config (`--config`, the sections whose settings the text quotes), the
        results of the analysis steps (`--design-summary`, `--validation`, `--campaign`,
        `--training`, `--learned`, `--flow`, `--evaluation`, `--truth`, `--inference`,
        `--confirmation`, `--check`, `--diagnosis`, `--misspecification`, `--reference`,
        `--learning-curve`, `--costs`) and the lock file (`--requirements`).
Writes: `_variables.yml` (`--out`) for `{{< var ... >}}` shortcodes, with its record. The
        figures' caption tags (`prov.*`) are added by the render, so this step does not
        depend on any figure.

The work is `clusteremu.paper.collect.collect_variables`: numbers are formatted there,
once (the manuscript never types a number by hand); sentences whose wording depends on the
results are composed from the results (`clusteremu.paper.findings`); every other
qualitative statement is listed in `clusteremu.paper.claims.CLAIMS` with the test that
makes it true: if a test fails, the build stops and names the sentence.
"""

import json
from pathlib import Path

from clusteremu.config import load_config
from clusteremu.evaluation.check_calibration import CheckCalibration
from clusteremu.evaluation.confirmation import ConfirmationStudy
from clusteremu.evaluation.flow_diagnosis import FlowDiagnosis
from clusteremu.evaluation.misspecification import MisspecificationStudy
from clusteremu.evaluation.reference_bank import ReferenceBank
from clusteremu.evaluation.reports import LikelihoodComparison, StudyError
from clusteremu.paper.claims import ClaimError
from clusteremu.paper.collect import collect_variables
from clusteremu.paper.variables import write_variables
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = (
    "domain",
    "simulation",
    "campaign",
    "emulator",
    "learned",
    "flow",
    "truth",
    "inference",
    "reference",
    "development",
    "confirmation",
    "misspecification",
    "manuscript",
)

INPUTS = {
    "design_summary": ("{data}/design_summary.json", "design summary (JSON)"),
    "validation": ("{data}/validation.json", "simulator validation (JSON)"),
    "campaign": ("{data}/campaign_summary.json", "campaign statistics (JSON)"),
    "training": ("{data}/training.json", "mean-ensemble training facts (JSON)"),
    "learned": ("{data}/learned.json", "learned-noise training facts (JSON)"),
    "flow": ("{data}/flow.json", "flow training facts (JSON)"),
    "evaluation": ("{data}/evaluation.json", "test-split evaluation (JSON)"),
    "truth": ("{data}/truth.json", "truth-set evaluation (JSON)"),
    "inference": ("{data}/inference.json", "likelihood comparison (JSON)"),
    "confirmation": ("{data}/confirmation.json", "confirmation on fresh simulations (JSON)"),
    "check": ("{data}/model_check.json", "the model check's null (JSON)"),
    "diagnosis": ("{data}/diagnosis.json", "the flow's diagnosis (JSON)"),
    "misspecification": ("{data}/misspecification.json", "misspecification study (JSON)"),
    "reference": ("{data}/reference.json", "the reference bank's comparison (JSON)"),
    "learning_curve": ("{data}/learning_curve.json", "learning curve (JSON)"),
    "costs": ("{data}/costs.json", "measured costs (JSON, volatile)"),
    # The text states the versions of the main packages (read from the installed metadata).
    "requirements": ("{root}/requirements.lock", "pinned package versions"),
}
OUTPUTS = {"out": ("{build}/_variables.yml", "the manuscript's variables (YAML)")}
#: The results `collect_variables` reads, by name (every input but the lock file).
RESULTS = tuple(name for name in INPUTS if name != "requirements")


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    typed = {
        "inference": LikelihoodComparison,
        "confirmation": ConfirmationStudy,
        "check": CheckCalibration,
        "diagnosis": FlowDiagnosis,
        "misspecification": MisspecificationStudy,
        "reference": ReferenceBank,
    }
    results = {name: json.loads(Path(getattr(args, name)).read_text()) for name in RESULTS if name not in typed}
    results |= {name: cls.load(getattr(args, name)) for name, cls in typed.items()}
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS))
    write_variables(run, Path(args.out), collect_variables(config, results))


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS, errors=(ClaimError, StudyError))
