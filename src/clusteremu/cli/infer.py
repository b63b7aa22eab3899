"""`clusteremu infer`: the posterior of (Q0, a) for one observed cluster."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..config import load_config
from .checks import _observation
from .loaders import _layout, _likelihood, _likelihood_name


def _cmd_infer(args: argparse.Namespace) -> int:
    import jax

    from ..inference.threads import start_one_thread

    if args.method == "nuts":
        start_one_thread()  # NUTS runs faster on one XLA thread (and nothing else runs here)
    from ..inference.family import MODEL_FILES
    from ..inference.model import grid_posterior
    from ..inference.sampling import diagnostics, nuts_healthy, nuts_settings, run_nuts
    from ..paper.labels import LIKELIHOOD_NAMES
    from ..prior import PARAMETERS
    from ..repro.provenance import atomic_write_bytes

    obs, obs_sd = _observation(args)
    layout = _layout(args)
    data = Path(args.data) if args.data else layout.data
    name = _likelihood_name(args, data, measured=obs_sd is not None)
    like = _likelihood(args, name, {role: data / f for role, f in MODEL_FILES.items()}, obs_sd)
    inf = load_config(layout.config, sections=("inference",))["inference"]
    chosen = "recommended: " if args.likelihood == "recommended" else ""
    print(
        f"posterior of (Q0, a) for f_bound = {args.f_bound:g}, sigma_v = {args.sigma_v:g} km/s, "
        f"r_h = {args.r_h:g} AU  [{chosen}{LIKELIHOOD_NAMES[name]} likelihood, {args.method}, {data}]"
    )
    if args.method == "grid":  # exact to the grid's resolution, and the fastest for two parameters
        grid = grid_posterior(like, obs[None], n_grid=inf["grid_points"])
        draws = grid.draw(0, inf["nuts_chains"] * inf["nuts_samples"], seed=args.seed)[None]
        result, healthy = None, True
    else:
        result = run_nuts(like, obs, key=jax.random.key(args.seed), **nuts_settings(inf))
        draws = result.draws
    print(f"{'':6s} {'mean':>10s} {'sd':>10s} {'5%':>10s} {'50%':>10s} {'95%':>10s}")
    for j, p in enumerate(PARAMETERS):
        x = draws[..., j].ravel()
        q = np.quantile(x, [0.05, 0.5, 0.95])
        print(f"{p:6s} {x.mean():10.4g} {x.std(ddof=1):10.3g} {q[0]:10.4g} {q[1]:10.4g} {q[2]:10.4g}")
    if result is not None:
        diag = diagnostics(result)
        row = {"divergences": int(result.diverging.sum()), **diag}
        healthy = nuts_healthy(row)
        for p in PARAMETERS:
            d = diag[p]
            print(f"{p:6s} r_hat {d['r_hat']:.4f}  ess_bulk {d['ess_bulk']:.0f}  ess_tail {d['ess_tail']:.0f}")
        print(
            f"divergences: {row['divergences']}; draws per chain: {result.draws.shape[1]} "
            f"({result.extensions} continuations of {inf['nuts_samples']})"
        )
    print("diagnostics: " + ("ok" if healthy else "WARNING: R-hat >= 1.01, an ESS <= 400 or divergences"))
    if args.out:
        import tempfile

        import arviz as az

        idata = (
            result.to_inference_data()
            if result is not None
            else az.from_dict(posterior={p: draws[..., j] for j, p in enumerate(PARAMETERS)})
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "posterior.nc"
            idata.to_netcdf(str(path))
            atomic_write_bytes(args.out, path.read_bytes())
        print(f"wrote {args.out}")
    return 0
