import re
import subprocess

import matplotlib.pyplot as plt
import pypandoc
import pytest
import yaml

from clusteremu.paper.manuscript import (
    ManuscriptError,
    figure_tag,
    stage,
    used_figures,
    used_variables,
)
from clusteremu.repro.paths import Layout
from clusteremu.repro.provenance import Run, load_record

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


def _project(tmp_path, root, text, variables):
    paper = tmp_path / "paper"
    (paper / "filters").mkdir(parents=True)
    for name in ("_quarto.yml", "references.bib", "filters/quarto-subset.lua"):
        (paper / name).write_text((root / "paper" / name).read_text())
    (paper / "index.qmd").write_text(text)
    layout = Layout(tmp_path, "smoke")
    layout.build.mkdir(parents=True)
    script = tmp_path / "variables.py"
    script.write_text("# writes the variables\n")
    Run(script, None).write_text(layout.variables, variables)
    return layout


def test_stage_refuses_missing_variables(tmp_path, root):
    layout = _project(
        tmp_path, root, "N = {{< var design.n_points >}} and {{< var nope.x >}}.\n", "design:\n  n_points: '3'\n"
    )
    with pytest.raises(ManuscriptError, match="missing from build/smoke/_variables.yml: nope.x"):
        stage(layout)


def test_stage_adds_caption_tags_from_figure_records(tmp_path, root, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = "![Cap {{< var prov.a >}}](figures/a.png){#fig-a}\n"
    layout = _project(tmp_path, root, text, "design:\n  n_points: '3'\n")
    with pytest.raises(ManuscriptError, match="figures or tables that were not built: figures/smoke/a.png"):
        stage(layout)
    fig, ax = plt.subplots()
    script = tmp_path / "draw.py"
    script.write_text("# draws a\n")
    Run(script, None).save_figure(fig, layout.figures / "a.png", dpi=30)
    staged_dir = stage(layout)
    staged = yaml.safe_load((staged_dir / "_variables.yml").read_text())
    assert staged["prov"]["a"] == figure_tag(load_record(layout.figures / "a.png"))
    appendix = (staged_dir / "_provenance.md").read_text()
    assert "| @fig-a | `draw.py` @" in appendix and "`make figures/smoke/a.png PROFILE=smoke` |" in appendix
    assert "| Numbers in the text | `variables.py` @" in appendix
    assert staged["design"] == {"n_points": "3"}
    layout.variables.write_text("prov:\n  a: 'typed by hand'\n")
    with pytest.raises(ManuscriptError, match="must not define 'prov'"):
        stage(layout)


def test_figure_tag():
    rec = {
        "script": {"path": "analysis/01_design.py"},
        "git": {"commit": "0123456789abcdef", "dirty": True},
        "config": {"sections": {"figures": "c" * 64}},
        "inputs": [{"path": "data/x.csv", "sha256": "d" * 64}],
    }
    tag = figure_tag(rec)
    assert re.fullmatch(r"\[01_design\.py @ 0123456\+dirty, inputs [0-9a-f]{8}\]", tag)
    assert figure_tag({**rec, "inputs": []}) != tag
    assert figure_tag({**rec, "config": {"sections": {"figures": "e" * 64}}}) != tag


# Tokens with digits that are names or units, not results.
_NOT_RESULTS = (r"\^-?\d+\^", r"Matérn-5/2", r"SHA-256")


def _prose(text: str) -> str:
    """The manuscript without front matter, shortcodes, math, code, citations, cross-references,
    attributes and paths: what is left is typed by hand."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    markup = (r"\{\{<.*?>\}\}", r"\$\$.*?\$\$", r"\$[^$]+\$", r"```.*?```", r"`[^`]*`", r"<!--.*?-->")
    references = (r"\{[#.][^}]*\}", r"\[@[^\]]*\]", r"@[\w:-]+", r"\((?:figures|data)/[^)]*\)")
    patterns = (*markup, *references, *_NOT_RESULTS)
    for pattern in patterns:
        text = re.sub(pattern, " ", text, flags=re.S)
    return text


def test_the_manuscript_types_no_number_by_hand(root):
    lines = [line for line in _prose((root / "paper" / "index.qmd").read_text()).splitlines() if re.search(r"\d", line)]
    assert lines == [], "numbers must come from _variables.yml ({{< var ... >}}):\n" + "\n".join(lines)


def test_every_checked_claim_is_in_the_manuscript_verbatim(root):
    from clusteremu.paper.claims import CLAIMS, ClaimError, check_claims

    text = " ".join((root / "paper" / "index.qmd").read_text().split())
    missing = [claim for claim, _ in CLAIMS if " ".join(claim.split()) not in text]
    assert missing == [], f"claims checked by the build but no longer in the text: {missing}"
    first = CLAIMS[:1]  # the bound fraction's trend, turned upside down
    upside_down = {"campaign": {"f_bound_median_low_q0": 0.1, "f_bound_median_high_q0": 0.9}}
    with pytest.raises(ClaimError, match="The bound fraction falls as"):
        check_claims(upside_down, "fail", first)
    flagged = check_claims(upside_down, "flag", first)
    assert flagged["status"] == "one of one claims false" and "The bound fraction falls as" in flagged["list"]
    right = {"campaign": {"f_bound_median_low_q0": 0.9, "f_bound_median_high_q0": 0.1}}
    assert check_claims(right, "fail", first) == {
        "status": "all one claims hold",
        "list": "All one claims hold.",
    }


def test_the_continuation_clause_counts_runs_and_continuations():
    from clusteremu.evaluation.reports import NutsCheck, NutsParameter
    from clusteremu.paper.findings import continued_text

    d = NutsParameter(1.0, 500.0, 500.0, 1.0, 0.1, 1.0, 0.1, [0.9, 1.1], [0.9, 1.1])
    rows = [
        NutsCheck(index=i, divergences=0, extensions=e, healthy=True, q0=d, a_au=d) for i, e in enumerate((1, 0, 2, 1))
    ]
    assert continued_text(rows, 1000) == (
        "three runs had missed $\\hat R$ or ESS at 1000 draws per chain and were continued, at most twice"
    )
    assert continued_text(rows[:2], 200).endswith("was continued once")
    assert continued_text(rows[1:2], 200) == "no run missed $\\hat R$ or ESS at 200 draws per chain"


def test_the_pipeline_figure_names_every_numbered_script(root):
    """Fig. 1 cannot go stale: every numbered analysis script but the two that write the paper
    appears in exactly one box, and every box names existing scripts."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("pipeline", root / "analysis" / "figures" / "pipeline.py")
    pipeline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pipeline)
    named = [n.strip() for scripts, _, _ in pipeline.BUILD + pipeline.JUDGE for n in scripts.split(",")]
    steps = {p.name[:2] for p in (root / "analysis").glob("[0-9][0-9]_*.py")} - {"90", "99"}
    assert sorted(named) == sorted(steps), "a numbered script is missing from Fig. 1, or named twice"
