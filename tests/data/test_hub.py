"""The hub source on a local folder in hub layout (no network), push_to_hub with a fake HfApi."""

import dataclasses

import numpy as np
import pytest

from microsr_bench.data import load_benchmark, prepare_folder
from microsr_bench.data.hub import push_to_hub, write_hub_layout
from microsr_bench.data.hub_local import HUB_MARKER
from microsr_bench.errors import DataError, DiskFullError, InvalidArgumentError, OutputError


@pytest.fixture
def hub_dir(make_root, cache_dir, tmp_path):
    root, fields = make_root(n_hr=3)
    prepared = prepare_folder(root, cache_dir=cache_dir / "src", allow_noncanonical=True, progress=False)
    return write_hub_layout(prepared, tmp_path / "hub"), prepared["MITO"], fields


def test_layout_files(hub_dir):
    out, _, _ = hub_dir
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "README.md" in names and "manifests/MITO.json" in names
    assert "MITO/test-00000-of-00001.parquet" in names and "MITO_hr/train-00000-of-00001.parquet" in names
    card = (out / "README.md").read_text()
    assert "config_name: MITO_hr" in card and "path: MITO/validation-*.parquet" in card


def test_load_from_local_hub_layout(hub_dir, cache_dir):
    out, source, fields = hub_dir
    bench = load_benchmark("MITO", source="hub", hub_repo=str(out), cache_dir=cache_dir / "dst", progress=False)
    assert bench.benchmark.source == "hub"
    # Same images, same ids, same fingerprints as the folder it was published from.
    assert bench.benchmark.fingerprint("MITO", "test") == source.manifest.fingerprint("test")
    row = bench["train"].with_format("numpy")[3]
    hr, frames = fields[row["hr_id"]]
    np.testing.assert_array_equal(row["hr"], hr)
    np.testing.assert_array_equal(row["lr"], frames[row["frame"]])


def test_mismatching_manifest_is_refused(hub_dir, cache_dir):
    out, source, _ = hub_dir
    manifest = source.manifest
    first = manifest.fields("test")[0]
    tampered_entry = dataclasses.replace(first, frame_sha256=("0" * 64, *first.frame_sha256[1:]))
    splits = dict(manifest.splits) | {"test": (tampered_entry, *manifest.fields("test")[1:])}
    # The published digest of frame 0 no longer matches the published frame itself.
    dataclasses.replace(manifest, splits=splits, _cache={}).save(out / "manifests" / "MITO.json")
    with pytest.raises(DataError, match=r"(?s)does not match its published manifest.*frames \[0\] differ"):
        load_benchmark("MITO", source="hub", hub_repo=str(out), cache_dir=cache_dir / "dst", progress=False)
    assert not list((cache_dir / "dst" / "real" / "hub").glob("*/MITO")), "nothing may be kept"


def test_hub_needs_a_repository(cache_dir, monkeypatch):
    monkeypatch.delenv("MICROSR_BENCH_HUB_REPO", raising=False)
    with pytest.raises(InvalidArgumentError, match=r"needs a repository.*no default"):
        load_benchmark("MITO", source="hub", cache_dir=cache_dir)


def test_remote_repo_without_revision_is_pinned(monkeypatch, cache_dir):
    calls = {}

    class FakeApi:
        def dataset_info(self, repo):
            calls["info"] = repo
            return type("Info", (), {"sha": "abc123" * 6 + "abcd"})()

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    from microsr_bench.data import hub

    monkeypatch.setattr(hub, "_ingest_hub", lambda repo, rev, name, *a: calls.setdefault("rev", rev) and 1 / 0)
    with pytest.warns(UserWarning, match="pinned to its current commit abc123"), pytest.raises(ZeroDivisionError):
        load_benchmark("MITO", source="hub", hub_repo="someone/data", cache_dir=cache_dir)
    assert calls["info"] == "someone/data" and calls["rev"].startswith("abc123")


