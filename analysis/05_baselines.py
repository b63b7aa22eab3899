"""Fit the baselines on the training split, tune them on validation, predict held-out rows.

Reads:  the profile config (`--config`, sections `domain` and `baselines`) and the
        campaign dataset (`--dataset`).
Writes: each baseline's predictions (physical units) on the validation and test rows,
        its tuned hyperparameter and validation scores (`--out`, JSON), and the fitted
        Gaussian process, the forward model of the GP likelihood (`--gp`, a model file).

Baselines: training mean, linear regression, k-nearest neighbours (k on validation),
thin-plate RBF interpolation (smoothing on validation), and a Gaussian process with a
Matern-5/2 kernel and a learned noise term (hyperparameters by marginal likelihood). They
normalize with training statistics of their own, so retraining the emulator never reruns them.
"""

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data
from clusteremu.emulators.baselines import fit_baselines
from clusteremu.prior import ParameterBox
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("domain", "baselines")
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
}
OUTPUTS = {
    "out": ("{data}/baselines.json", "baseline predictions (JSON)"),
    "gp": ("{data}/gp.eqx", "fitted Gaussian-process file"),
}


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    box = ParameterBox.from_domain(config["domain"])
    out, gp = fit_baselines(load_emulator_data(args.dataset), config["baselines"], box)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"gp": config["baselines"]["seed"]})
    run.write_json(args.out, out)
    run.write_bytes(args.gp, gp.to_bytes())


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
