"""The shareable cache: export, verified import, and refusal of every kind of tampering."""

import hashlib
import io
import json
import tarfile

import pytest

from clusteremu.config import load_config
from clusteremu.datasets.design import make_design
from clusteremu.simulation import cache_archive as ca
from clusteremu.simulation.cache import SimulationCache
from clusteremu.simulation.campaign import device_batch_size, run_campaign
from clusteremu.simulation.simulate import SimulationSettings
from tests.helpers import ROOT

TINY = {"n_stars": 24, "n_steps": 100, "n_energy_checks": 2, "t_end_yr": 50.0}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """A cache filled by a tiny campaign, and a function rerunning that campaign on any cache."""
    cfg = load_config(ROOT / "analysis" / "config" / "smoke.yaml")
    design = make_design({**cfg.data, "design": {**cfg["design"], "n_points": 7, "n_realizations": 2}})
    settings = SimulationSettings.from_config(cfg, **TINY)

    def run(root):
        return run_campaign(design, settings, cache_root=root, batch_size=4, energy_error_max=1e-3)

    root = tmp_path_factory.mktemp("cache")
    return root, run, run(root), settings


def members(archive):
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def write(archive, files):
    archive.write_bytes(ca._tar_bytes(files))


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_round_trip_then_a_fresh_cache_simulates_nothing(campaign, tmp_path):
    root, run, first, _ = campaign
    out = ca.export_cache(root, tmp_path / "a.tar.gz")
    assert (out["entries"], out["contexts"], out["skipped"]) == (14, 1, [])
    ca.export_cache(root, tmp_path / "b.tar.gz")
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes(), "exports are reproducible"
    manifest = members(tmp_path / "a.tar.gz")[ca.MANIFEST]
    assert hashlib.sha256(manifest).hexdigest() == out["manifest_sha256"]
    fresh = tmp_path / "fresh"
    got = ca.import_cache(tmp_path / "a.tar.gz", fresh, manifest_sha256=out["manifest_sha256"])
    assert (got["added"], got["present"]) == (14, 0)
    again = run(fresh)
    assert again.n_simulated == 0 and again.csv() == first.csv(), "the imported cache serves every row"
    assert ca.import_cache(tmp_path / "a.tar.gz", fresh)["present"] == 14, "importing twice adds nothing"


def _an_entry(files):
    return next(n for n in sorted(files) if n != ca.MANIFEST and not n.endswith("context.json"))


def _edit_value(files):
    name = _an_entry(files)
    files[name] = files[name].replace(b'"f_bound":', b'"f_bound":1', 1)
    return name


def _edit_value_and_manifest(files):
    name = _edit_value(files)
    manifest = json.loads(files[ca.MANIFEST])
    manifest["files"][name] = hashlib.sha256(files[name]).hexdigest()
    files[ca.MANIFEST] = json.dumps(manifest).encode()


def _listed(files, name, data):
    files[name] = data
    manifest = json.loads(files[ca.MANIFEST])
    manifest["files"][name] = hashlib.sha256(data).hexdigest()
    files[ca.MANIFEST] = json.dumps(manifest).encode()


TAMPERING = {
    "edited entry": (_edit_value, "is not the manifest's"),
    "edited entry and manifest": (_edit_value_and_manifest, "does not match its hash"),
    "unlisted member": (lambda f: f.update({"notes.txt": b"hi"}), "in the archive, not in the manifest"),
    "path outside the cache": (lambda f: _listed(f, "../../evil.json", b"{}"), "not a cache path"),
    "missing member": (lambda f: f.pop(_an_entry(f)), "in the manifest, not in the archive"),
    "entry copied to another key": (
        lambda f: _listed(f, (n := _an_entry(f))[:-9] + "0000.json", f[n]),
        "not the hash of its inputs",
    ),
}


@pytest.mark.parametrize("case", TAMPERING)
def test_a_tampered_archive_is_refused_whole(campaign, tmp_path, case):
    root, *_ = campaign
    ca.export_cache(root, tmp_path / "good.tar.gz")
    files = members(tmp_path / "good.tar.gz")
    edit, message = TAMPERING[case]
    edit(files)
    write(tmp_path / "bad.tar.gz", files)
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "mine.txt").write_text("kept")
    with pytest.raises(ca.ArchiveError, match="refused, nothing imported") as err:
        ca.import_cache(tmp_path / "bad.tar.gz", dest)
    assert message in str(err.value)
    assert files_under(dest) == ["mine.txt"], "not one file written"
    assert ca.main(["import", str(tmp_path / "bad.tar.gz"), "--cache", str(dest)]) == 2


