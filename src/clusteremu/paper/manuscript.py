"""Render the Quarto manuscript in `paper/` to PDF, with Quarto or with the fallback.

The manuscript is a real Quarto project. Rendering first *stages* it into
`build/<profile>/paper/` (sources, this profile's figures and tables, the generated
`_variables.yml` completed with each figure's caption tag `prov.<figure>` read from its
provenance record, and the generated parts of the provenance appendix, `_provenance.md` and
`_claims.md`, made by [`clusteremu.paper.appendix`][]), so profiles never mix and no step
before the render depends on the figures. Then:

- with `quarto` on PATH: `quarto render` to Typst and PDF;
- without it: pandoc (from the `pypandoc-binary` wheel) with `paper/filters/quarto-subset.lua`,
  which implements the Quarto subset the manuscript uses, then Typst (the `typst` wheel).

A variable the text uses but `_variables.yml` lacks stops the build before pandoc runs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..repro.paths import Layout
from ..repro.provenance import load_record, relpath
from .appendix import ManuscriptError, claims_table, figure_tag, provenance_table
from .colophon import typst_query
from .variables import lookup_variable, variables_text

__all__ = [
    "PROV_PREFIX",
    "MAX_PAGES_AFTER_REFERENCE",
    "ManuscriptError",
    "check_layout",
    "judge_layout",
    "manuscript_inputs",
    "manuscript_sources",
    "render",
    "stage",
    "unresolved_shortcodes",
    "used_figures",
    "used_tables",
    "used_variables",
]

_SHORTCODE = re.compile(r"\{\{<\s*(\w+)\s+([^\s>]+)\s*>\}\}")
# The image path of a Markdown figure, ![caption](path){attrs}; captions hold no brackets.
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
_FIGURE_PREFIX = "figures/"
_TABLE_PREFIX = "tables/"
#: Variables `prov.<figure stem>` are caption tags the render adds from figure records.
PROV_PREFIX = "prov."
# Settings the fallback adds to Quarto's: fixed PDF date (byte-identical rebuilds) and
# numbered equations (Quarto numbers labelled equations itself).
_TYPST_HEADER = '#set document(date: none)\n#set math.equation(numbering: "(1)")\n'
# Layout probes, invisible: every word or code span wider than its table cell (it would
# print over the next column), the page of every figure and cross-reference, and the page
# each figure's image or table is printed on, as metadata that `check_layout` queries from
# the compiled document. A floating figure's own location is where it stands in the text,
# not the page it floats to (Table 7 stood on page 23 and was printed on page 24), so its
# image or table reports the page, labelled with the figure it belongs to: the last one
# started before it.
_TYPST_PROBES = r"""
#show table.cell: it => layout(size => {
  // Unbreakable pieces: Typst may break after a space, a slash or a hyphen, nowhere else.
  show regex("[^\s/\-]+[/\-]?"): w => context {
    let width = measure(w).width
    if width > size.width + 0.5pt {
      [#metadata((text: w.text, width: width / 1pt, cell: size.width / 1pt)) <probe-overflow>]
    }
    // The match is plain text, without Typst's smart quotes: the apostrophe gets its shape back.
    w.text.replace("'", "\u{2019}")
  }
  it
})
#let probe-printed(it) = {
  context {
    let started = query(selector(figure).before(here()))
    if started.len() > 0 and started.last().label != none {
      [#metadata((label: str(started.last().label), page: here().page())) <probe-printed>]
    }
  }
  it
}
#show image: probe-printed
#show table: probe-printed
#context {
  for f in query(figure) {
    if f.label != none {
      [#metadata((label: str(f.label), page: f.location().page())) <probe-figure>]
    }
  }
  for r in query(ref) {
    [#metadata((target: str(r.target), page: r.location().page())) <probe-ref>]
  }
}
"""
# The claims the appendix lists (a table the render makes, so no shortcode names them).
_CLAIMS = "build.claims.items"
#: A figure or table may float this many pages past its first reference (or one before it).
MAX_PAGES_AFTER_REFERENCE = 1


def manuscript_sources(layout: Layout) -> list[Path]:
    """Every hand-written file of the Quarto project, in a fixed order."""
    src = layout.paper_src
    files = [src / "_quarto.yml", src / "references.bib", *sorted(src.glob("*.qmd"))]
    return files + sorted((src / "filters").glob("*.lua"))


def _qmd_text(layout: Layout) -> str:
    return "\n".join(p.read_text() for p in sorted(layout.paper_src.glob("*.qmd")))


def used_variables(layout: Layout) -> list[str]:
    """Keys of every `{{< var KEY >}}` in the manuscript, sorted and unique."""
    return sorted({arg for name, arg in _SHORTCODE.findall(_qmd_text(layout)) if name == "var"})


def used_figures(layout: Layout) -> list[Path]:
    """This profile's figure files that the manuscript embeds, in order of appearance."""
    out: list[Path] = []
    for ref in _IMAGE.findall(_qmd_text(layout)):
        if not ref.startswith(_FIGURE_PREFIX):
            raise ManuscriptError(f"figure path {ref!r} must start with {_FIGURE_PREFIX!r}")
        path = layout.figures / ref.removeprefix(_FIGURE_PREFIX)
        if path not in out:
            out.append(path)
    return out


def used_tables(layout: Layout) -> list[Path]:
    """Generated tables the manuscript includes (`{{< include tables/NAME.md >}}`), which the
    pipeline writes to `data/<profile>/tables/NAME.md`."""
    refs = [arg for name, arg in _SHORTCODE.findall(_qmd_text(layout)) if name == "include"]
    return [layout.data / "tables" / r.removeprefix(_TABLE_PREFIX) for r in refs if r.startswith(_TABLE_PREFIX)]


def caption_tags(layout: Layout) -> dict[str, str]:
    """`{figure stem: tag}` for every figure the manuscript embeds, from its record."""
    return {fig.stem: figure_tag(load_record(fig)) for fig in used_figures(layout)}


def _check_inputs(layout: Layout) -> dict[str, Any]:
    """The complete variables (file plus caption tags); raises if anything is missing."""
    if not layout.variables.exists():
        raise ManuscriptError(f"{relpath(layout.variables, layout.root)} is missing; run `make paper` to build it")
    absent = [relpath(p, layout.root) for p in used_figures(layout) + used_tables(layout) if not p.exists()]
    if absent:
        raise ManuscriptError(f"the manuscript embeds figures or tables that were not built: {', '.join(absent)}")
    variables = yaml.safe_load(layout.variables.read_text()) or {}
    if "prov" in variables:
        raise ManuscriptError(f"{relpath(layout.variables, layout.root)} must not define 'prov': the render adds it")
    variables["prov"] = caption_tags(layout)
    missing = [k for k in [*used_variables(layout), _CLAIMS] if _missing(variables, k)]
    if missing:
        where = relpath(layout.variables, layout.root)
        raise ManuscriptError(f"the manuscript uses variables missing from {where}: {', '.join(missing)}")
    return variables


def _missing(variables: Mapping[str, Any], key: str) -> bool:
    try:
        lookup_variable(variables, key)
    except KeyError:
        return True
    return False


_FIGURE_ID = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)\{#(fig-[\w-]+)")
_TABLE_ID = re.compile(r"\{#(tbl-[\w-]+)\}")


def _provenance_appendix(layout: Layout, figures: Iterable[Path]) -> str:
    """The provenance table: one row per figure and table, by its number (a cross-reference),
    and one for the numbers in the text."""
    ids = {path: ref for path, ref in _FIGURE_ID.findall(_qmd_text(layout))}
    items = []
    for fig in figures:
        ref = ids.get(_FIGURE_PREFIX + fig.name)
        items.append((f"@{ref}" if ref else f"`{fig.name}`", fig))
    for table in used_tables(layout):
        found = _TABLE_ID.search(table.read_text())
        items.append((f"@{found.group(1)}" if found else f"`{table.name}`", table))
    items.append(("Numbers in the text", layout.variables))
    return provenance_table(items, layout.root, layout.profile)


def stage(layout: Layout) -> Path:
    """Copy the Quarto project, this profile's figures, tables and variables into a fresh folder."""
    variables = _check_inputs(layout)
    figures = used_figures(layout)
    out = layout.stage
    if out.exists():
        shutil.rmtree(out)
    (out / "filters").mkdir(parents=True)
    (out / "figures").mkdir()
    (out / "tables").mkdir()
    for src in manuscript_sources(layout):
        shutil.copyfile(src, out / src.relative_to(layout.paper_src))
    for fig in figures:
        shutil.copyfile(fig, out / "figures" / fig.name)
    for table in used_tables(layout):
        shutil.copyfile(table, out / "tables" / table.name)
    (out / "_variables.yml").write_text(variables_text(variables, "Staged: _variables.yml plus caption tags."))
    (out / "_provenance.md").write_text(_provenance_appendix(layout, figures))
    (out / "_claims.md").write_text(claims_table(lookup_variable(variables, _CLAIMS), _qmd_text(layout)))
    return out


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0 or "[WARNING]" in proc.stderr:
        raise ManuscriptError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr.strip()}")


