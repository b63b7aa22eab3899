"""The dependency scanner: what a script imports, transitively, and the sections it reads."""

import pytest

from clusteremu.repro.depscan import config_sections, module_closure, script_closure, write_makefile


@pytest.fixture
def package(tmp_path):
    """A toy package laid out like the library, with lazy re-exports and a data file."""
    pkg = tmp_path / "src" / "clusteremu"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('_EXPORTS = {"Thing": "things"}\n')
    (pkg / "base.py").write_text("X = 1\n")
    (pkg / "things.py").write_text("from .base import X\n\ndef f():\n    from . import lazy\n")
    (pkg / "lazy.py").write_text("STYLE = 'look.mplstyle'\n")
    (pkg / "look.mplstyle").write_text("font.size: 9\n")
    (pkg / "unused.py").write_text("import os\n")
    analysis = tmp_path / "analysis"
    analysis.mkdir()
    return tmp_path, pkg


def test_closure_follows_relative_lazy_and_data_dependencies(package):
    root, pkg = package
    script = root / "analysis" / "01_x.py"
    script.write_text('from clusteremu.things import f\nCONFIG_SECTIONS = ("domain", "figures")\n')
    names = [p.name for p in script_closure(script, pkg)]
    assert names == ["__init__.py", "base.py", "lazy.py", "look.mplstyle", "things.py"]
    assert "unused.py" not in names
    assert config_sections(script) == ("domain", "figures")
    assert [p.name for p in module_closure(pkg / "things.py", pkg, with_init=False)] == [
        "base.py",
        "lazy.py",
        "look.mplstyle",
        "things.py",
    ]


def test_re_exports_and_package_imports_resolve_to_their_modules(package):
    root, pkg = package
    script = root / "analysis" / "02_y.py"
    script.write_text("import clusteremu.base\nfrom clusteremu import Thing\n")
    assert {p.name for p in script_closure(script, pkg)} == {
        "__init__.py",
        "base.py",
        "things.py",
        "lazy.py",
        "look.mplstyle",
    }
    assert config_sections(script) == ()


def test_bad_section_declaration_is_refused(package):
    root, _ = package
    script = root / "analysis" / "03_z.py"
    script.write_text('CONFIG_SECTIONS = ["domain"]\n')
    with pytest.raises(ValueError, match="must be a tuple"):
        config_sections(script)


def test_makefile_fragment(package):
    root, _ = package
    (root / "analysis" / "figures").mkdir()
    (root / "analysis" / "figures" / "f.py").write_text('import clusteremu.base\nCONFIG_SECTIONS = ("figures",)\n')
    out = root / "build" / "deps.mk"
    write_makefile([root / "analysis" / "figures" / "f.py"], root, out)
    text = out.read_text()
    assert "LIB.figures/f := src/clusteremu/__init__.py src/clusteremu/base.py\n" in text
    assert "SECTIONS.figures/f := figures\n" in text


def test_real_scripts_respect_the_compute_and_drawing_split(root):
    """Compute steps never import the plotting module; figure scripts never simulate."""
    for script in sorted((root / "analysis").glob("[0-9]*.py")):
        names = {p.name for p in script_closure(script)}
        assert "plotting.py" not in names and "clusteremu.mplstyle" not in names, script.name
    for script in sorted((root / "analysis" / "figures").glob("*.py")):
        names = {p.name for p in script_closure(script)}
        assert "plotting.py" in names and "simulate.py" not in names and "training.py" not in names, script.name
        assert config_sections(script) == ("figures",), f"{script.name} reads more than the figure settings"


def test_a_declared_step_gets_its_whole_rule(package):
    root, _ = package
    script = root / "analysis" / "05_z.py"
    script.write_text(
        "import clusteremu.base\n"
        'CONFIG_SECTIONS = ("domain",)\n'
        'INPUTS = {"dataset": ("{data}/a.csv", "input"), "cache": ("{cache}", "cache folder")}\n'
        'OUTPUTS = {"model": ("{data}/m.eqx", "model"), "tables": ("{data}/tables", "tables", ("t.md",))}\n'
    )
    out = root / "build" / "deps.mk"
    write_makefile([script], root, out)
    text = out.read_text()
    assert "OUTPUTS.05_z := $(DATA)/m.eqx $(DATA)/tables/t.md\n" in text
    assert "data/%/m.eqx data/%/tables/t.md: data/%/a.csv $(call step,05_z) | $(STAMP)\n" in text
    recipe = text.split("| $(STAMP)\n", 1)[1].replace("\\\n\t ", "")
    assert recipe.startswith("\t$(PY) analysis/05_z.py --config $(CONFIG) --dataset $(DATA)/a.csv --cache $(CACHE)")
    assert "--model $(DATA)/m.eqx" in recipe and "--tables $(DATA)/tables" in recipe
    assert "STEP_OUTPUTS := $(OUTPUTS.05_z)\n" in text


def test_every_step_declares_its_files_and_parses_them(root):
    """Every analysis script but the render declares its files; its parser takes exactly them."""
    from clusteremu.repro.depscan import declared_files
    from clusteremu.repro.steps import make_parser

    for script in sorted([*(root / "analysis").glob("[0-9]*.py"), *(root / "analysis" / "figures").glob("*.py")]):
        stem = script.relative_to(root / "analysis").with_suffix("").as_posix()
        declared = declared_files(script, stem)
        if stem == "99_render":
            assert declared is None
            continue
        assert declared is not None, f"{stem} declares no INPUTS"
        parser = make_parser("", *declared)
        options = {a.dest for a in parser._actions if a.dest not in ("help", "config")}
        assert options == set(declared[0]) | set(declared[1]), stem
