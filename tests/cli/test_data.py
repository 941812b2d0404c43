"""The data commands of the CLI: datasets, datasets info, prepare, push-to-hub --local-dir, show."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from microsr_bench.cli import main


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_datasets_table(run):
    result = run("datasets")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1].split()[:7] == ["MITO", "mitochondria", "confocal-1p", "3600", "1100", "300", "5000"]
    assert "MPM" in lines[2] and "2400" in lines[2]


def test_datasets_json_and_info(run):
    rows = json.loads(run("datasets", "--json").output)
    assert [r["name"] for r in rows] == ["MITO", "MPM", "MEM", "NUC"]
    info = json.loads(run("datasets", "info", "MEM", "--json").output)
    assert info["hr_images_per_split"] == {"train": 36, "validation": 11, "test": 19}
    assert "Issa" in run("datasets", "info", "MEM").output


def test_unknown_dataset_is_one_line_and_exit_1(run):
    result = CliRunner().invoke(main, ["datasets", "info", "NUCS"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Unknown dataset 'NUCS'. Valid datasets: MEM, MITO, MPM, NUC. Did you mean 'NUC'?"
    )


def test_prepare_simulated_push_and_show(run, tmp_path):
    cache = tmp_path / "cache"
    result = run("prepare", "--simulated", "--size", "tiny", "--dataset", "MITO", "--cache-dir", cache, "--quiet")
    assert result.exit_code == 0 and "MITO: simulated (tiny), test fingerprint sha256:" in result.output
    out = tmp_path / "hub"
    result = run(
        "push-to-hub",
        "me/x",
        "--source",
        "simulated",
        "--size",
        "tiny",
        "--dataset",
        "MITO",
        "--local-dir",
        out,
        "--cache-dir",
        cache,
    )
    assert result.exit_code == 0 and (out / "manifests" / "MITO.json").is_file()
    assert "Simulated data." in (out / "README.md").read_text()
    png = tmp_path / "panel.png"
    result = run("show", "MITO", "--source", "simulated", "--size", "tiny", "--cache-dir", cache, "--out", png)
    assert result.exit_code == 0
    image = np.asarray(Image.open(png))
    assert image.shape[0] > 500 and image.shape[1] > 1000 and image.std() > 10


def test_push_to_hub_local_dir_refuses_a_foreign_folder_before_loading(run, tmp_path):
    # Issue 10: --local-dir over a non-empty folder merged into it silently; now it is refused before any data is
    # generated (the cache stays empty), with --overwrite too, and the folder is untouched.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    cache = tmp_path / "cache"
    base = ["push-to-hub", "me/x", "--source", "simulated", "--size", "tiny", "--cache-dir", cache]
    for extra in ([], ["--overwrite"]):
        result = CliRunner().invoke(main, [str(a) for a in [*base, "--local-dir", mine, *extra]])
        assert result.exit_code == 1 and "is not a hub layout written by microsr-bench" in result.output
        assert "Traceback" not in result.output
    assert [p.name for p in mine.iterdir()] == ["notes.txt"] and not cache.exists()
    stray = CliRunner().invoke(main, [str(a) for a in [*base, "--overwrite"]])
    assert stray.exit_code == 2 and "without --local-dir it has no use" in stray.output


def test_prepare_reports_problems(run, tmp_path):
    (tmp_path / "root" / "MITO" / "hr").mkdir(parents=True)
    result = CliRunner().invoke(main, ["prepare", str(tmp_path / "root"), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert "cannot be prepared; nothing was written" in result.output
    assert "missing folder (expected MITO/lr/)" in result.output


def test_prepare_needs_an_input(run):
    result = CliRunner().invoke(main, ["prepare"])
    assert result.exit_code == 2 and "Give the data ROOT, --index CSV, or --simulated" in result.output


def test_show_index_out_of_range(run, tmp_path):
    result = CliRunner().invoke(
        main,
        ["show", "NUC", "--source", "simulated", "--size", "tiny", "--index", "9", "--cache-dir", str(tmp_path)],
    )
    assert result.exit_code == 1 and "index must be in 0..1 for the test split, got 9" in result.output


@pytest.fixture(scope="module")
def tiny_cache(tmp_path_factory):
    from microsr_bench.data import load_benchmark

    cache = tmp_path_factory.mktemp("show-cache")
    load_benchmark("MITO", source="simulated", size="tiny", cache_dir=cache, progress=False)
    return cache


def _show(tiny_cache, out, cwd=None):
    args = ["show", "MITO", "--source", "simulated", "--size", "tiny", "--cache-dir", str(tiny_cache), "--out", out]
    return CliRunner().invoke(main, args)


def test_show_into_a_folder_writes_a_named_png_there(tiny_cache, tmp_path):
    # Issue 10: `--out somedir/` raised IsADirectoryError and left `.tmp.tmp.png` in the folder above.
    folder = tmp_path / "figs"
    folder.mkdir()
    for out in (str(folder), f"{folder}/", f"{tmp_path / 'new'}/"):
        result = _show(tiny_cache, out)
        assert result.exit_code == 0, result.output
        written = out.rstrip("/") + "/MITO_test_0.png"
        assert f"Wrote {written}" in result.output
        assert Image.open(written).format == "PNG"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["MITO_test_0.png", "MITO_test_0.png", "figs", "new"]


def test_show_jpg_is_a_real_jpeg(tiny_cache, tmp_path):
    # Issue 10: `--out x.jpg` wrote PNG bytes; the file's own magic number says what it is (JPEG: FF D8 FF).
    result = _show(tiny_cache, tmp_path / "x.jpg")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x.jpg").read_bytes()[:3] == b"\xff\xd8\xff" and Image.open(tmp_path / "x.jpg").format == "JPEG"
    assert [p.name for p in tmp_path.iterdir()] == ["x.jpg"]


@pytest.mark.parametrize("name", ["panel.gif", "panel"])
def test_show_refuses_an_unknown_suffix_before_loading_anything(tmp_path, name):
    empty_cache = tmp_path / "cache"
    result = _show(empty_cache, tmp_path / name)
    assert result.exit_code == 1
    assert "cannot tell the image type" in result.output and ".png, .jpg, .jpeg, .pdf, .svg" in result.output
    assert not empty_cache.exists()  # refused before any data was generated


def test_show_on_a_full_disk_leaves_no_temporary_file(tiny_cache, small_tmpfs):
    (small_tmpfs / "filler").write_bytes(b"\0" * (1024 * 1024 - 64 * 1024))  # leave ~64 kB: the panel needs more
    result = _show(tiny_cache, small_tmpfs / "panel.png")
    assert result.exit_code == 1 and "the disk is full" in result.output and "choose another --out" in result.output
    assert [p.name for p in small_tmpfs.iterdir()] == ["filler"]
