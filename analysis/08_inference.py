"""Inference with the emulator: example posteriors, the sampler check and the coverage study.

Reads:  the profile config (`--config`), the campaign dataset (`--dataset`, validation
        split: likelihood widths; test split: secondary coverage check), the coverage set
        (`--coverage-sims`) and the trained emulator (`--model`).
Writes: all numbers (`--results`, JSON), the coverage table (`--table`, Markdown), the
        expected-coverage curves (`--fig-coverage`), SBC rank (PIT) histograms
        (`--fig-sbc`) and corner plots of three representative posteriors (`--fig-corner`,
        one file per case, in order: typical, near an edge, on a ridge).

Every posterior is computed exactly on a grid over the prior box; NUTS is run for the
representative cases and a fixed subset, and compared with the grid.
"""

import argparse
import sys
import time

import arviz as az
import corner
import jax
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from clusteremu.campaign import read_dataset, usable
from clusteremu.config import ConfigError, load_config
from clusteremu.emulator import Emulator
from clusteremu.emulator_data import INPUTS, OUTPUT_NAMES, load_emulator_data
from clusteremu.inference import VARIANTS, fit_likelihood, grid_posterior, run_nuts
from clusteremu.plotting import use_style
from clusteremu.provenance import Run

LEVELS = np.round(np.arange(0.05, 0.96, 0.05), 2)
PARAMS = ("q0", "a_au")
LABELS = {"q0": r"$Q_0$", "a_au": r"$a$ [AU]"}
VARIANT_NAMES = {"constant": "constant diagonal", "input": "input-dependent", "fullcov": "full covariance"}


def study(grid, truth, domain):
    """Coverage, SBC and contraction of grid posteriors against the true parameters."""
    mom = grid.moments()
    prior_sd = {"q0": (domain["q0_max"] - domain["q0_min"]) / np.sqrt(12),
                "a_au": (domain["a_max_au"] - domain["a_min_au"]) / np.sqrt(12)}  # fmt: skip
    out = {}
    for j, p in enumerate(PARAMS):
        pit = grid.cdf(p, truth[:, j])
        counts, _ = np.histogram(pit, bins=10, range=(0, 1))
        out[p] = {
            "coverage": [float(np.mean(np.abs(pit - 0.5) <= lv / 2)) for lv in LEVELS],
            "pit": pit.tolist(),
            "sbc_chi2_p": float(stats.chisquare(counts).pvalue),
            "contraction_median": float(np.median(prior_sd[p] / mom[f"{p}_sd"])),
            "z_bias_mean": float(np.mean((mom[f"{p}_mean"] - truth[:, j]) / mom[f"{p}_sd"])),
            "z_bias_sd": float(np.std((mom[f"{p}_mean"] - truth[:, j]) / mom[f"{p}_sd"], ddof=1)),
        }
        out[p]["coverage68"] = float(np.mean(np.abs(pit - 0.5) <= 0.34))
        out[p]["coverage95"] = float(np.mean(np.abs(pit - 0.5) <= 0.475))
    return out


def grid_correlation(grid):
    q, a = np.meshgrid(grid.q0, grid.a_au, indexing="ij")
    w = grid.density / grid.density.sum(axis=(1, 2), keepdims=True)
    mq, ma = (w * q).sum((1, 2)), (w * a).sum((1, 2))
    cov = (w * (q - mq[:, None, None]) * (a - ma[:, None, None])).sum((1, 2))
    sq = np.sqrt((w * (q - mq[:, None, None]) ** 2).sum((1, 2)))
    sa = np.sqrt((w * (a - ma[:, None, None]) ** 2).sum((1, 2)))
    return cov / (sq * sa)


def representative(truth, grid, domain):
    lo = np.array([domain["q0_min"], domain["a_min_au"]])
    hi = np.array([domain["q0_max"], domain["a_max_au"]])
    u = (truth - lo) / (hi - lo)
    typical = int(np.argmin(np.sum((u - 0.5) ** 2, axis=1)))
    edge = int(np.argmin(np.minimum(u, 1 - u).min(axis=1)))
    corr = np.abs(grid_correlation(grid))
    corr[[typical, edge]] = -1
    return {"typical": typical, "edge": edge, "ridge": int(np.argmax(corr))}


