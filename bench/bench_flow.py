"""What the fused flow kernel gives: NUTS with the recommended likelihood, flowjax against `flow_kernel`.

Prints, measured in one run: the wall time of one NUTS posterior of the flow × P(usable)
likelihood (the profile's chains, warm-up and draws) with the flow's density evaluated by
flowjax's own `log_prob` and by `clusteremu.emulators.flow_kernel`, the two sampled in turn on the
same observations of the validation split, with the same keys; their median (min - max)
and the ratio per observation. The two densities agree to rounding (tests/test_flow_kernel.py).

Usage: python bench/bench_flow.py [--profile paper] [--repeats 9]
"""

import argparse

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from timing import median_range, timed

from clusteremu.config import load_config
from clusteremu.datasets.splits import load_emulator_data
from clusteremu.inference.family import MODEL_FILES, FlowLikelihoodModel, load_likelihood
from clusteremu.inference.model import Selected
from clusteremu.inference.sampling import nuts_settings, run_nuts


@eqx.filter_jit
def flowjax_log_prob(flow, y, theta):
    """log p(y | theta) of a `ConditionalFlow`, through flowjax's `log_prob`."""
    u = (flow.transform.forward(y) - flow.z_mean) / flow.z_std
    c = (theta - flow.theta_mean) / flow.theta_std
    log_pz = flow.flow.log_prob(u, condition=c) - jnp.sum(jnp.log(flow.z_std))
    return log_pz + flow.transform.log_abs_det_jacobian(y)


class FlowjaxLikelihood(FlowLikelihoodModel):
    """The flow likelihood with flowjax evaluating the density."""

    def log_prob(self, obs, prepared):
        return jax.lax.map(lambda y: flowjax_log_prob(self.flow, y, prepared), jnp.asarray(obs, float))


def main(args):
    inf = load_config(f"analysis/config/{args.profile}.yaml", sections=("inference",))["inference"]
    files = {role: f"data/{args.profile}/{name}" for role, name in MODEL_FILES.items()}
    kernel = load_likelihood("flow+selection", files)
    variants = {"flowjax": Selected(FlowjaxLikelihood(kernel.inner.flow), kernel.selection), "flow_kernel": kernel}
    obs = load_emulator_data(f"data/{args.profile}/campaign.csv").validation.y
    kw = nuts_settings(inf)
    keys = jax.random.split(jax.random.key(1), args.repeats + 1)
    for like in variants.values():
        run_nuts(like, obs[0], key=keys[0], **kw)  # compile
    times = {name: [] for name in variants}
    for i in range(1, args.repeats + 1):
        for name, like in variants.items():
            times[name].append(timed(lambda like=like, i=i: run_nuts(like, obs[i], key=keys[i], **kw).draws))
    print(
        f"NUTS posterior, flow × P(usable) ({kw['chains']} chains x {kw['warmup']} + {kw['samples']}), "
        f"{args.repeats} observations sampled in turn by both, median (min - max):"
    )
    for name, t in times.items():
        print(f"  {name:12s} {median_range(t)} s")
    ratio = np.array(times["flowjax"]) / np.array(times["flow_kernel"])
    print(f"  speed-up of flow_kernel, per observation: {median_range(ratio)}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--repeats", type=int, default=9, help="observations sampled after the compiling one")
    main(parser.parse_args())