def _render_quarto(stage_dir: Path) -> bytes:
    _run(
        ["quarto", "render", "index.qmd", "--to", "typst", "--output", "paper.pdf"],
        stage_dir,
        "quarto render",
    )
    return (stage_dir / "paper.pdf").read_bytes()


def _render_fallback(stage_dir: Path, strict_layout: bool) -> bytes:
    import pypandoc
    import typst

    quarto = yaml.safe_load((stage_dir / "_quarto.yml").read_text())
    meta = dict(quarto.get("format", {}).get("typst", {}))
    (stage_dir / "_pandoc-meta.yml").write_text(yaml.safe_dump(meta, sort_keys=True))
    (stage_dir / "_header.typ").write_text(_TYPST_HEADER + _TYPST_PROBES)
    cmd = [
        pypandoc.get_pandoc_path(),
        "index.qmd",
        "--from",
        "markdown",
        "--to",
        "typst",
        "--standalone",
        "--lua-filter",
        "filters/quarto-subset.lua",
        "--citeproc",
        "--metadata-file",
        "_pandoc-meta.yml",
        "--include-in-header",
        "_header.typ",
        "--output",
        "paper.typ",
    ]
    _run(cmd, stage_dir, "pandoc")
    typ = stage_dir / "paper.typ"
    raw = unresolved_shortcodes(typ.read_text())
    if raw:
        raise ManuscriptError("a shortcode was left unresolved in the manuscript: " + "; ".join(raw))
    try:
        pdf = typst.compile(str(typ), root=str(stage_dir), ignore_system_fonts=True)
    except Exception as exc:  # typst raises its own error types; keep the message
        raise ManuscriptError(f"typst failed: {exc}") from None
    judge_layout(check_layout(typ), strict=strict_layout)
    return pdf


