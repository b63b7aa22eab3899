"""Held-out sets of simulations whose parameters are drawn from the prior.

The selection (coverage), development and confirmation sets differ only in their seed, size
and label: [`simulate_prior_draws`][] draws (Q0, a) uniformly over the profile's domain from
the seed, gives every simulation a seed derived from it, and simulates them through the cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..datasets.design import prior_design
from ..prior import ParameterBox
from .campaign import CampaignResult, simulate_design

__all__ = ["simulate_prior_draws"]


def simulate_prior_draws(
    config: Mapping[str, Any], *, n: int, seed: int, split: str, cache: str | Path
) -> CampaignResult:
    """`n` simulations at parameters drawn from the prior of `config["domain"]` with `seed`,
    labelled `split`, simulated with the profile's `simulation` and `campaign` settings
    through the cache folder `cache`."""
    theta = ParameterBox.from_domain(config["domain"]).draw(n, seed=seed)
    return simulate_design(prior_design(theta, seed=seed, split=split), config, cache)
