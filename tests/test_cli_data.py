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
