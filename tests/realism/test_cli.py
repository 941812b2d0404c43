"""``microsr-bench realism`` on the generated tiny MITO: the documented realism.json schema, the figure, and
errors as one line with exit status 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from microsr_bench.cli import main


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("realism-cache")


def test_realism_command_writes_the_report(cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["realism", "MITO", "--source", "simulated", "--size", "tiny", "--split", "validation", "--fields", "2"]
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--cache-dir", str(cache), "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "realism.json").read_text())
    assert (out / "realism.png").stat().st_size > 10_000
    assert report["dataset"] == "MITO" and report["source"] == "simulated (tiny)" and report["split"] == "validation"
    assert report["fingerprint"].startswith("sha256:") and report["version"]
    assert len(report["fields"]) == 2 and all(k.startswith("f0") for k in report["fields"])  # the HR ids
    for field in report["fields"].values():
        assert {"lr_gain", "lr_offset", "line_shift", "frame_drift", "hr_lr_shift"} <= set(field)
        assert len(field["frame_drift"]) == 2 and len(field["hr_lr_shift"]) == 2
        # tiny has 4 frames per field: too few for photon transfer, which the notes say.
        assert field["lr_gain"] is None and any("6 frames" in n for n in field["notes"])
    assert report["summary"]["fields"] == 2 and report["summary"]["line_shift"]["n"] == 2
    assert "wrote" in result.output and "note: photon transfer" in result.output


def test_realism_command_errors(cache: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["realism", "MTO", "--source", "simulated", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "Did you mean 'MITO'" in result.output
    result = runner.invoke(main, ["realism", "MITO", "--fields", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--fields" in result.output
    assert not (tmp_path / "realism.json").exists()