def test_push_to_hub_uploads_the_layout(hub_dir, monkeypatch):
    _, source, _ = hub_dir
    seen = {}

    class FakeApi:
        def __init__(self, token=None):
            pass

        def create_repo(self, repo_id, **kwargs):
            seen["create"] = (repo_id, kwargs)

        def upload_folder(self, folder_path, repo_id, **kwargs):
            from pathlib import Path

            seen["files"] = sorted(str(p.relative_to(folder_path)) for p in Path(folder_path).rglob("*") if p.is_file())
            seen["upload"] = (repo_id, kwargs)
            return type("CommitInfo", (), {"oid": "f" * 40})()

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    sha = push_to_hub({"MITO": source}, "me/microsr")
    assert sha == "f" * 40
    assert seen["create"] == ("me/microsr", {"repo_type": "dataset", "private": True, "exist_ok": True})
    assert seen["upload"][1]["repo_type"] == "dataset"
    assert "manifests/MITO.json" in seen["files"]


def test_download_is_announced_with_its_size(hub_dir, cache_dir):
    # 3 fields of 100 frames at 256x256 (2 bytes/pixel) and one 512x512 HR each: 3 * (13,107,200 + 524,288) B
    # = 40.9 MB of pixels plus headers; twice that for the download and the checked copy: about 82 MB.
    from microsr_bench._notices import DataGenerationNotice

    out, _, _ = hub_dir
    with pytest.warns(DataGenerationNotice, match=r"Downloading MITO from .* \(3 fields x 100 frames.*about 82\.\d MB"):
        load_benchmark("MITO", source="hub", hub_repo=str(out), cache_dir=cache_dir / "dst", progress=False)


# --- push-to-hub --local-dir never overwrites or merges into a folder it did not write (issue 10) ---


def test_local_dir_with_other_files_is_left_alone_even_with_overwrite(hub_dir, tmp_path):
    _, prepared, _ = hub_dir
    thesis = tmp_path / "mine"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("years of work")
    for overwrite in (False, True):
        with pytest.raises(OutputError, match=r"not a hub layout written by microsr-bench.*thesis\.tex.*also with"):
            write_hub_layout({"MITO": prepared}, thesis, overwrite=overwrite)
    assert sorted(p.name for p in thesis.iterdir()) == ["thesis.tex"]
    assert (thesis / "thesis.tex").read_text() == "years of work"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_own_layout_is_replaced_whole_only_with_overwrite(hub_dir):
    out, prepared, _ = hub_dir
    assert (out / HUB_MARKER).is_file()
    with pytest.raises(OutputError, match=r"already holds a hub layout.*pass --overwrite"):
        write_hub_layout({"MITO": prepared}, out)
    # A sub-dataset folder left from an earlier layout (allowed name, so still "ours") must not survive: merged
    # into the new layout it would be published beside a card that does not list it.
    (out / "NUC").mkdir()
    (out / "NUC" / "test-00000-of-00001.parquet").write_bytes(b"stale")
    write_hub_layout({"MITO": prepared}, out, overwrite=True)
    assert not (out / "NUC").exists() and (out / "MITO" / "test-00000-of-00001.parquet").is_file()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
    # A layout with a stranger in it is no longer ours: refused also with overwrite.
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"not a hub layout.*notes\.txt"):
        write_hub_layout({"MITO": prepared}, out, overwrite=True)


def test_empty_folder_is_accepted_and_a_full_disk_keeps_the_old_layout(hub_dir, tmp_path, monkeypatch):
    import errno

    import microsr_bench.data.hub as hub

    out, prepared, _ = hub_dir
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (write_hub_layout({"MITO": prepared}, empty) / "README.md").is_file()
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))

    def full(prepared, folder):
        (folder / "README.md").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hub, "_write_layout", full)
    with pytest.raises(DiskFullError, match=r"Could not write the hub layout.*--local-dir"):
        write_hub_layout({"MITO": prepared}, out, overwrite=True)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no half-written sibling"
