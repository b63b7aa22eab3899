"""Fit the learned-noise emulator (each member predicts a realization's mean and covariance)
and the selection model P(usable | Q0, a), stored together.

Reads:  the profile config (`--config`, sections `domain`, `simulation` (N, for the bound
        fraction's transform) and `learned`) and the campaign dataset (`--dataset`).
Writes: the emulator (`--model`, one versioned file) and training facts with thinned loss
        curves and the usable fraction per Q0 quarter, data and fit (`--summary`, JSON).

The training split sets the weights and the standardization; validation stops training
and calibrates the total predictive sd; the test split is not read.
"""

import numpy as np

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data
from clusteremu.emulators.learned_noise import LearnedSettings, fit_learned
from clusteremu.emulators.selection import usable_by_quarter
from clusteremu.emulators.training import loss_curves
from clusteremu.prior import ParameterBox
from clusteremu.repro.provenance import Run
from clusteremu.repro.steps import declared_inputs, step_main

CONFIG_SECTIONS = ("domain", "simulation", "learned")
INPUTS = {
    "dataset": ("{data}/campaign.csv", "campaign dataset (CSV)"),
}
OUTPUTS = {
    "model": ("{data}/learned.eqx", "emulator file"),
    "summary": ("{data}/learned.json", "training facts (JSON)"),
}


def summarize(fit, data) -> dict:
    em, history = fit.emulator, fit.history
    box = em.domain
    selection = usable_by_quarter(em.selection, data.selection_x, data.selection_usable, box.quarter_edges("q0"))
    members = np.arange(history.train_loss.shape[1])
    return {
        "epochs_run": int(history.epochs),
        "best_epoch": history.best_epoch.tolist(),
        "best_val_nll": history.val_loss[history.best_epoch, members].tolist(),
        "calibration_scale": np.asarray(em.scale).tolist(),
        "selection": {
            "n": int(len(data.selection_usable)),
            "n_unusable": int((~data.selection_usable).sum()),
            "quarters": selection,
        },
        "loss_curves": loss_curves(history.train_loss, history.val_loss),
    }


def main(args):
    config = load_config(args.config, CONFIG_SECTIONS)
    settings = LearnedSettings.from_config(config)
    data = load_emulator_data(args.dataset)
    fit = fit_learned(data, settings, ParameterBox.from_domain(config["domain"]), config["simulation"]["n_stars"])
    summary = summarize(fit, data)
    run = Run(__file__, config, inputs=declared_inputs(args, INPUTS), seeds={"learned": settings.seed})
    run.write_fit(args.model, fit.emulator, args.summary, summary, seconds=fit.train_seconds)


if __name__ == "__main__":
    step_main(__doc__, main, INPUTS, OUTPUTS)
