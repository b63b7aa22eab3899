"""Evaluate the emulator and the baselines on the held-out test split, once.

Reads:  the profile config (`--config`), the campaign dataset (`--dataset`), the trained
        emulator (`--model`) and the baseline predictions (`--baselines`).
Writes: every metric (`--results`, JSON), the generated comparison tables (`--tables`,
        Markdown files for the manuscript) and the figures: predicted against simulated
        (`--fig-pred`), residual diagnostics (`--fig-resid`), one-dimensional slices with
        members and bands (`--fig-slices`) and the reliability diagram (`--fig-reliability`).

This is the only step that reads test-split outcomes; nothing it computes feeds back
into a choice (architecture, stopping, calibration and baselines were fixed on validation).
"""

import argparse
import json
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from clusteremu.config import ConfigError, load_config
from clusteremu.emulator import Emulator
from clusteremu.emulator_data import OUTPUT_NAMES, load_emulator_data
from clusteremu.metrics import noise_floor_ratios, perfect_emulator_ratios, point_metrics
from clusteremu.plotting import use_style
from clusteremu.provenance import Run
from clusteremu.uncertainty import central_coverage, coverage_curve, gaussian_crps, gaussian_nlpd

LABELS = {"f_bound": r"$f_\mathrm{bound}$", "sigma_v_kms": r"$\sigma_v$ [km/s]", "r_h_au": r"$r_h$ [AU]"}
NAMES = {"ensemble": "MLP ensemble", "mean": "training mean", "linear": "linear regression",
         "knn": "k-nearest neighbours", "rbf": "RBF interpolation", "gp": "Gaussian process"}  # fmt: skip
LEVELS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def probabilistic(y, mu, sd):
    z = (y - mu) / sd
    return {
        "nlpd": np.mean(gaussian_nlpd(y, mu, sd), axis=0).tolist(),
        "crps": np.mean(gaussian_crps(y, mu, sd), axis=0).tolist(),
        "coverage68": np.mean(central_coverage(y, mu, sd, 0.68), axis=0).tolist(),
        "coverage95": np.mean(central_coverage(y, mu, sd, 0.95), axis=0).tolist(),
        "z2_mean": np.mean(z**2, axis=0).tolist(),
        "reliability": coverage_curve(y, mu, sd, LEVELS).tolist(),
    }


def noise_floor(test, predict):
    xs, means, sds, counts = test.point_means()
    ok = np.all(sds > 0, axis=1)
    q = noise_floor_ratios(predict(xs[ok]), means[ok], sds[ok])
    return {"p68": q[0].tolist(), "p95": q[1].tolist(), "perfect": perfect_emulator_ratios(counts[ok]).tolist(),
            "n_points": int(ok.sum())}  # fmt: skip


def fmt(v, name):
    return {"f_bound": f"{v:.3f}", "sigma_v_kms": f"{v:.2f}", "r_h_au": f"{v:.0f}"}[name]


def accuracy_table(metrics):
    best = {j: min(metrics, key=lambda m: metrics[m]["rmse"][j]) for j in range(3)}
    head = (
        "| Method | RMSE $f_\\mathrm{bound}$ | RMSE $\\sigma_v$ (km/s) | RMSE $r_h$ (AU) "
        "| $R^2$ $f_\\mathrm{bound}$ | $R^2$ $\\sigma_v$ | $R^2$ $r_h$ |"
    )
    rows = [head, "|:--|--:|--:|--:|--:|--:|--:|"]
    for m, v in metrics.items():
        rmse = [("**" + fmt(v["rmse"][j], n) + "**") if best[j] == m else fmt(v["rmse"][j], n)
                for j, n in enumerate(OUTPUT_NAMES)]  # fmt: skip
        rows.append(f"| {NAMES[m]} | " + " | ".join(rmse) + " | " + " | ".join(f"{r:.3f}" for r in v["r2"]) + " |")
    cap = (": Test-split accuracy in physical units against single simulated realizations, for every method "
           "trained on the same split (lowest RMSE per output in bold). {#tbl-accuracy}")  # fmt: skip
    return "\n".join(rows) + "\n\n" + cap + "\n"