def test_a_wrong_manifest_hash_a_conflict_and_a_broken_archive_are_refused(campaign, tmp_path, capsys):
    root, _, _, settings = campaign
    ca.export_cache(root, tmp_path / "a.tar.gz")
    with pytest.raises(ca.ArchiveError, match="not the expected"):
        ca.import_cache(tmp_path / "a.tar.gz", tmp_path / "x", manifest_sha256="0" * 64)
    # An intact entry already in the cache that differs: simulations are deterministic, so
    # one of the two was computed by other code; neither is silently replaced.
    name = _an_entry(members(tmp_path / "a.tar.gz"))
    entry = json.loads(members(tmp_path / "a.tar.gz")[name])
    inputs = entry["inputs"]
    other = SimulationCache(tmp_path / "dest", settings, device_batch_size(4))
    other.put(inputs["seed"], inputs["q0"], inputs["a_au"], {**entry["result"], "f_bound": 0.125})
    with pytest.raises(ca.ArchiveError, match="differs from the intact entry already in"):
        ca.import_cache(tmp_path / "a.tar.gz", tmp_path / "dest")
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    assert ca.main(["import", str(tmp_path / "junk.tar.gz"), "--cache", str(tmp_path / "y")]) == 2
    assert "not a readable .tar.gz archive" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_export_leaves_out_damaged_entries_and_temporary_files(campaign, tmp_path, capsys):
    root, run, first, _ = campaign
    copy = tmp_path / "copy"
    ca.export_cache(root, tmp_path / "a.tar.gz")
    ca.import_cache(tmp_path / "a.tar.gz", copy)
    entry = next(p for p in sorted(copy.rglob("*.json")) if p.name != "context.json")
    entry.write_text(entry.read_text().replace('"r_h_au":', '"r_h_au":9'))
    (entry.parent / f".{entry.name}.abc.tmp").write_bytes(b"half")  # a writer killed before its rename
    assert ca.main(["export", "--cache", str(copy), "--out", str(tmp_path / "b.tar.gz")]) == 0
    assert "left out (damaged, will be recomputed)" in capsys.readouterr().err
    names = set(members(tmp_path / "b.tar.gz"))
    assert entry.relative_to(copy).as_posix() not in names and not any(n.endswith(".tmp") for n in names)
    assert len(names) == 1 + 1 + 13, "manifest, context, the 13 intact entries"
    assert ca.main(["export", "--cache", str(copy), "--out", str(tmp_path / "b.zip")]) == 2


def test_archive_members_are_plain_reproducible_files(campaign, tmp_path):
    root, *_ = campaign
    ca.export_cache(root, tmp_path / "a.tar.gz")
    with tarfile.open(tmp_path / "a.tar.gz", "r:gz") as tar:
        infos = tar.getmembers()
    assert infos[0].name == ca.MANIFEST and all(i.isreg() and i.mtime == 0 and i.uid == 0 for i in infos)
    link = io.BytesIO()
    with tarfile.open(fileobj=link, mode="w:gz") as tar:
        info = tarfile.TarInfo(ca.MANIFEST)
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    (tmp_path / "link.tar.gz").write_bytes(link.getvalue())
    with pytest.raises(ca.ArchiveError, match="not a regular file|no manifest.json"):
        ca.import_cache(tmp_path / "link.tar.gz", tmp_path / "dest")


def test_an_archive_repacked_by_hand_with_its_folders_imports(campaign, tmp_path):
    root, *_ = campaign
    ca.export_cache(root, tmp_path / "a.tar.gz")
    with tarfile.open(tmp_path / "a.tar.gz", "r:gz") as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    with tarfile.open(tmp_path / "repacked.tar.gz", "w:gz") as tar:
        for path in sorted((tmp_path / "unpacked").iterdir()):
            tar.add(path, arcname=path.name)  # adds the folders too, as `tar czf` does
    assert ca.import_cache(tmp_path / "repacked.tar.gz", tmp_path / "dest")["added"] == 14
