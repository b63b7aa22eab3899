"""clusteremu: can a neural-network emulator replace N-body simulations in cluster inference?

The public API, by concept:

- configuration: [`load_config`][], [`Config`][], [`ConfigError`][]
- experimental design: [`make_design`][], [`latin_hypercube`][], [`assign_splits`][], [`Design`][]
- simulator: [`SimulationSettings`][], [`simulate_one`][], [`simulate_batch`][], [`run_campaign`][]
- emulators: [`fit_emulator`][] ([`Emulator`][], mean ensemble), [`fit_learned`][]
  ([`LearnedEmulator`][], learned noise and selection), [`fit_flow`][] ([`FlowLikelihood`][]),
  [`GPEmulator`][], [`load_model`][]
- inference: [`load_likelihood`][], [`likelihood_family`][], [`cluster_model`][],
  [`grid_posterior`][], [`run_nuts`][], [`calibration_study`][], [`tarp`][], [`assess`][]
- simulator-based reference: [`synthetic_posterior`][]
- provenance and audit: [`Run`][], [`audit_manuscript`][], [`audit_artifacts`][]
- manuscript: [`render`][], [`Layout`][]

Names are imported lazily (PEP 562): `import clusteremu` is instant, and a module is
loaded the first time one of its names is used. Scripts import from the submodules
directly, so the build knows exactly which modules each step depends on.
"""

import importlib

__version__ = "0.1.0"

#: Public name -> the submodule that defines it.
_EXPORTS = {
    "AuditReport": "audit",
    "audit_artifacts": "audit",
    "audit_manuscript": "audit",
    "SimulationCache": "simcache",
    "run_campaign": "campaign",
    "Config": "config",
    "ConfigError": "config",
    "load_config": "config",
    "split_counts": "config",
    "calibration_report": "coverage",
    "calibration_study": "coverage",
    "tarp": "coverage",
    "read_dataset": "dataset",
    "SPLITS": "design",
    "Design": "design",
    "assign_splits": "design",
    "latin_hypercube": "design",
    "make_design": "design",
    "read_design": "design",
    "Emulator": "emulator",
    "load_emulator_data": "emulator_data",
    "load_model": "ensemble_io",
    "EmulatorSettings": "fit",
    "EnsembleSettings": "fit",
    "fit_emulator": "fit",
    "FlowLikelihood": "flow",
    "fit_flow": "flow",
    "GPEmulator": "gp",
    "GridPosterior": "inference",
    "Likelihood": "inference",
    "LikelihoodModel": "inference",
    "cluster_model": "inference",
    "grid_posterior": "inference",
    "LearnedEmulator": "learned",
    "LearnedSettings": "learned",
    "fit_learned": "learned",
    "likelihood_family": "likelihoods",
    "load_likelihood": "likelihoods",
    "Layout": "layout",
    "ManuscriptError": "manuscript",
    "render": "manuscript",
    "MLP": "mlp",
    "make_ensemble": "mlp",
    "LIKELIHOOD_NAMES": "names",
    "ParameterBox": "prior",
    "Run": "provenance",
    "atomic_write_bytes": "provenance",
    "load_record": "provenance",
    "record_path": "provenance",
    "sha256_file": "provenance",
    "synthetic_posterior": "reference",
    "StepwiseNUTS": "nuts_stepwise",
    "run_stepwise_nuts": "nuts_stepwise",
    "run_nuts": "sampling",
    "SelectionModel": "selection",
    "SimulationSettings": "simulate",
    "simulate_batch": "simulate",
    "simulate_one": "simulate",
    "start_one_thread": "threads",
    "train_ensemble": "training",
    "SummaryTransform": "transforms",
    "assess": "trust",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
