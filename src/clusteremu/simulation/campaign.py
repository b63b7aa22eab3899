"""The simulation campaign: every row of a design, through the simulation cache.

Rows whose result is already in the [`SimulationCache`][clusteremu.simulation.cache.SimulationCache]
are read from it; the others become tasks of `campaign.batch_size` simulations
([`SimulationTask`][clusteremu.simulation.worker.SimulationTask]), each compiled in shards of a
fixed per-device shape ([`device_batch_size`][]) and stored in the cache as it finishes.
An executor ([`clusteremu.simulation.executor`][]: this process, or a Dask cluster) runs the
tasks; the dataset is then read from the cache alone, so its bytes do not depend on the
executor, on the order in which tasks finish or on the devices of the workers. An
interrupted campaign therefore resumes where it stopped, a forced rerun simulates nothing,
and a design grown by realizations or points runs only the new rows. The same cache serves
every design (campaign, coverage set, truth set), since a key is (settings, code, seed, Q0,
a), not a row of a particular table.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jax
import numpy as np

from .. import _jaxconfig  # noqa: F401  (float64 and CPU devices before any array)
from ..datasets.design import Design
from ..datasets.splits import usable_points
from ..datasets.table import OUTPUT_NAMES, dataset_to_csv, usable
from .cache import DEVICES_PER_CALL, RESULT_FIELDS, SimulationCache
from .executor import Executor, LocalExecutor, open_executor
from .simulate import SimulationSettings
from .worker import SimulationTask

__all__ = [
    "TASK_SHARDS",
    "CampaignResult",
    "campaign_statistics",
    "compiled_batch_size",
    "device_batch_size",
    "run_campaign",
    "simulate_design",
]

#: Shards (per-device compiled batches) in a task of `campaign.batch_size` simulations. Two:
#: the profiles' batch sizes were tuned on a 2-core machine, which split each batch into two
#: per-device halves, so fixing that split keeps every number the profiles ever produced.
TASK_SHARDS = DEVICES_PER_CALL


def device_batch_size(batch_size: int) -> int:
    """The per-device compiled shape of a task of `batch_size` simulations: `ceil(batch_size / 2)`.

    With the settings and the backend it decides a result's bits; a task is one call
    sharded over two devices, whatever the worker has (see [`clusteremu.simulation.cache`][]).
    """
    return math.ceil(batch_size / TASK_SHARDS)


def compiled_batch_size(batch_size: int) -> int:
    """Simulations in one compiled call on this machine (a task, padded to whole shards)."""
    return device_batch_size(batch_size) * min(TASK_SHARDS, len(jax.devices()))


@dataclass(frozen=True)
class CampaignResult:
    """The dataset's columns, and how many rows were simulated now or read from the cache."""

    columns: dict[str, np.ndarray]
    n_simulated: int
    n_cached: int
    executor: str = field(default="local", compare=False)

    def csv(self) -> str:
        """The dataset as CSV text ([`dataset_to_csv`][clusteremu.datasets.table.dataset_to_csv])."""
        return dataset_to_csv(self.columns)

    @property
    def counts(self) -> dict[str, int | str]:
        """Rows simulated now and read from the cache, and the executor: volatile, for
        provenance records only (how the rows ran never enters the dataset)."""
        return {"n_simulated": self.n_simulated, "n_from_cache": self.n_cached, "executor": self.executor}