def judge_layout(problems: list[str], *, strict: bool) -> None:
    """Stop the build on the layout's `problems` where the layout is promised (`strict`: the
    profile's claims fail the build), else print them as a warning. A profile whose claims
    are only flagged (smoke) prints measured times whose digits move a float from one page to
    the next: its smoke PDF passed the check at one machine load and failed it at another."""
    if not problems:
        return
    listed = "the rendered layout has problems:\n  " + "\n  ".join(problems)
    if strict:
        raise ManuscriptError(listed)
    print(f"warning: {listed}\n(not fatal: this profile's claims are only flagged)", file=sys.stderr)


def unresolved_shortcodes(typst_source: str) -> list[str]:
    """Every shortcode left in the Typst source, with some context. The filter refuses those it
    cannot resolve, but one it never saw as one (glued to the one before) once went through as
    text; this checks its output. Typst escapes the `<`."""
    return re.findall(r".{0,40}\{\{\\?<.{0,40}", typst_source)


def check_layout(typ: Path) -> list[str]:
    """Layout problems of a compiled Typst document made with the fallback's header.

    - a word or code span wider than its table cell, which prints over the next column;
    - a figure or table never referenced, or printed more than
      [`MAX_PAGES_AFTER_REFERENCE`][] pages after its first reference, or before the page
      preceding it (a float counts where it is printed, not where it stands in the text).

    **Returns:** one sentence per problem, naming the item (empty when the layout is clean).
    """
    problems = [
        f"table cell text {o['text']!r} is {o['width']:.0f} pt wide in a {o['cell']:.0f} pt cell"
        for o in typst_query(typ, "probe-overflow")
    ]
    first_ref: dict[str, int] = {}
    for r in typst_query(typ, "probe-ref"):
        first_ref[r["target"]] = min(r["page"], first_ref.get(r["target"], r["page"]))
    printed: dict[str, int] = {}
    for p in typst_query(typ, "probe-printed"):  # in document order: a figure's own image or table first
        printed.setdefault(p["label"], p["page"])
    for f in typst_query(typ, "probe-figure"):
        label = f["label"]
        if not label.startswith(("fig-", "tbl-")):
            continue
        page = printed.get(label, f["page"])
        ref = first_ref.get(label)
        if ref is None:
            problems.append(f"{label} (page {page}) is never referenced")
        elif not ref - 1 <= page <= ref + MAX_PAGES_AFTER_REFERENCE:
            problems.append(f"{label} is on page {page}, its first reference on page {ref}")
    return sorted(set(problems))


def manuscript_inputs(layout: Layout) -> list[Path]:
    """Every file the rendered PDF depends on: sources, variables, figures and tables."""
    return [*manuscript_sources(layout), layout.variables, *used_figures(layout), *used_tables(layout)]


def render(layout: Layout, *, engine: str = "auto", strict_layout: bool = True) -> tuple[bytes, str]:
    """Stage and render the manuscript; returns the PDF's bytes and the engine used.

    **Arguments:**

    - `layout`: the profile's paths.
    - `engine`: `"quarto"`, `"fallback"` (pandoc + Lua filter + Typst) or `"auto"`
      (Quarto when its CLI is on PATH).
    - `strict_layout`: whether the fallback's layout problems stop the build
      ([`judge_layout`][]); else they are printed.
    """
    if engine == "auto":
        engine = "quarto" if shutil.which("quarto") else "fallback"
    if engine not in {"quarto", "fallback"}:
        raise ManuscriptError(f"unknown engine {engine!r}; allowed: auto, quarto, fallback")
    stage_dir = stage(layout)
    pdf = _render_quarto(stage_dir) if engine == "quarto" else _render_fallback(stage_dir, strict_layout)
    return pdf, engine
