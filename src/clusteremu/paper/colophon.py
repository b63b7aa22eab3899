"""Who wrote the manuscript, where its code lives and how this copy was built: `build.*`.

The authors, the repository's location and the archive identifier come from the profile's
`manuscript` section (a value left unset, null, reads as a placeholder naming the key and
the profile file to set it in); the build's profile, commit, tree state and software versions come from
the checkout and the installed packages. The title block quotes the authors; the
reproducibility section and the provenance appendix quote the rest.
"""

from __future__ import annotations

import platform
import re
from importlib import metadata

from ..config_schema import DOI_PATTERN
from ..repro.provenance import git_state
from .text import listing

__all__ = ["SOFTWARE", "build_info", "link"]

#: The packages whose versions the manuscript states (exact pins in requirements.lock).
SOFTWARE = (
    "jax",
    "equinox",
    "optax",
    "numpyro",
    "flowjax",
    "arviz",
    "numpy",
    "scipy",
    "scikit-learn",
    "rebound",
    "matplotlib",
    "typst",
)


def link(value: str | None, key: str, profile: str) -> str:
    """A repository URL or archive identifier as a Markdown link (a DOI links to doi.org),
    or, when unset, a placeholder naming the key and the file that set it."""
    if value is None:
        return f"not set (`manuscript.{key}` in `analysis/config/{profile}.yaml`)"
    return f"[{value}](https://doi.org/{value})" if re.fullmatch(DOI_PATTERN, value) else f"<{value}>"


def build_info(config) -> dict:
    """The `build` section of the variables, but for the claims (see `collect_variables`)."""
    git = git_state()
    manuscript = config["manuscript"]
    return {
        "authors": listing(manuscript["authors"]),
        "repository": link(manuscript["repository"], "repository", config.profile),
        "archive": link(manuscript["archive"], "archive", config.profile),
        "python": platform.python_version(),
        "versions": ", ".join(f"{name} {metadata.version(name)}" for name in SOFTWARE),
        "profile": config.profile,
        "commit": (git["commit"] or "no-git")[:12],
        "tree": {True: "uncommitted changes", False: "clean", None: "not a git checkout"}[git["dirty"]],
    }
