"""Scoring sharded over worker processes and over torchrun ranks gives the single-process record, bit for bit.

The reference is the single-process scorer on the same folder in the same test: every per-image score,
summary, interval and field mean must be equal as floats (``==``, not approximately); only the record's
``created`` time (and, between two files, the CSV name it points to) may differ. Why they can be equal: a
field's scores depend on its frames and its target only (scoring/_fields.py), and the merge puts the fields
back in their original order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from microsr_bench.cli import main
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.scoring import score_predictions


def _without_times(result_set: dict[str, Any]) -> dict[str, Any]:
    """The result set less what names the run rather than the numbers: its time and its CSV's file name."""
    records = [{k: v for k, v in r.items() if k not in ("created", "per_image_file")} for r in result_set["records"]]
    return {**result_set, "records": records}


def test_two_workers_equal_one_worker_bit_for_bit(bench, write):
    folder = write("bicubic")  # bicubic predictions: every score differs from frame to frame
    one = score_predictions(folder, bench=bench, n_boot=200, progress=False, workers=1)
    two = score_predictions(folder, bench=bench, n_boot=200, progress=False, workers=2)
    assert two.per_image == one.per_image
    assert _without_times(two.result_set()) == _without_times(one.result_set())
    assert len({r["hr_id"] for r in one.per_image}) > 2  # more fields than workers: both got work


@pytest.mark.parametrize("workers", [0, -1, True, 1.5])
def test_workers_must_be_a_positive_count(bench, write, workers):
    with pytest.raises(InvalidArgumentError, match=r"workers must be a positive number of processes .*got"):
        score_predictions(write("perfect"), bench=bench, progress=False, workers=workers)


def test_torchrun_two_ranks_write_the_single_process_record(bench, write, tmp_path: Path):
    folder = write("bicubic")
    cache = str(bench.prepared["MITO"].root.parents[2])
    args = ["score", str(folder), "--protocol", "paired", "--source", "simulated", "--cache-dir", cache]
    args += ["--quiet", "--n-boot", "200"]
    single = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "single.json")])
    assert single.exit_code == 0, single.output
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # torch.distributed.run is what the torchrun script runs; calling it by module needs no PATH entry.
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "microsr_bench.cli",
        *args,
    ]
    done = subprocess.run(
        [*command, "--out", str(tmp_path / "ranks.json"), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("wrote ") == 1  # rank 0 alone writes and reports
    ranks = _without_times(json.loads((tmp_path / "ranks.json").read_text()))
    reference = _without_times(json.loads((tmp_path / "single.json").read_text()))
    differing = [
        (k, a[k], b.get(k))
        for a, b in zip(ranks["records"], reference["records"], strict=True)
        for k in a
        if a[k] != b.get(k)
    ]
    assert not differing
    assert ranks == reference
    assert (tmp_path / "ranks.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()
