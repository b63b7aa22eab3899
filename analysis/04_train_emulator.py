"""Train the emulator: an ensemble of MLPs on training-normalized campaign data.

Reads:  the profile config (`--config`) and the campaign dataset (`--dataset`).
Writes: the trained ensemble with its normalization, noise model and calibration
        (`--model`, one versioned file), training facts (`--summary`, JSON) and the loss
        curves (`--fig-loss`, PNG), each with its provenance record.

Only the training split sets the normalization and the weights; the validation split is
used for early stopping and to fit the calibration scale; the test split is not read.
"""

import argparse
import sys
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from clusteremu.config import ConfigError, load_config
from clusteremu.emulator_data import Normalizer, load_emulator_data
from clusteremu.ensemble_io import ensemble_bytes
from clusteremu.mlp import DTYPE, ensemble_apply, make_ensemble
from clusteremu.plotting import use_style
from clusteremu.provenance import Run
from clusteremu.training import train_ensemble
from clusteremu.uncertainty import NoiseModel, fit_scale


def unit(a):
    return jnp.asarray(a, dtype=DTYPE)


def noise_model(data, norm, k):
    xs, _, sds, _ = data.train.point_means()
    return NoiseModel.fit(norm.x_to_unit(xs), sds**2, k)


def calibration(ensemble, norm, noise, val):
    members = np.asarray(ensemble_apply(ensemble, unit(norm.x_to_unit(val.x)))) * norm.y_std + norm.y_mean
    err = val.y - members.mean(axis=0)
    ens_var = members.var(axis=0, ddof=1)
    sim_var = np.asarray(noise.variance(norm.x_to_unit(val.x)))
    return [fit_scale(err[:, j], ens_var[:, j], sim_var[:, j]) for j in range(err.shape[1])]


def plot_losses(history):
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    epochs = np.arange(history.epochs)
    for m in range(history.train_loss.shape[1]):
        ax.plot(epochs, history.train_loss[:, m], color="#0072B2", lw=0.8, label="training" if m == 0 else None)
        ax.plot(epochs, history.val_loss[:, m], color="#D55E00", lw=0.8, label="validation" if m == 0 else None)
        ax.plot(history.best_epoch[m], history.val_loss[history.best_epoch[m], m], "k|", ms=8)
    ax.set_yscale("log")
    ax.set_xlabel("epoch (full-batch Adam step)")
    ax.set_ylabel("MSE (normalized units)")
    ax.legend(title="| = kept weights")
    return fig


def main(args):
    config = load_config(args.config)
    em = config["emulator"]
    data = load_emulator_data(args.dataset)
    norm = Normalizer.fit(data.train)
    sizes = [2] + [em["hidden_width"]] * em["hidden_layers"] + [3]
    ensemble = make_ensemble(em["n_members"], sizes, key=jax.random.key(em["seed"]))
    t0 = time.perf_counter()
    ensemble, history = train_ensemble(
        ensemble,
        unit(norm.x_to_unit(data.train.x)),
        unit(norm.y_to_unit(data.train.y)),
        unit(norm.x_to_unit(data.validation.x)),
        unit(norm.y_to_unit(data.validation.y)),
        learning_rate=em["learning_rate"],
        max_epochs=em["max_epochs"],
        patience=em["patience_epochs"],
    )
    train_seconds = time.perf_counter() - t0
    noise = noise_model(data, norm, em["noise_neighbours"])
    scale = calibration(ensemble, norm, noise, data.validation)
    header = {
        "sizes": sizes,
        "n_members": em["n_members"],
        "activation": "relu",
        "init": "glorot_uniform weights, zero biases",
        "normalizer": norm.to_dict(),
        "domain": dict(config["domain"]),
        "noise_model": noise.to_dict(),
        "calibration_scale": scale,
        "outputs": ["f_bound", "sigma_v_kms", "r_h_au"],
    }
    members = np.arange(em["n_members"])
    summary = {
        "n_train": int(len(data.train.x)),
        "n_validation": int(len(data.validation.x)),
        "n_test": int(len(data.test.x)),
        "n_excluded_energy": data.n_excluded_energy,
        "n_excluded_few_bound": data.n_excluded_few_bound,
        "epochs_run": int(history.epochs),
        "best_epoch": history.best_epoch.tolist(),
        "best_val_loss": history.val_loss[history.best_epoch, members].tolist(),
        "train_loss_at_best": history.train_loss[history.best_epoch, members].tolist(),
        "calibration_scale": scale,
        "normalizer": norm.to_dict(),
    }
    use_style()
    run = Run(__file__, config, inputs=[args.dataset], seeds={"emulator": em["seed"]})
    # Wall time is volatile: it goes to the record, never into the artifact's bytes.
    run.write_bytes(args.model, ensemble_bytes(ensemble, header), extra={"train_seconds": round(train_seconds, 2)})
    run.write_json(args.summary, summary, extra={"train_seconds": round(train_seconds, 2)})
    run.save_figure(plot_losses(history), args.fig_loss, config["figures"]["dpi"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--dataset", required=True, help="campaign dataset (CSV) from 03_simulate.py")
    parser.add_argument("--model", required=True, help="output ensemble file")
    parser.add_argument("--summary", required=True, help="output training facts (JSON)")
    parser.add_argument("--fig-loss", required=True, help="output figure: loss curves")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
