import re
import subprocess

import pypandoc
import pytest

from clusteremu.layout import Layout
from clusteremu.manuscript import (
    ManuscriptError,
    figure_tag,
    stage,
    used_figures,
    used_variables,
)

FILTER_CASE = """---
title: "T {{< var build.profile >}}"
---

# Intro {#sec-intro}

We ran ({{< var design.n >}}) points; see @fig-a, @sec-intro and @tbl-b. Also [@fig-a; @eq-e].

$$ E = K + W $$ {#eq-e}

![Cap {{< var prov.a >}}.](figures/a.png){#fig-a width=50%}

| x |
|---|
| 1 |

: Table {#tbl-b}

{{< include _inc.md >}}
"""


def pandoc_typst(folder, root, text, variables):
    (folder / "doc.qmd").write_text(text)
    (folder / "_variables.yml").write_text(variables)
    (folder / "_inc.md").write_text("Included {{< var design.n >}}.\n")
    filt = root / "paper" / "filters" / "quarto-subset.lua"
    cmd = [pypandoc.get_pandoc_path(), "doc.qmd", "-t", "typst", "-s", "--lua-filter", str(filt)]
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True)


GOOD_VARS = "build:\n  profile: smoke\ndesign:\n  n: '24'\nprov:\n  a: '[s.py @ abc]'\n"


def test_filter_resolves_every_construct(tmp_path, root):
    proc = pandoc_typst(tmp_path, root, FILTER_CASE, GOOD_VARS)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "T smoke" in out and "We ran (24) points" in out and "Included 24." in out
    assert "Cap \\[s.py \\@ abc\\]." in out
    for ref in ("fig-a", "sec-intro", "tbl-b", "eq-e"):
        assert f"#ref(<{ref}>)" in out
    assert "$ E = K + W $ <eq-e>" in out
    assert "width: 50" in out
    assert "{{" not in out and "#cite" not in out


def test_filter_fails_on_missing_variable(tmp_path, root):
    proc = pandoc_typst(tmp_path, root, FILTER_CASE, "build:\n  profile: smoke\n")
    assert proc.returncode != 0
    assert "variable 'design.n' is used by the manuscript but missing" in proc.stderr


@pytest.mark.parametrize(
    "text", ["{{< meta title >}}", "`{{< var design.n >}}`", "$x = {{< var design.n >}}$", "{{< var >}}"]
)
def test_filter_fails_on_unsupported_shortcodes(tmp_path, root, text):
    proc = pandoc_typst(tmp_path, root, f"Text {text} end.\n", GOOD_VARS)
    assert proc.returncode != 0, proc.stdout
    assert "quarto-subset.lua" in proc.stderr


def test_manuscript_uses_only_supported_constructs(root):
    text = "\n".join(p.read_text() for p in (root / "paper").glob("*.qmd"))
    for name, _ in re.findall(r"\{\{<\s*(\w+)\s+([^\s>]*)", text):
        assert name in {"var", "include"}, f"shortcode {name!r} is not handled by the fallback"
    layout = Layout(root, "smoke")
    assert used_variables(layout), "the manuscript quotes no number"
    assert "design.png" in [p.name for p in used_figures(layout)]


def test_stage_refuses_missing_variables(tmp_path, root):
    paper = tmp_path / "paper"
    (paper / "filters").mkdir(parents=True)
    for name in ("_quarto.yml", "references.bib", "filters/quarto-subset.lua"):
        (paper / name).write_text((root / "paper" / name).read_text())
    (paper / "index.qmd").write_text("N = {{< var design.n_points >}} and {{< var nope.x >}}.\n")
    layout = Layout(tmp_path, "smoke")
    layout.build.mkdir(parents=True)
    layout.variables.write_text("design:\n  n_points: '3'\n")
    with pytest.raises(ManuscriptError, match="missing from build/smoke/_variables.yml: nope.x"):
        stage(layout)


def test_figure_tag():
    rec = {
        "script": {"path": "analysis/01_design.py"},
        "git": {"commit": "0123456789abcdef", "dirty": True},
        "config": {"sha256": "c" * 64},
        "inputs": [{"path": "data/x.csv", "sha256": "d" * 64}],
    }
    tag = figure_tag(rec)
    assert re.fullmatch(r"\[01_design\.py @ 0123456\+dirty, inputs [0-9a-f]{8}\]", tag)
    assert figure_tag({**rec, "inputs": []}) != tag
