import re
import subprocess

import matplotlib.pyplot as plt
import pypandoc
import pytest
import yaml

from clusteremu.paper.appendix import claims_table, figure_tag
from clusteremu.paper.manuscript import ManuscriptError, stage, used_figures, used_variables
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


def test_filter_resolves_shortcodes_that_touch(tmp_path, root):
    """Two shortcodes with nothing between them share a Str: both resolve, none is printed raw."""
    proc = pandoc_typst(tmp_path, root, "Left ({{< var design.n >}}{{< var build.profile >}}x) end.\n", GOOD_VARS)
    assert proc.returncode == 0, proc.stderr
    assert "Left (24smokex) end." in proc.stdout and "{{" not in proc.stdout


def test_a_shortcode_left_in_the_typst_source_is_found():
    from clusteremu.paper.manuscript import unresolved_shortcodes

    assert unresolved_shortcodes("leaving 1072{{\\< var\nconf.development \\>}}), read") == ["leaving 1072{{\\< var"]
    assert unresolved_shortcodes("#ref(<fig-a>) and {x} and \\<") == []


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
    with pytest.raises(ManuscriptError, match="missing from build/smoke/_variables.yml: nope.x, build.claims.items"):
        stage(layout)


CLAIM_VARS = "build:\n  claims:\n    items:\n      rises:\n        text: It rises\n        holds: 'no'\n"


