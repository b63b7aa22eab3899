"""clusteremu: can a neural-network emulator replace N-body simulations in cluster inference?

The public API, by concept:

- configuration: [`load_config`][], [`Config`][], [`ConfigError`][]
- experimental design: [`make_design`][], [`latin_hypercube`][], [`assign_splits`][], [`Design`][]
- simulator: [`SimulationSettings`][], [`simulate_one`][], [`simulate_batch`][], [`run_campaign`][]
- emulators: [`fit_emulator`][] ([`Emulator`][], mean ensemble), [`fit_learned`][]
  ([`LearnedEmulator`][], learned noise and selection), [`fit_flow`][] ([`ConditionalFlow`][]),
  [`GPEmulator`][], [`load_model`][]
- inference: [`load_likelihood`][], [`likelihood_family`][], [`cluster_model`][],
  [`grid_posterior`][], [`run_nuts`][], [`calibration_study`][], [`tarp`][], [`assess`][]
- simulator-based reference: [`SyntheticLikelihoods`][], [`ReferenceBank`][]
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
    "AuditReport": "paper.audit",
    "audit_artifacts": "paper.audit",
    "audit_manuscript": "paper.audit",
    "SimulationCache": "simulation.cache",
    "run_campaign": "simulation.campaign",
    "Config": "config",
    "ConfigError": "config",
    "load_config": "config",
    "split_counts": "config",
    "calibration_report": "evaluation.coverage",
    "calibration_study": "evaluation.coverage",
    "tarp": "evaluation.coverage",
    "read_dataset": "datasets.table",
    "SPLITS": "datasets.design",
    "Design": "datasets.design",
    "assign_splits": "datasets.design",
    "latin_hypercube": "datasets.design",
    "make_design": "datasets.design",
    "read_design": "datasets.design",
    "Emulator": "emulators.mean_ensemble",
    "load_emulator_data": "datasets.splits",
    "load_model": "emulators.files",
    "EmulatorSettings": "emulators.mean_fit",
    "EnsembleSettings": "emulators.training",
    "fit_emulator": "emulators.mean_fit",
    "ConditionalFlow": "emulators.flow",
    "FlowLikelihood": "emulators.flow",
    "fit_flow": "emulators.flow_fit",
    "GPEmulator": "emulators.gp",
    "GridPosterior": "inference.gridded",
    "Likelihood": "inference.gaussian",
    "LikelihoodModel": "inference.model",
    "cluster_model": "inference.model",
    "grid_posterior": "inference.grid",
    "LearnedEmulator": "emulators.learned_noise",
    "LearnedSettings": "emulators.learned_noise",
    "fit_learned": "emulators.learned_noise",
    "likelihood_family": "inference.family",
    "load_likelihood": "inference.family",
    "Layout": "repro.paths",
    "ManuscriptError": "paper.appendix",
    "render": "paper.manuscript",
    "MLP": "emulators.mlp",
    "make_ensemble": "emulators.mlp",
    "LIKELIHOOD_NAMES": "inference.registry",
    "LIKELIHOODS": "inference.registry",
    "ParameterBox": "prior",
    "Run": "repro.provenance",
    "atomic_write_bytes": "repro.provenance",
    "load_record": "repro.provenance",
    "record_path": "repro.provenance",
    "sha256_file": "repro.provenance",
    "SyntheticLikelihoods": "evaluation.synthetic_likelihood",
    "ReferenceBank": "evaluation.reference_bank",
    "StepwiseNUTS": "inference.nuts_stepwise",
    "run_stepwise_nuts": "inference.nuts_stepwise",
    "run_nuts": "inference.sampling",
    "SelectionModel": "emulators.selection",
    "SimulationSettings": "simulation.simulate",
    "simulate_batch": "simulation.simulate",
    "simulate_one": "simulation.simulate",
    "start_one_thread": "inference.threads",
    "train_ensemble": "emulators.training",
    "SummaryTransform": "emulators.transforms",
    "assess": "evaluation.trust",
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
