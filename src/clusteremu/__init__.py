"""clusteremu: can a neural-network emulator replace N-body simulations in cluster inference?

The public API, by concept:

- configuration: [`load_config`][], [`Config`][], [`ConfigError`][]
- experimental design: [`make_design`][], [`latin_hypercube`][], [`assign_splits`][], [`Design`][]
- simulator: [`SimulationSettings`][], [`simulate_one`][], [`simulate_batch`][], [`run_campaign`][]
- emulator: [`MLP`][], [`make_ensemble`][], [`train_ensemble`][], [`Emulator`][]
- inference: [`cluster_model`][], [`fit_likelihood`][], [`grid_posterior`][], [`run_nuts`][]
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
    "run_campaign": "campaign",
    "Config": "config",
    "ConfigError": "config",
    "load_config": "config",
    "SPLITS": "design",
    "Design": "design",
    "assign_splits": "design",
    "latin_hypercube": "design",
    "make_design": "design",
    "read_design": "design",
    "split_counts": "config",
    "Emulator": "emulator",
    "cluster_model": "inference",
    "fit_likelihood": "inference",
    "grid_posterior": "inference",
    "run_nuts": "inference",
    "Layout": "layout",
    "ManuscriptError": "manuscript",
    "render": "manuscript",
    "MLP": "mlp",
    "make_ensemble": "mlp",
    "Run": "provenance",
    "atomic_write_bytes": "provenance",
    "load_record": "provenance",
    "record_path": "provenance",
    "sha256_file": "provenance",
    "SimulationSettings": "simulate",
    "simulate_batch": "simulate",
    "simulate_one": "simulate",
    "train_ensemble": "training",
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