def nuts_check(like, obs, grid, index, cfg, key):
    """Sample one posterior with NUTS; diagnostics and agreement with the grid."""
    t0 = time.perf_counter()
    mcmc = run_nuts(like, obs, key=key, chains=cfg["nuts_chains"], warmup=cfg["nuts_warmup"],
                    samples=cfg["nuts_samples"])  # fmt: skip
    seconds = time.perf_counter() - t0
    idata = az.from_numpyro(mcmc)
    summ = az.summary(idata, var_names=list(PARAMS), kind="diagnostics")
    samples = mcmc.get_samples()
    mom = grid.moments()
    row = {"index": index, "divergences": int(mcmc.get_extra_fields()["diverging"].sum())}
    for p in PARAMS:
        s = np.asarray(samples[p])
        gq = grid.quantile(p, [0.05, 0.95])[index]
        row[p] = {
            "r_hat": float(summ.loc[p, "r_hat"]),
            "ess_bulk": float(summ.loc[p, "ess_bulk"]),
            "ess_tail": float(summ.loc[p, "ess_tail"]),
            "nuts_mean": float(s.mean()),
            "nuts_sd": float(s.std(ddof=1)),
            "grid_mean": float(mom[f"{p}_mean"][index]),
            "grid_sd": float(mom[f"{p}_sd"][index]),
            "nuts_q05_q95": np.quantile(s, [0.05, 0.95]).tolist(),
            "grid_q05_q95": gq.tolist(),
        }
    return row, np.column_stack([np.asarray(samples[p]) for p in PARAMS]), seconds


def plot_coverage(results, n):
    fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.0))
    band = 2 * np.sqrt(LEVELS * (1 - LEVELS) / n)
    for ax, p in zip(axes, PARAMS, strict=True):
        ax.fill_between(LEVELS, LEVELS - band, LEVELS + band, color="0.85", label="±2 binomial s.e.")
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        for v in VARIANTS:
            ax.plot(LEVELS, results[v][p]["coverage"], "o-", ms=2.5, label=VARIANT_NAMES[v])
        ax.set_xlabel("nominal credibility")
        ax.set_ylabel("empirical coverage")
        ax.set_title(LABELS[p])
    axes[0].legend(fontsize=6.5)
    return fig


def plot_sbc(results, n):
    fig, axes = plt.subplots(len(VARIANTS), 2, figsize=(6.0, 5.2), sharex=True)
    lo, hi = stats.binom.ppf([0.005, 0.995], n, 0.1)
    for i, v in enumerate(VARIANTS):
        for j, p in enumerate(PARAMS):
            ax = axes[i, j]
            ax.axhspan(lo, hi, color="0.88")
            ax.hist(results[v][p]["pit"], bins=10, range=(0, 1), color="#0072B2")
            ax.set_title(f"{VARIANT_NAMES[v]}: {LABELS[p]} (p = {results[v][p]['sbc_chi2_p']:.2f})", fontsize=7.5)
            if i == len(VARIANTS) - 1:
                ax.set_xlabel("posterior CDF at the true value")
    return fig


def plot_corner(samples, truth, grid, index):
    fig = corner.corner(samples, labels=[LABELS[p] for p in PARAMS], truths=truth, truth_color="#D55E00",
                        quantiles=[0.05, 0.5, 0.95], show_titles=True, title_fmt=".3g")  # fmt: skip
    fig.set_size_inches(4.2, 4.2)
    ax = fig.axes[2]
    ax.contour(grid.q0, grid.a_au, grid.density[index].T, levels=4, colors="#009E73", linewidths=0.8)
    return fig


