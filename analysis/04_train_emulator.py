"""Fit the emulator: an ensemble of MLPs with its noise model, calibration and widths.

Reads:  the profile config (`--config`, sections `domain` and `emulator`) and the
        campaign dataset (`--dataset`).
Writes: the emulator (`--model`, one versioned file holding the ensemble, the
        training-only normalization, the noise model, the calibration and the likelihood
        widths) and training facts with the loss curves (`--summary`, JSON), each with
        its provenance record; `figures/loss_curves.py` draws the curves.

Only the training split sets the normalization and the weights; the validation split is
used for early stopping, the calibration and the widths; the test split is not read.
"""

import numpy as np

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data
from clusteremu.emulators.mean_fit import EmulatorSettings, fit_emulator
from clusteremu.emulators.training import loss_curves
from clusteremu.prior import ParameterBox
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("domain", "emulator")
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV) from 03_simulate.py"),
}
OUTPUTS = {
    "model": ("{data}/emulator.eqx", "emulator file"),
    "summary": ("{data}/training.json", "training facts and loss curves (JSON)"),
}


def summarize(data, fit) -> dict:
    em, history = fit.emulator, fit.history
    members = np.arange(history.train_loss.shape[1])
    return {
        "n_train": int(len(data.train.x)),
        "n_validation": int(len(data.validation.x)),
        "n_test": int(len(data.test.x)),
        "n_excluded_energy": data.n_excluded_energy,
        "n_excluded_few_bound": data.n_excluded_few_bound,
        "epochs_run": int(history.epochs),
        "best_epoch": history.best_epoch.tolist(),
        "best_val_loss": history.val_loss[history.best_epoch, members].tolist(),
        "train_loss_at_best": history.train_loss[history.best_epoch, members].tolist(),
        "calibration_scale": np.asarray(em.scale).tolist(),
        "residual_sd": np.asarray(em.residual_sd).tolist(),
        "residual_correlation": (np.asarray(em.residual_cov) / np.outer(em.residual_sd, em.residual_sd)).tolist(),
        "loss_curves": loss_curves(history.train_loss, history.val_loss),
    }


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    data = load_emulator_data(args.dataset)
    settings = EmulatorSettings.from_config(config)
    fit = fit_emulator(data, settings, ParameterBox.from_domain(config["domain"]))
    summary = summarize(data, fit)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"emulator": settings.seed})
    run.write_fit(args.model, fit.emulator, args.summary, summary, seconds=fit.train_seconds)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
