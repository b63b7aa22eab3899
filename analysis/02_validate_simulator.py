"""Validate the N-body simulator against analytic results, conservation laws and REBOUND.

Reads:  the profile config (`--config`, sections `domain`, `simulation`, `validation`).
Writes: every validation number and curve (`--results`, JSON) with its provenance record;
        `figures/validation_energy.py` and `figures/validation_ics.py` draw them.
"""

from clusteremu.config import load_config
from clusteremu.prior import ParameterBox
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import step_main
from clusteremu.simulation.simulate import SimulationSettings
from clusteremu.simulation.validation import validation_report

CONFIG_SECTIONS = ("domain", "simulation", "validation")
INPUTS = {}
OUTPUTS = {
    "results": ("{data}/validation.json", "validation numbers and curves (JSON)"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    seed = config["validation"]["seed"]
    report = validation_report(SimulationSettings.from_config(config), ParameterBox.from_domain(config["domain"]), seed)
    Run(__file__, config, seeds={"validation": seed}).write_json(args.results, report)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