def main(args):
    config = load_config(args.config)
    cfg = config["inference"]
    em = Emulator.load(args.model)
    data = load_emulator_data(args.dataset)
    cov = read_dataset(args.coverage_sims)
    ok = usable(cov)
    obs = np.column_stack([cov[c][ok] for c in OUTPUT_NAMES])
    truth = np.column_stack([cov[c][ok] for c in INPUTS])
    domain = dict(config["domain"])
    # Wall times are volatile: they go to the record, so the JSON is byte-reproducible.
    results, test_results, likes, grids, widths, timings = {}, {}, {}, {}, {}, {}
    for v in VARIANTS:
        likes[v] = fit_likelihood(em, data.validation.x, data.validation.y, v)
        t0 = time.perf_counter()
        grids[v] = grid_posterior(likes[v], obs, n_grid=cfg["grid_points"])
        results[v] = study(grids[v], truth, domain)
        timings[f"grid_seconds_{v}"] = round(time.perf_counter() - t0, 3)
        test_results[v] = study(grid_posterior(likes[v], data.test.y, n_grid=cfg["grid_points"]), data.test.x, domain)
        widths[v] = {"sigma": likes[v].sigma.tolist(), "cov": likes[v].cov.tolist()}
    resid = data.validation.y - em.predict(data.validation.x).mean
    corr = np.corrcoef(resid, rowvar=False)
    cases = representative(truth, grids["input"], domain)
    rng = np.random.default_rng(cfg["seed"])
    check = [int(i) for i in rng.choice(len(obs), size=min(cfg["n_nuts_check"], len(obs)), replace=False)]
    keys = jax.random.split(jax.random.key(cfg["seed"]), len(cases) + len(check) + 1)
    run_nuts(likes["input"], obs[0], key=keys[-1], chains=cfg["nuts_chains"], warmup=cfg["nuts_warmup"],
             samples=cfg["nuts_samples"])  # compile once, outside the timings  # fmt: skip
    nuts_rows, corner_figs, nuts_seconds = [], [], []
    use_style()
    for k, (name, i) in enumerate(cases.items()):
        row, samples, seconds = nuts_check(likes["input"], obs[i], grids["input"], i, cfg, keys[k])
        nuts_rows.append(row | {"case": name, "truth": truth[i].tolist(), "obs": obs[i].tolist()})
        nuts_seconds.append(seconds)
        corner_figs.append(plot_corner(samples, truth[i], grids["input"], i))
    for k, i in enumerate(check):
        row, _, seconds = nuts_check(likes["input"], obs[i], grids["input"], i, cfg, keys[len(cases) + k])
        nuts_rows.append(row | {"case": "check"})
        nuts_seconds.append(seconds)
    out = {
        "n_coverage_total": int(len(ok)),
        "n_coverage_used": int(ok.sum()),
        "n_excluded": int((~ok).sum()),
        "n_test_used": int(len(data.test.y)),
        "levels": LEVELS.tolist(),
        "coverage_set": results,
        "test_split": test_results,
        "widths": widths,
        "validation_residual_correlation": corr.tolist(),
        "nuts": nuts_rows,
        "cases": cases,
    }
    run = Run(__file__, config, inputs=[args.dataset, args.coverage_sims, args.model], seeds={"inference": cfg["seed"]})
    timings["nuts_seconds"] = [round(t, 3) for t in nuts_seconds]
    run.write_json(args.results, out, extra=timings)
    run.write_text(args.table, coverage_table(results, test_results))
    dpi = config["figures"]["dpi"]
    run.save_figure(plot_coverage(results, int(ok.sum())), args.fig_coverage, dpi)
    run.save_figure(plot_sbc(results, int(ok.sum())), args.fig_sbc, dpi)
    for fig, path in zip(corner_figs, args.fig_corner, strict=True):
        run.save_figure(fig, path, dpi)


def coverage_table(results, test_results):
    rows = ["| Likelihood width | Parameter | 68% (prior draws) | 95% (prior draws) | 68% (test split) "
            "| 95% (test split) | SBC $p$ | median contraction | mean $z$ bias |"]  # fmt: skip
    rows.append("|:--|:--|" + "--:|" * 7)
    for v in VARIANTS:
        for p in PARAMS:
            r, t = results[v][p], test_results[v][p]
            rows.append(f"| {VARIANT_NAMES[v]} | {LABELS[p].split(' [')[0]} | {r['coverage68']:.2f} | "
                        f"{r['coverage95']:.2f} | {t['coverage68']:.2f} | {t['coverage95']:.2f} | "
                        f"{r['sbc_chi2_p']:.2f} | {r['contraction_median']:.1f} | "
                        f"{r['z_bias_mean']:+.2f} |")  # fmt: skip
    cap = (": Empirical coverage of central credible intervals for the held-out simulations drawn from the "
           "prior and for the test split, with the SBC uniformity test, contraction (prior sd / posterior sd) "
           "and standardized bias, for each likelihood width. {#tbl-coverage}")  # fmt: skip
    return "\n".join(rows) + "\n\n" + cap + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="profile YAML")
    parser.add_argument("--dataset", required=True, help="campaign dataset (CSV)")
    parser.add_argument("--coverage-sims", required=True, help="coverage dataset from 07_coverage_sims.py")
    parser.add_argument("--model", required=True, help="trained emulator")
    parser.add_argument("--results", required=True, help="output numbers (JSON)")
    parser.add_argument("--table", required=True, help="output coverage table (Markdown)")
    parser.add_argument("--fig-coverage", required=True)
    parser.add_argument("--fig-sbc", required=True)
    parser.add_argument("--fig-corner", required=True, nargs=3, help="typical, edge and ridge corner plots")
    try:
        main(parser.parse_args())
    except ConfigError as exc:
        sys.exit(f"error: {exc}")
