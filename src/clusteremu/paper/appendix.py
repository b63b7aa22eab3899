"""The generated parts of the manuscript's provenance appendix, and the figures' caption tags.

- [`provenance_table`][]: per figure, table and the numbers of the text, the script and
  commit that made it, the scripts that made the data it was read from with the first
  characters of those files' SHA-256 (each from the input's own provenance record), its
  inputs digest and its file (`make FILE PROFILE=...` rebuilds it);
- [`claims_table`][]: every claim the build checks (`build.claims.items` of the
  variables), with the words it guards, the section they are in and whether it holds;
- [`figure_tag`][]: the tag ending each caption.

Scripts are named by their path under `analysis/` without `.py` (`03_simulate`,
`figures/truth`), digests by their first [`DIGEST_CHARS`][] hexadecimal characters: the
table must stay legible at print size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..repro.provenance import load_record, record_path, relpath, sha256_bytes
from .text import word

__all__ = [
    "DIGEST_CHARS",
    "ManuscriptError",
    "claims_table",
    "figure_tag",
    "input_digest",
    "producers",
    "provenance_table",
    "short_script",
]

#: Hexadecimal characters of a SHA-256 that the captions and the appendix print.
DIGEST_CHARS = 8
_SCRIPTS = "analysis/"
# A heading with a section label, e.g. "## Coverage {#sec-coverage}".
_SECTION = re.compile(r"^#+ [^\n]*\{#(sec-[\w-]+)[^}\n]*\}", re.M)


class ManuscriptError(RuntimeError):
    """The manuscript cannot be rendered: missing variable or figure, or a renderer error."""


def input_digest(record: Mapping[str, Any]) -> str:
    """One hash over the config and every input an artifact was made from."""
    sections = record["config"]["sections"] if record.get("config") else {}
    parts = [f"config.{name}={digest}" for name, digest in sorted(sections.items())]
    parts += [f"{i['path']}={i['sha256']}" for i in record["inputs"]]
    return sha256_bytes("\n".join(parts).encode())


def _short_commit(record: Mapping[str, Any]) -> str:
    return (record["git"]["commit"] or "no-git")[:7] + ("+dirty" if record["git"]["dirty"] else "")


def figure_tag(record: Mapping[str, Any]) -> str:
    """The short provenance tag ending a figure caption: script @ commit, input hash."""
    script = Path(record["script"]["path"]).name
    return f"[{script} @ {_short_commit(record)}, inputs {input_digest(record)[:DIGEST_CHARS]}]"


def short_script(path: str) -> str:
    """`analysis/03_simulate.py` -> `03_simulate`, `analysis/figures/truth.py` -> `figures/truth`."""
    return path.removeprefix(_SCRIPTS).removesuffix(".py")


def producers(record: Mapping[str, Any], root: Path) -> str:
    """The scripts that made the files `record`'s artifact was read from, each with the
    short digests of those files (in the order of the inputs); an input without a record of
    its own (a file kept by hand, such as the lock file) is named by itself."""
    digests: dict[str, list[str]] = {}
    for inp in record["inputs"]:
        path = root / inp["path"]
        name = short_script(load_record(path)["script"]["path"]) if record_path(path).exists() else path.name
        digests.setdefault(name, []).append(inp["sha256"][:DIGEST_CHARS])
    return ", ".join(f"`{name}` {' '.join(d)}" for name, d in sorted(digests.items())) or "none"


def _provenance_row(label: str, artifact: Path, root: Path) -> str:
    rec = load_record(artifact)
    script = f"`{short_script(rec['script']['path'])}` @ {_short_commit(rec)}"
    digest = input_digest(rec)[:DIGEST_CHARS]
    return f"| {label} | {script} | {producers(rec, root)} | {digest} | `{relpath(artifact, root)}` |"


def provenance_table(items: Iterable[tuple[str, Path]], root: Path, profile: str) -> str:
    """The appendix table: one row per `(label, artifact)`, with its caption `tbl-provenance`."""
    # Relative column widths (pandoc reads them from the dashes of a wide pipe table).
    rows = [
        "| Item | Made by (script @ commit) | From data made by (script: digests) | Inputs digest | File |",
        "|:--|:------|:-------|:--|:------|",
    ]
    rows += [_provenance_row(label, artifact, root) for label, artifact in items]
    caption = (
        ": Where every figure, table and number of this document comes from. Scripts are named by their path "
        "under `analysis/` without `.py`. The data column names the scripts that made the files the item's "
        f"script read, each with the first {word(DIGEST_CHARS)} characters of the SHA-256 of those files. The "
        "inputs digest (it ends each caption) is a SHA-256 hash over the hashes of the configuration sections and "
        f"the input files the script read; `make audit` checks every one of these hashes against the files. "
        f"`make FILE PROFILE={profile}` rebuilds an item. {{#tbl-provenance}}"
    )
    return "\n".join(rows) + "\n\n" + caption + "\n"


def claims_table(items: Mapping[str, Mapping[str, str]], qmd: str) -> str:
    """The table of every checked claim, in the order of the text, with caption `tbl-claims`.

    `items` is `build.claims.items` of the variables: by identifier, the words the claim
    guards (`text`) and whether it holds (`holds`, "yes" or "no"). `qmd` is the manuscript's
    source, where each claim's words are found (whitespace may differ) with their section.
    """
    located = []
    for cid, item in items.items():
        found = re.search(r"\s+".join(map(re.escape, item["text"].split())), qmd)
        if found is None:
            raise ManuscriptError(f"claim {cid!r} guards words the manuscript does not contain: {item['text']!r}")
        sections = _SECTION.findall(qmd[: found.start()])
        located.append((found.start(), cid, f"@{sections[-1]}" if sections else "abstract"))
    rows = ["| Claim | Words it guards | In | Holds |", "|:----|:----------|:--|:-|"]
    for _, cid, where in sorted(located):
        rows.append(f"| `{cid}` | \u201c{items[cid]['text']}\u201d | {where} | {items[cid]['holds']} |")
    caption = (
        ": Every qualitative claim of the text that the build tests against the results "
        "(`clusteremu.paper.claims`), with the words it guards, the section they are in and whether it holds "
        "for the results of this document. Where the profile sets `manuscript.claims: fail` (the paper profile "
        "does), a claim that does not hold stops the build. {#tbl-claims}"
    )
    return "\n".join(rows) + "\n\n" + caption + "\n"
