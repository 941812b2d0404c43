"""tools/gpu_board.sh, the script that made the board's GPU entries, run end to end on the CPU with tiny data."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.pretrained
def test_gpu_board_script_keeps_whole_records_only(tmp_path: Path) -> None:
    out, copy = tmp_path / "out", tmp_path / "copy"
    copy.mkdir()
    env = os.environ | {
        "PYTHON": sys.executable,
        "MICROSR_BENCH_CACHE": str(tmp_path / "cache"),
        "GPU_BOARD_SIZE": "tiny",
        "GPU_BOARD_DEVICE": "cpu",
        "GPU_BOARD_TESTS": "0",
        "GPU_BOARD_COPY": str(copy),
    }
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "gpu_board.sh"), str(out), "600", "MITO"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    timings = (out / "timings.tsv").read_text()
    assert "evaluate MITO: rc 0" in timings and "pack failed" not in timings and "skipped" not in timings
    with tarfile.open(copy / "results.tar.gz") as archive:
        names = archive.getnames()
    run = "./RUN-x4gpu/realesrgan-x4plus/paired/simulated-tiny/MITO-full/"
    assert {run + "result.json", run + "result.csv", run + "key.json", "./timings.tsv"} <= set(names)
    assert not any(".predictions" in name for name in names)
    assert (copy / "timings.tsv").read_text() == timings
