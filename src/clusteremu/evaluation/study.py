"""The likelihood comparison: every likelihood's posteriors against the truth, and the one to recommend.

[`compare_likelihoods`][] is the study of `analysis/08_inference.py`. For every likelihood
of the family: exact grid posteriors of every coverage observation and their
[`calibration_report`][clusteremu.evaluation.coverage.calibration_report]; the same
calibration on the campaign's test split (a secondary check); the recommendation
([`recommend`][clusteremu.evaluation.coverage.recommend]: the likelihood passing most
calibration checks); NUTS on a fixed subset of observations (all of it for the
recommended likelihood, its first few for the others) against the grid; and the
recommended study repeated once with observations perturbed by the stated measurement
noise and that noise in the likelihood.

Its result, [`LikelihoodComparison`][clusteremu.evaluation.reports.LikelihoodComparison], is a
typed record with a schema version; every reader (figures, tables, the manuscript's
variables, the command line) loads it with its `load`, without importing this module.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jax
import numpy as np

from ..datasets.measurement import perturbed
from ..datasets.splits import SplitData
from ..datasets.table import OUTPUT_NAMES
from ..inference.grid import GridPosterior, grid_posterior, grid_posteriors
from ..inference.model import LikelihoodModel
from ..inference.sampling import nuts_settings, run_nuts, sampler_check
from ..inference.threads import concurrent_runs
from ..prior import ParameterBox
from .coverage import LEVELS, calibration_report, calibration_study, recommend, representative_cases
from .reports import LikelihoodComparison, MeasurementStudy, NutsCheck, from_jsonable

__all__ = ["compare_likelihoods"]


def _nuts_rows(like, obs, grid: GridPosterior, indices, sampler, keys) -> tuple[list[NutsCheck], list[float]]:
    """NUTS on `obs[indices]` against the grid, [`concurrent_runs`][] posteriors at a time.

    Each run is its own call of the compiled sampler with its own key, so the rows do not
    depend on how many run at once; the times are each run's wall time, while others run.
    """
    # Compile (and trace) here, outside the timings and in this thread: NumPyro's handler
    # stack is global to the process, so no two threads may trace the model at once.
    run_nuts(like, obs[indices[0]], key=keys[-1], **sampler)

    def check(k: int, i: int) -> tuple[NutsCheck, float]:
        row, _, seconds = sampler_check(like, obs[i], grid, i, key=keys[k], **sampler)
        return from_jsonable(NutsCheck, row), round(seconds, 3)

    with ThreadPoolExecutor(concurrent_runs()) as pool:
        rows, seconds = zip(*pool.map(check, range(len(indices)), indices), strict=True)
    return list(rows), list(seconds)


def compare_likelihoods(
    family: Mapping[str, LikelihoodModel],
    measured: Mapping[str, LikelihoodModel],
    coverage: SplitData,
    test: SplitData,
    box: ParameterBox,
    settings: Mapping[str, Any],
    *,
    n_coverage_total: int,
) -> tuple[LikelihoodComparison, dict[str, np.ndarray], dict[str, Any]]:
    """Run the likelihood comparison.

    **Arguments:**

    - `family`: the likelihoods compared, by name, in table order; `measured`: those that
      model measurement errors, built with the profile's measurement sds.
    - `coverage`, `test`: held-out observations (`.y`, physical summaries) and their true
      parameters (`.x`, Q0 and a in AU): the coverage set and the campaign's test split.
    - `box`: the prior box; `settings`: the profile's `inference` section.
    - `n_coverage_total`: coverage simulations before excluding unusable ones.

    **Returns:**

    `(result, draws, timings)`: the likelihood comparison; the grid and NUTS draws of the
    representative posteriors of the recommended likelihood (for the corner figures); and
    the wall times (s) of every grid and NUTS run (volatile: for the provenance record only).
    """
    cfg, obs, truth = settings, coverage.y, coverage.x
    sampler = nuts_settings(cfg)
    n_check = min(cfg["n_nuts_check"], len(obs))
    check = np.sort(np.random.default_rng(cfg["seed"]).choice(len(obs), size=n_check, replace=False))
    nuts, t0 = {}, time.perf_counter()
    grids = grid_posteriors(family, obs, n_grid=cfg["grid_points"])
    timings = {"grid_seconds_family": round(time.perf_counter() - t0, 3)}
    reports = {name: calibration_report(g, truth, box, seed=cfg["seed"]) for name, g in grids.items()}
    test_grids = grid_posteriors(family, test.y, n_grid=cfg["grid_points"])
    test_reports = {name: calibration_study(g, test.x, box) for name, g in test_grids.items()}
    best = recommend(reports)
    # NUTS is the slow part (the GP and the flow cost milliseconds per gradient): every
    # likelihood gets a few runs for its health and cost, the recommended one the full check.
    for n, (name, like) in enumerate(family.items()):
        indices = check if name == best else check[: cfg["n_nuts_other"]]
        if not len(indices):  # n_nuts_other: 0, a profile that checks only the recommended likelihood
            continue
        keys = jax.random.split(jax.random.fold_in(jax.random.key(cfg["seed"]), n), len(indices) + 1)
        nuts[name], timings[f"nuts_seconds_{name}"] = _nuts_rows(like, obs, grids[name], indices, sampler, keys)
    cases = representative_cases(truth, grids[best], box)
    draws = {"q0_grid": grids[best].q0, "a_au_grid": grids[best].a_au}
    keys = jax.random.split(jax.random.key(cfg["seed"] + 1), len(cases))
    for k, (case, i) in enumerate(cases.items()):
        _, samples, _ = sampler_check(family[best], obs[i], grids[best], i, key=keys[k], **sampler)
        draws |= {f"{case}_draws": samples, f"{case}_grid_density": grids[best].density[i], f"{case}_truth": truth[i]}
    obs_sd = np.array([cfg["measurement_sd"][k] for k in OUTPUT_NAMES])
    best_measured = best if best in measured else recommend({k: reports[k] for k in measured})
    noisy = perturbed(obs, obs_sd, cfg["seed"])
    measured_grid = grid_posterior(measured[best_measured], noisy, n_grid=cfg["grid_points"])
    result = LikelihoodComparison(
        n_coverage_total=n_coverage_total,
        n_coverage_used=int(len(obs)),
        n_excluded=n_coverage_total - int(len(obs)),
        n_test_used=int(len(test.y)),
        levels=LEVELS.tolist(),
        likelihoods=list(family),
        recommended=best,
        coverage_set=reports,
        test_split=test_reports,
        nuts=nuts,
        nuts_check_indices=check.tolist(),
        cases=cases,
        measurement=MeasurementStudy(
            best_measured, obs_sd.tolist(), calibration_report(measured_grid, truth, box, seed=cfg["seed"])
        ),
    )
    return result, draws, timings