def uncertainty_table(prob):
    rows = [
        "| Method | Output | NLPD | CRPS | 68% coverage | 95% coverage | mean $z^2$ |",
        "|:--|:--|--:|--:|--:|--:|--:|",
    ]
    for m, v in prob.items():
        for j, n in enumerate(OUTPUT_NAMES):
            rows.append(f"| {m} | {LABELS[n].split(' [')[0]} | {v['nlpd'][j]:.2f} | {fmt(v['crps'][j], n)} | "
                        f"{v['coverage68'][j]:.2f} | {v['coverage95'][j]:.2f} | {v['z2_mean'][j]:.2f} |")  # fmt: skip
    cap = (": Probabilistic scores on the test split for a new single realization (lower NLPD and CRPS are "
           "better; CRPS in the output's units; nominal coverages 0.68 and 0.95, mean $z^2$ ideally 1). "
           "{#tbl-uncertainty}")  # fmt: skip
    return "\n".join(rows) + "\n\n" + cap + "\n"


def running_mean(x, r, bins=10):
    """Means of x and r in equal-count bins of x: a systematic bias shows as a trend."""
    order = np.argsort(x)
    parts = [p for p in np.array_split(order, min(bins, max(1, len(x) // 5))) if p.size]
    return np.array([x[p].mean() for p in parts]), np.array([r[p].mean() for p in parts])


def plot_pred(test, pred):
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    for j, (ax, n) in enumerate(zip(axes, OUTPUT_NAMES, strict=True)):
        ax.scatter(test.y[:, j], pred.mean[:, j], s=5, alpha=0.6)
        lo, hi = test.y[:, j].min(), test.y[:, j].max()
        ax.plot([lo, hi], [lo, hi], "k:", lw=0.8)
        ax.set_xlabel("simulated " + LABELS[n])
        ax.set_ylabel("emulated " + LABELS[n])
    return fig


def plot_residuals(test, pred):
    fig, axes = plt.subplots(3, 3, figsize=(6.6, 5.6))
    for j, n in enumerate(OUTPUT_NAMES):
        r = test.y[:, j] - pred.mean[:, j]
        for col, (x, xl) in enumerate([(test.x[:, 0], r"$Q_0$"), (test.x[:, 1], r"$a$ [AU]"),
                                       (pred.mean[:, j], "emulated " + LABELS[n])]):  # fmt: skip
            ax = axes[j, col]
            ax.scatter(x, r, s=4, alpha=0.5)
            ax.plot(*running_mean(x, r), color="#D55E00", lw=1.5)
            ax.axhline(0, color="k", lw=0.6)
            ax.set_xlabel(xl)
            if col == 0:
                ax.set_ylabel("residual " + LABELS[n])
    return fig


def plot_slices(em, train, dom):
    fig, axes = plt.subplots(2, 3, figsize=(6.6, 4.4))
    q_mid, a_mid = 0.5 * (dom["q0_min"] + dom["q0_max"]), 0.5 * (dom["a_min_au"] + dom["a_max_au"])
    cuts = [
        (0, a_mid, (dom["q0_min"], dom["q0_max"]), r"$Q_0$"),
        (1, q_mid, (dom["a_min_au"], dom["a_max_au"]), r"$a$ [AU]"),
    ]
    for row, (k, fixed, span, label) in enumerate(cuts):
        pad = 0.15 * (span[1] - span[0])
        grid = np.linspace(span[0] - pad, span[1] + pad, 200)
        x = np.column_stack([grid, np.full_like(grid, fixed)] if k == 0 else [np.full_like(grid, fixed), grid])
        p = em.predict(x)
        other = 1 - k
        width = 0.1 * (train.x[:, other].max() - train.x[:, other].min())
        near = np.abs(train.x[:, other] - fixed) < width
        for j, n in enumerate(OUTPUT_NAMES):
            ax = axes[row, j]
            ax.axvspan(*span, color="0.93", zorder=0)
            ax.fill_between(grid, p.mean[:, j] - 2 * p.total_sd[:, j], p.mean[:, j] + 2 * p.total_sd[:, j],
                            color="#56B4E9", alpha=0.3, lw=0, label=r"$\pm 2\sigma$ predictive")  # fmt: skip
            ax.fill_between(grid, p.mean[:, j] - 2 * p.ensemble_sd[:, j], p.mean[:, j] + 2 * p.ensemble_sd[:, j],
                            color="#0072B2", alpha=0.5, lw=0, label=r"$\pm 2\sigma$ ensemble")  # fmt: skip
            for m in range(p.members.shape[0]):
                ax.plot(grid, p.members[m, :, j], color="0.4", lw=0.5, label="members" if m == 0 else None)
            ax.plot(grid, p.mean[:, j], color="k", lw=1.2, label="mean")
            ax.scatter(train.x[near, k], train.y[near, j], s=4, color="#D55E00", label="training, near slice")
            ax.set_xlabel(label)
            ax.set_ylabel(LABELS[n])
    axes[0, 0].legend(fontsize=5.5, loc="lower left")
    return fig


def plot_reliability(prob):
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    for j, (ax, n) in enumerate(zip(axes, OUTPUT_NAMES, strict=True)):
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        for m, style in (("ensemble, uncalibrated", "o--"), ("ensemble, calibrated", "o-"), ("Gaussian process", "s:")):
            ax.plot(LEVELS, np.asarray(prob[m]["reliability"])[:, j], style, ms=2.5, label=m)
        ax.set_xlabel("nominal coverage")
        ax.set_ylabel("empirical coverage")
        ax.set_title(LABELS[n])
    axes[0].legend(fontsize=6)
    return fig


def main(args):
    config = load_config(args.config)
    data = load_emulator_data(args.dataset)
    em = Emulator.load(args.model)
    base = json.loads(Path(args.baselines).read_text())
    test = data.test
    pred = em.predict(test.x)
    raw = em.predict(test.x, calibrated=False)
    metrics = {"ensemble": {k: v.tolist() for k, v in point_metrics(pred.mean, test.y).items()}}
    for m in ("mean", "linear", "knn", "rbf", "gp"):
        metrics[m] = {k: v.tolist() for k, v in point_metrics(np.asarray(base[m]["test"]["mean"]), test.y).items()}
    gp_mean, gp_sd = np.asarray(base["gp"]["test"]["mean"]), np.asarray(base["gp"]["test"]["sd"])
    prob = {
        "ensemble, uncalibrated": probabilistic(test.y, raw.mean, raw.total_sd),
        "ensemble, calibrated": probabilistic(test.y, pred.mean, pred.total_sd),
        "Gaussian process": probabilistic(test.y, gp_mean, gp_sd),
    }
    n = len(test.y)
    results = {
        "n_test_rows": n,
        "binomial_se68": float(np.sqrt(0.68 * 0.32 / n)),
        "binomial_se95": float(np.sqrt(0.95 * 0.05 / n)),
        "accuracy": metrics,
        "probabilistic": prob,
        "noise_floor": noise_floor(test, lambda x: em.predict(x).mean),
        "calibration_scale": em.scale.tolist(),
        "reliability_levels": LEVELS.tolist(),
        "baseline_hyper": {
            "knn_k": base["knn"]["info"]["k"],
            "rbf_smoothing": base["rbf"]["info"]["smoothing"],
            "gp_kernels": base["gp"]["info"]["kernels"],
        },  # fmt: skip
    }
    use_style()
    run = Run(__file__, config, inputs=[args.dataset, args.model, args.baselines])
    run.write_json(args.results, results)
    tables = Path(args.tables)
    run.write_text(tables / "accuracy.md", accuracy_table(metrics))
    run.write_text(tables / "uncertainty.md", uncertainty_table(prob))
    dpi = config["figures"]["dpi"]
    run.save_figure(plot_pred(test, pred), args.fig_pred, dpi)
    run.save_figure(plot_residuals(test, pred), args.fig_resid, dpi)
    run.save_figure(plot_slices(em, data.train, config["domain"]), args.fig_slices, dpi)
    run.save_figure(plot_reliability(prob), args.fig_reliability, dpi)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--dataset", required=True, help="campaign dataset (CSV)")
    parser.add_argument("--model", required=True, help="trained emulator")
    parser.add_argument("--baselines", required=True, help="baseline predictions (JSON)")
    parser.add_argument("--results", required=True, help="output metrics (JSON)")
    parser.add_argument("--tables", required=True, help="output folder of generated tables (Markdown)")
    parser.add_argument("--fig-pred", required=True)
    parser.add_argument("--fig-resid", required=True)
    parser.add_argument("--fig-slices", required=True)
    parser.add_argument("--fig-reliability", required=True)
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