def test_stage_adds_caption_tags_from_figure_records(tmp_path, root, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = "# Results {#sec-results}\n\nIt rises.\n\n![Cap {{< var prov.a >}}](figures/a.png){#fig-a}\n"
    layout = _project(tmp_path, root, text, "design:\n  n_points: '3'\n" + CLAIM_VARS)
    with pytest.raises(ManuscriptError, match="figures or tables that were not built: figures/smoke/a.png"):
        stage(layout)
    # The figure reads a data file that another script made, and the lock file, kept by hand.
    (tmp_path / "data").mkdir()
    data, lock = tmp_path / "data" / "d.json", tmp_path / "requirements.lock"
    (tmp_path / "simulate.py").write_text("# makes d\n")
    Run(tmp_path / "simulate.py", None).write_text(data, "{}")
    lock.write_text("numpy==2\n")
    fig, ax = plt.subplots()
    script = tmp_path / "draw.py"
    script.write_text("# draws a\n")
    Run(script, None, inputs=[data, lock]).save_figure(fig, layout.figures / "a.png", dpi=30)
    staged_dir = stage(layout)
    staged = yaml.safe_load((staged_dir / "_variables.yml").read_text())
    assert staged["prov"]["a"] == figure_tag(load_record(layout.figures / "a.png"))
    appendix = (staged_dir / "_provenance.md").read_text()
    row = next(line for line in appendix.splitlines() if line.startswith("| @fig-a |"))
    digest = {i["path"]: i["sha256"][:8] for i in load_record(layout.figures / "a.png")["inputs"]}
    assert row.startswith("| @fig-a | `draw` @")
    assert f"| `requirements.lock` {digest['requirements.lock']}, `simulate` {digest['data/d.json']} |" in row
    assert row.endswith("| `figures/smoke/a.png` |") and "`make FILE PROFILE=smoke` rebuilds" in appendix
    assert "| Numbers in the text | `variables` @" in appendix
    claims = (staged_dir / "_claims.md").read_text().splitlines()
    assert claims[0] == "| Claim | Words it guards | In | Holds |"
    assert claims[2] == "| `rises` | \u201cIt rises\u201d | @sec-results | no |"
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
_NOT_RESULTS = (r"\^-?\d+\^", r"Matérn-5/2", r"SHA-256", r"\(condition \d\)")  # labels, not results


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
    missing = [claim.id for claim in CLAIMS if " ".join(claim.text.split()) not in text]
    assert missing == [], f"claims checked by the build but no longer in the text: {missing}"
    assert len({claim.id for claim in CLAIMS}) == len(CLAIMS), "two claims share an identifier"
    first = CLAIMS[:1]  # the bound fraction's trend, turned upside down
    upside_down = {"campaign": {"f_bound_median_low_q0": 0.1, "f_bound_median_high_q0": 0.9}}
    with pytest.raises(ClaimError, match='bound-fraction-falls: "The bound fraction falls as'):
        check_claims(upside_down, "fail", first)
    flagged = check_claims(upside_down, "flag", first)
    assert flagged["status"] == "one of one claims false" and "The bound fraction falls as" in flagged["notice"]
    assert flagged["items"] == {
        "bound-fraction-falls": {"text": "The bound fraction falls as $Q_0$ grows", "holds": "no"}
    }
    right = {"campaign": {"f_bound_median_low_q0": 0.9, "f_bound_median_high_q0": 0.1}}
    assert check_claims(right, "fail", first) == {
        "status": "all one claims hold",
        "summary": "All one claims hold.",
        "notice": "",
        "items": {"bound-fraction-falls": {"text": "The bound fraction falls as $Q_0$ grows", "holds": "yes"}},
    }


def test_the_claims_table_follows_the_text_and_names_each_section():
    qmd = "---\ntitle: T\n---\n\n# Intro {#sec-intro}\n\nA falls\nsteeply.\n\n"
    qmd += "## Later {#sec-later .unnumbered}\n\nB holds.\n"
    items = {"b": {"text": "B holds", "holds": "yes"}, "a": {"text": "A falls steeply", "holds": "no"}}
    rows = claims_table(items, qmd).splitlines()
    assert rows[2:4] == [
        "| `a` | \u201cA falls steeply\u201d | @sec-intro | no |",
        "| `b` | \u201cB holds\u201d | @sec-later | yes |",
    ]
    assert rows[-1].endswith("{#tbl-claims}")
    with pytest.raises(ManuscriptError, match="claim 'c' guards words the manuscript does not contain: 'C rises'"):
        claims_table({"c": {"text": "C rises", "holds": "yes"}}, qmd)


def test_the_title_block_names_the_authors_and_no_build_metadata(root):
    front = (root / "paper" / "index.qmd").read_text().split("\n---\n", 1)[0]
    assert 'name: "{{< var build.authors >}}"' in front
    assert "subtitle" not in front and "build.commit" not in front and "build.claims" not in front


def test_the_manuscript_names_the_audit_one_way(root):
    """`make audit`, as the README documents it; never the command it runs."""
    for path in (root / "paper" / "index.qmd", root / "src" / "clusteremu" / "paper" / "appendix.py"):
        text = path.read_text()
        assert "make audit" in text and "clusteremu audit" not in text, path.name


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_the_profile_names_the_authors_repository_and_archive_of_citation_cff(root, profile):
    cff = yaml.safe_load((root / "CITATION.cff").read_text())
    manuscript = yaml.safe_load((root / "analysis" / "config" / f"{profile}.yaml").read_text())["manuscript"]
    names = [a.get("name") or f"{a['given-names']} {a['family-names']}" for a in cff["authors"]]
    assert manuscript["authors"] == names
    assert manuscript["repository"] == cff.get("repository-code")
    identifiers = {cff.get("doi"), *(i["value"] for i in cff.get("identifiers", []))} - {None}
    assert (manuscript["archive"] is None and not identifiers) or manuscript["archive"] in identifiers


def test_unset_locations_read_as_placeholders_and_set_ones_as_links(tmp_path, root):
    from clusteremu.paper.colophon import link

    assert link(None, "archive", "paper") == "not set (`manuscript.archive` in `analysis/config/paper.yaml`)"
    values = {
        "repository": link("https://github.com/o/r", "repository", "paper"),
        "archive": link("10.5281/z.1", "archive", "paper"),
    }
    proc = pandoc_typst(
        tmp_path,
        root,
        "At {{< var build.repository >}}, {{< var build.archive >}}.\n",
        yaml.safe_dump({"build": values}),
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        '#link("https://github.com/o/r")' in proc.stdout
        and '#link("https://doi.org/10.5281/z.1")[10.5281/z.1]' in proc.stdout
    )


def test_the_continuation_clause_counts_runs_and_continuations():
    from clusteremu.evaluation.reports import NutsCheck, NutsParameter
    from clusteremu.paper.findings import continued_text

    d = NutsParameter(1.0, 500.0, 500.0, 0.004, 1.0, 0.1, 1.0, 0.1, [0.9, 1.1], [0.9, 1.1])
    rows = [
        NutsCheck(index=i, divergences=0, extensions=e, healthy=True, q0=d, a_au=d) for i, e in enumerate((1, 0, 2, 1))
    ]
    assert continued_text(rows, 1000) == (
        "three runs had missed $\\hat R$ or ESS at 1000 draws per chain and were continued, at most twice"
    )
    assert continued_text(rows[:2], 200).endswith("was continued once")
    assert continued_text(rows[1:2], 200) == "no run missed $\\hat R$ or ESS at 200 draws per chain"


def test_nuts_sds_are_judged_against_their_own_monte_carlo_error():
    """Differences of one Monte Carlo error each are sampling noise; of five each, they are not."""
    from clusteremu.evaluation.reports import NutsCheck, NutsParameter
    from clusteremu.paper.findings import nuts_summary

    def rows(errors: float) -> list:
        d = NutsParameter(1.0, 500.0, 500.0, 0.004, 1.0, 0.1 + errors * 0.004, 1.0, 0.1, [0.9, 1.1], [0.9, 1.1])
        return [NutsCheck(index=i, divergences=0, extensions=0, healthy=True, q0=d, a_au=d) for i in range(50)]

    quiet, loud = nuts_summary(rows(1.0)), nuts_summary(rows(5.0))
    assert quiet["dsd_within_noise"] and quiet["nuts_grid_dsd_where"].endswith("within sampling noise.")
    assert not loud["dsd_within_noise"] and "100 of the 100 differences" in loud["nuts_grid_dsd_where"]
    assert (
        "with NUTS's sd the smaller in 0 of them. NUTS's widths are therefore less certain"
        in loud["nuts_grid_dsd_where"]
    )


def test_the_tie_break_is_printed_with_the_digits_that_decide_it():
    """Two likelihoods that pass every check and agree to four digits in contraction: the
    sentence shows the fifth, which decided, and says nothing when nothing was tied."""
    from clusteremu.inference.registry import LIKELIHOOD_NAMES
    from clusteremu.paper.findings import _tie_sentence

    tied = {"flow": (1.584498, 5.83), "flow+selection": (1.584527, 5.82)}
    text = _tie_sentence(tied, "flow+selection")
    names = LIKELIHOOD_NAMES["flow+selection"], LIKELIHOOD_NAMES["flow"]
    assert f"contraction of $a$, decides between them by 1.58453 for {names[0]} against 1.58450 for {names[1]}" in text
    # a difference that small is no evidence, and the sentence says so; a real one is only stated
    assert text.endswith(
        "a difference of 0.002%: on this set the two are equivalent, and the pick is the rule's, not evidence."
    )
    apart = _tie_sentence({"flow": (1.50, 5.83), "flow+selection": (1.60, 5.82)}, "flow+selection")
    assert apart.endswith("a difference of 7%.")
    assert _tie_sentence({"flow+selection": (1.6, 5.8)}, "flow+selection") == ""


def test_the_calibration_sentence_says_which_outputs_it_helps_on_new_design_points():
    from clusteremu.paper.calibration_text import calibration_sentence

    def scores(z2, cov68):
        return {"z2_mean": z2, "z2_mean_se": [0.1] * 3, "coverage68": cov68, "coverage68_se": [0.03] * 3}

    ev = {
        "outputs": ["f_bound", "sigma_v_kms", "r_h_au"],
        "calibration_scale": [0.9, 1.0, 0.8],
        "probabilistic": {
            "ensemble, uncalibrated": scores([0.8, 1.0, 0.95], [0.72, 0.68, 0.67]),
            "ensemble, calibrated": scores([1.0, 1.1, 1.3], [0.68, 0.66, 0.60]),
        },
    }
    text = calibration_sentence(ev)
    assert "toward one for the bound fraction (0.80 ± 0.10 to 1.00 ± 0.10, factor 0.90)" in text
    assert "away from it for the velocity dispersion" in text and "the half-mass radius (0.95" in text
    assert text.endswith(
        "the 68% intervals of the half-mass radius cover 0.60 ± 0.03 of the realizations, down from 0.67 before "
        "calibration (nominal 0.68)."
    )
    ev["probabilistic"]["ensemble, calibrated"] = scores([1.0, 1.0, 1.0], [0.68, 0.68, 0.68])
    assert "toward one for every output" in calibration_sentence(ev)


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


def test_the_accuracy_table_bolds_every_method_that_ties_at_the_printed_precision():
    from clusteremu.paper.tables import accuracy_table

    def method(f, s, r):
        return {"rmse": [f, s, r], "rmse_se": [0.005, 0.03, 6.0], "r2": [0.9, 0.9, 0.8]}

    metrics = {
        "ensemble": method(0.0591, 0.412, 150.2),
        "knn": method(0.0612, 0.409, 88.4),
        "gp": method(0.0583, 0.51, 92),
    }
    rows = {line.split(" | ")[0].strip("| "): line for line in accuracy_table(metrics).splitlines()[2:5]}
    assert "**0.058**" in rows["Gaussian process"] and "0.059 ±" in rows["mean ensemble"]  # one best
    assert "**0.41**" in rows["mean ensemble"] and "**0.41**" in rows["k-nearest neighbours"]  # a tie: both bold
    assert "**88**" in rows["k-nearest neighbours"] and "150 ±" in rows["mean ensemble"]  # by value, not as text


def test_the_stated_typst_compiler_is_the_one_the_pdf_names(tmp_path):
    import re

    import typst

    from clusteremu.paper.colophon import typst_compiler

    source = tmp_path / "one.typ"
    source.write_text("one page\n")
    pdf = typst.compile(str(source), root=str(tmp_path), ignore_system_fonts=True)
    creator = re.search(rb"Typst (\d+\.\d+\.\d+)", pdf)  # the PDF's Creator metadata
    assert creator is not None and creator.group(1).decode() == typst_compiler()


LAYOUT_CASE = """#set page(width: 10cm, height: 10cm, margin: 1cm)
#show <tbl-float>: set figure(placement: auto)
See @tbl-float.
#pagebreak()
#v({space})
The table stands here, on page 2, and the text goes on after it.
#figure(table(columns: 1, ..range(8).map(i => [row #i])), caption: [Floats.]) <tbl-float>
#lorem(200)
"""


@pytest.mark.parametrize(
    ("space", "problems"), [("0cm", []), ("6cm", ["tbl-float is on page 3, its first reference on page 1"])]
)
def test_the_layout_check_counts_a_float_where_it_is_printed(tmp_path, space, problems):
    """A float that stands on page 2 is one page past its first reference: where it fits on
    that page it is printed there; too tall for the rest of the page (after `space`), it is
    printed on page 3, two pages past, and the check says so."""
    from clusteremu.paper.colophon import typst_query
    from clusteremu.paper.manuscript import _TYPST_HEADER, _TYPST_PROBES, check_layout

    typ = tmp_path / "case.typ"
    typ.write_text(_TYPST_HEADER + _TYPST_PROBES + LAYOUT_CASE.replace("{space}", space))
    assert typst_query(typ, "probe-figure") == [{"label": "tbl-float", "page": 2}]  # where it stands
    assert check_layout(typ) == problems


def test_a_number_and_its_unit_stay_together_across_a_line_break_of_the_source(tmp_path, root):
    """A shortcode at a line's end and its unit on the next (a soft break) are joined like a
    number and unit on one line: "4.7405 ⏎ km/s" was broken there in the PDF."""
    text = "One AU per year is {{< var design.n >}}\nkm/s, and {{< var design.n >}} yr.\n"
    proc = pandoc_typst(tmp_path, root, text, GOOD_VARS)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "24\u00a0km/\u2060s" in out or "24~km/\u2060s" in out, out[-300:]
    assert "24\u00a0yr" in out or "24~yr" in out


def test_layout_problems_stop_a_profile_whose_claims_fail_and_are_printed_for_one_that_flags(capsys):
    from clusteremu.paper.manuscript import ManuscriptError, judge_layout

    problems = ["fig-a is on page 3, its first reference on page 1"]
    with pytest.raises(ManuscriptError, match="fig-a is on page 3"):
        judge_layout(problems, strict=True)
    judge_layout(problems, strict=False)
    err = capsys.readouterr().err
    assert err.startswith("warning: the rendered layout has problems:") and "fig-a is on page 3" in err
    judge_layout([], strict=True)  # nothing to say
    assert capsys.readouterr().err == ""
