"""Fit the baselines on the training split, tune them on validation, predict everywhere.

Reads:  the profile config (`--config`), the campaign dataset (`--dataset`) and the trained
        emulator (`--model`, for its training-only normalization).
Writes: each baseline's predictions (physical units) on the validation and test rows and
        at the design points, its tuned hyperparameter and validation scores (`--out`, JSON).

Baselines: training mean, linear regression, k-nearest neighbours (k on validation),
thin-plate RBF interpolation (smoothing on validation), and a Gaussian process with a
Matern-5/2 kernel and a learned noise term (hyperparameters by marginal likelihood).
"""

import argparse
import sys

import numpy as np

from clusteremu.baselines import GPBaseline, KNNBaseline, LinearBaseline, MeanBaseline, RBFBaseline, tune
from clusteremu.config import ConfigError, load_config
from clusteremu.emulator import Emulator
from clusteremu.emulator_data import load_emulator_data
from clusteremu.provenance import Run


def main(args):
    config = load_config(args.config)
    bl = config["baselines"]
    data = load_emulator_data(args.dataset)
    norm = Emulator.load(args.model).normalizer
    xt, yt = norm.x_to_unit(data.train.x), norm.y_to_unit(data.train.y)
    xv, yv = norm.x_to_unit(data.validation.x), norm.y_to_unit(data.validation.y)
    k_max = min(bl["knn_k_max"], len(xt))
    smooth = np.logspace(bl["rbf_log10_smoothing_min"], bl["rbf_log10_smoothing_max"], 13).tolist()
    k, knn, knn_scores = tune(KNNBaseline, range(1, k_max + 1), xt, yt, xv, yv)
    s, rbf, rbf_scores = tune(RBFBaseline, smooth, xt, yt, xv, yv)
    models = {
        "mean": (MeanBaseline().fit(xt, yt), {}),
        "linear": (LinearBaseline().fit(xt, yt), {}),
        "knn": (knn, {"k": k, "validation_rmse": {str(h): v for h, v in knn_scores.items()}}),
        "rbf": (rbf, {"smoothing": s, "validation_rmse": {f"{h:.3g}": v for h, v in rbf_scores.items()}}),
        "gp": (GPBaseline(bl["gp_restarts"], config["emulator"]["seed"]).fit(xt, yt), {}),
    }
    out = {}
    for name, (model, info) in models.items():
        entry = {"info": info}
        for split in ("validation", "test"):
            x = norm.x_to_unit(data.splits[split].x)
            if name == "gp":
                mean, sd = model.predict(x, return_std=True)
                entry[split] = {"mean": norm.y_from_unit(mean).tolist(), "sd": (sd * norm.y_std).tolist()}
            else:
                entry[split] = {"mean": norm.y_from_unit(model.predict(x)).tolist()}
        out[name] = entry
    out["gp"]["info"]["kernels"] = [str(g.kernel_) for g in models["gp"][0].gps]
    run = Run(__file__, config, inputs=[args.dataset, args.model], seeds={"gp": config["emulator"]["seed"]})
    run.write_json(args.out, out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--dataset", required=True, help="campaign dataset (CSV)")
    parser.add_argument("--model", required=True, help="trained emulator (for its normalization)")
    parser.add_argument("--out", required=True, help="output baseline predictions (JSON)")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
