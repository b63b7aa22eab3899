"""What the command line prints and writes: strict JSON, and a posterior that says what it is."""

from __future__ import annotations

import json
import math
import numbers
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["finite_or_none", "strict_json", "write_posterior"]


def finite_or_none(value: Any) -> Any:
    """`value` with every non-finite float (NaN, +-inf) replaced by None, recursively."""
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(v) for v in value]
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return float(value) if math.isfinite(value) else None
    return value


def strict_json(result: dict[str, Any]) -> str:
    """`result` as standard JSON: undefined numbers are `null`, never `NaN` or `Infinity`."""
    return json.dumps(finite_or_none(result), indent=2, allow_nan=False)


def write_posterior(path: Path, posterior: dict, sample_stats: dict | None, record: dict) -> dict:
    """Write the draws as ArviZ InferenceData (netCDF) with `observed_data` and `record` as attributes.

    `posterior`: draws by parameter, shape `(chains, draws)`. `record`: what the posterior
    is (observation, measurement sds, likelihood, method, profile, model files' hashes,
    commit); written as attributes of the root, posterior and observed-data groups, lists
    as arrays, None as the string "none" (netCDF has no null). Returns the attributes.
    """
    import arviz as az
    import numpy as np

    from ..repro.provenance import atomic_write_bytes

    attrs = {k: _attr(v) for k, v in record.items()}
    observed = {k: np.asarray([v], float) for k, v in record["observed"].items()}
    idata = az.from_dict(posterior=posterior, sample_stats=sample_stats, observed_data=observed, attrs=attrs)
    for group in ("posterior", "observed_data"):
        idata[group].attrs.update(attrs)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "posterior.nc"
        idata.to_netcdf(str(scratch))
        atomic_write_bytes(path, scratch.read_bytes())
    return attrs


def _attr(value: Any) -> Any:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict):
        return json.dumps(finite_or_none(value), sort_keys=True)
    return value
