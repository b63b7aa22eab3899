"""Who wrote the manuscript, where its code lives and how this copy was built: `build.*`.

The authors, the repository's location and the archive identifier come from the profile's
`manuscript` section (a value left unset, null, reads as a placeholder naming the key and
the profile file to set it in); the build's profile, commit, tree state and software versions come from
the checkout and the installed packages. The title block quotes the authors; the
reproducibility section and the provenance appendix quote the rest.
"""

from __future__ import annotations

import json
import platform
import re
import tempfile
from importlib import metadata
from pathlib import Path

from ..config_schema import DOI_PATTERN
from ..repro.provenance import git_state
from .text import listing

__all__ = ["SOFTWARE", "build_info", "link", "typst_query"]

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


def typst_query(typ: Path, label: str) -> list:
    """The `value`s of the metadata labelled `<label>` in the Typst file `typ` (JSON-decoded),
    compiled with the project's root at its folder and without system fonts, as the render
    compiles it."""
    import typst

    out = typst.query(str(typ), f"<{label}>", field="value", root=str(typ.parent), ignore_system_fonts=True)
    return json.loads(out)


def typst_compiler() -> str:
    """The version of the Typst compiler that rendered this PDF: the `typst` wheel bundles a
    compiler whose version is not the wheel's (wheel 0.15.2, compiler 0.15.1), and the PDF's
    metadata names the compiler, so the manuscript states both."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "version.typ"
        path.write_text("#metadata(str(sys.version)) <version>\n")
        return typst_query(path, "version")[0]


def _version(name: str) -> str:
    own = metadata.version(name)
    return f"{name} {own} (compiler {typst_compiler()})" if name == "typst" else f"{name} {own}"


def build_info(config) -> dict:
    """The `build` section of the variables, but for the claims (see `collect_variables`)."""
    git = git_state()
    manuscript = config["manuscript"]
    return {
        "authors": listing(manuscript["authors"]),
        "repository": link(manuscript["repository"], "repository", config.profile),
        "archive": link(manuscript["archive"], "archive", config.profile),
        "python": platform.python_version(),
        "versions": ", ".join(_version(name) for name in SOFTWARE),
        "profile": config.profile,
        "commit": (git["commit"] or "no-git")[:12],
        "tree": {True: "uncommitted changes", False: "clean", None: "not a git checkout"}[git["dirty"]],
    }
