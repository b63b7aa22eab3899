"""clusteremu: can a neural-network emulator replace N-body simulations in cluster inference?

The public API, by concept:

- configuration: [`load_config`][], [`Config`][], [`ConfigError`][]
- experimental design: [`make_design`][], [`latin_hypercube`][], [`assign_splits`][], [`Design`][]
- simulator: [`SimulationSettings`][], [`simulate_one`][], [`simulate_batch`][], [`run_campaign`][]
- emulator: [`MLP`][], [`make_ensemble`][], [`train_ensemble`][], [`Emulator`][]
- inference: [`cluster_model`][], [`fit_likelihood`][], [`grid_posterior`][], [`run_nuts`][]
- provenance and audit: [`Run`][], [`audit_manuscript`][], [`audit_artifacts`][]
- manuscript: [`render`][], [`Layout`][]
"""

import jax

# The simulator needs float64 (energy conservation at the 1e-5 level); enable it before
# any array is created by any module of the package.
jax.config.update("jax_enable_x64", True)

from .audit import AuditReport, audit_artifacts, audit_manuscript
from .campaign import run_campaign
from .config import Config, ConfigError, load_config
from .design import SPLITS, Design, assign_splits, latin_hypercube, make_design, read_design, split_counts
from .emulator import Emulator
from .inference import cluster_model, fit_likelihood, grid_posterior, run_nuts
from .layout import Layout
from .manuscript import ManuscriptError, render
from .mlp import MLP, make_ensemble
from .provenance import Run, atomic_write_bytes, load_record, record_path, sha256_file
from .simulate import SimulationSettings, simulate_batch, simulate_one
from .training import train_ensemble

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "Emulator",
    "SimulationSettings",
    "cluster_model",
    "fit_likelihood",
    "grid_posterior",
    "make_ensemble",
    "run_campaign",
    "run_nuts",
    "simulate_batch",
    "simulate_one",
    "train_ensemble",
    "SPLITS",
    "AuditReport",
    "Config",
    "ConfigError",
    "Design",
    "Layout",
    "ManuscriptError",
    "Run",
    "assign_splits",
    "atomic_write_bytes",
    "audit_artifacts",
    "audit_manuscript",
    "latin_hypercube",
    "load_config",
    "load_record",
    "make_design",
    "read_design",
    "record_path",
    "render",
    "sha256_file",
    "split_counts",
]