def run_campaign(
    design: Design,
    settings: SimulationSettings,
    *,
    cache_root,
    batch_size: int,
    energy_error_max: float,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> CampaignResult:
    """Simulate every row of `design` not yet in the cache, and return the dataset.

    **Arguments:**

    - `design`: the design table (one row per simulation, with its seed).
    - `settings`: the simulation settings shared by every row.
    - `cache_root`: folder of the [`SimulationCache`][clusteremu.simulation.cache.SimulationCache].
    - `batch_size`: simulations per task, compiled in shards of [`device_batch_size`][].
    - `energy_error_max`: rows whose max |E - E0| / |W0| exceeds this are flagged.
    - `progress`: called with the number of rows simulated after each task.
    - `executor`: where the tasks run ([`clusteremu.simulation.executor`][]; default this process).

    **Returns:**

    A [`CampaignResult`][] whose columns are the design's (`point`, `realization`, `q0`,
    `a_au`, `split`, `seed`), the summaries (`f_bound`, `sigma_v_kms`, `r_h_au`, NaN where
    undefined), `n_bound`, `energy_error`, `energy_error_final` and the flags `few_bound`
    and `flag_energy`: the columns of [`clusteremu.datasets.table.COLUMNS`][].
    """
    executor = executor or LocalExecutor()
    cache = SimulationCache(cache_root, settings, device_batch_size(batch_size), backend=executor.backend())
    inputs = list(zip(design.seed.tolist(), design.q0.tolist(), design.a_au.tolist(), strict=True))
    missing = [i for i, row in enumerate(inputs) if cache.get(*row) is None]
    tasks = [
        SimulationTask(
            settings,
            cache.device_batch_size,
            str(cache.root.resolve()),  # workers may run in another folder (a SLURM job)
            cache.context,
            *(tuple(v) for v in zip(*(inputs[i] for i in missing[start : start + batch_size]), strict=True)),
        )
        for start in range(0, len(missing), batch_size)
    ]
    executor.run(tasks, progress or (lambda n: None))
    # Every row from the cache, as the workers left it: the bytes cannot depend on the executor.
    rows = [cache.get(*row) for row in inputs]
    lost = [inputs[i] for i, row in enumerate(rows) if row is None]
    if lost:
        raise RuntimeError(
            f"{len(lost)} simulations ran but are not in the cache {cache.folder} (first: seed, Q0, a = {lost[0]}): "
            "the workers must write to the same cache folder as this process (a shared filesystem)"
        )
    columns = {
        "point": design.point,
        "realization": design.realization,
        "q0": design.q0,
        "a_au": design.a_au,
        "split": design.split,
        "seed": design.seed,
        **{k: np.array([r[k] for r in rows]) for k in RESULT_FIELDS},
    }
    columns["n_bound"] = columns["n_bound"].astype(np.int64)
    columns["few_bound"] = columns["few_bound"].astype(bool)
    columns["flag_energy"] = columns["energy_error"] > energy_error_max
    return CampaignResult(columns, n_simulated=len(missing), n_cached=len(rows) - len(missing), executor=executor.name)


def simulate_design(
    design: Design, config: Mapping, cache_root: str | Path, executor: Executor | None = None
) -> CampaignResult:
    """[`run_campaign`][] with a profile's `simulation` and `campaign` settings, a progress
    bar on stderr, and a closing line saying how many rows ran, how many were cached and
    where they ran. Without `executor`, the environment chooses one
    ([`open_executor`][clusteremu.simulation.executor.open_executor]; `local` by default)."""
    from tqdm import tqdm

    with contextlib.ExitStack() as stack:
        executor = executor or stack.enter_context(open_executor())
        with tqdm(total=design.seed.size, desc="simulations", mininterval=5.0, file=sys.stderr) as bar:
            result = run_campaign(
                design,
                SimulationSettings.from_config(config),
                cache_root=Path(cache_root),
                batch_size=config["campaign"]["batch_size"],
                energy_error_max=config["campaign"]["energy_error_max"],
                progress=bar.update,
                executor=executor,
            )
            bar.update(result.n_cached)
    print(
        f"{result.n_simulated} simulated, {result.n_cached} from the cache {cache_root} ({result.executor} executor)",
        file=sys.stderr,
    )
    return result


def campaign_statistics(columns: Mapping[str, np.ndarray], energy_error_max: float) -> dict:
    """Counts, energy-error quantiles, the bound fraction at both ends of the Q0 range, the
    noise floor (realization scatter) of every summary and its median relative size
    (sd / |mean|) in the lowest and highest quarter of the design's Q0, as quoted in the paper."""
    err = columns["energy_error"]
    ok = usable(columns)
    stats = {
        "n_simulations": int(err.size),
        "n_flag_energy": int(columns["flag_energy"].sum()),
        "n_few_bound": int(columns["few_bound"].sum()),
        "n_usable": int(ok.sum()),
        "energy_error_threshold": energy_error_max,
        "energy_error_median": float(np.median(err)),
        "energy_error_p99": float(np.quantile(err, 0.99)),
        "energy_error_max": float(err.max()),
        "fraction_below_threshold": float(np.mean(err <= energy_error_max)),
        "noise_floor": {},
    }
    q0, lo, hi = columns["q0"], columns["q0"].min(), columns["q0"].max()
    edge = 0.1 * (hi - lo)
    stats["f_bound_median_low_q0"] = float(np.median(columns["f_bound"][q0 <= lo + edge]))
    stats["f_bound_median_high_q0"] = float(np.median(columns["f_bound"][q0 >= hi - edge]))
    few = columns["few_bound"]
    stats["q0_min_few_bound"] = float(q0[few].min()) if few.any() else None
    points = usable_points(columns)
    # The noise relative to the summary's value in the lowest and highest quarter of the
    # design's Q0 values: does the scatter grow as the cluster dissolves?
    qp = points.x[:, 0]
    ends = {"low_q0": qp <= np.quantile(qp, 0.25), "high_q0": qp >= np.quantile(qp, 0.75)}
    relative = points.sd / np.abs(points.mean)
    stats["relative_noise_by_q0"] = {
        name: {end: float(np.median(relative[sel, j])) for end, sel in ends.items()}
        for j, name in enumerate(OUTPUT_NAMES)
    }
    for j, name in enumerate(OUTPUT_NAMES):
        stats["noise_floor"][name] = {
            "median_sigma_sim": float(np.median(points.sd[:, j])),
            "p90_sigma_sim": float(np.quantile(points.sd[:, j], 0.9)),
            "design_spread": float(np.std(columns[name][ok], ddof=1)),
            "n_points": int(points.sd.shape[0]),
        }
    return stats
