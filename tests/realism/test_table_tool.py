"""tools/realism_table.py: the docs table of realism reports, run as the maintainer runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from microsr_bench.realism import REALISM_FORMAT, write_report

ROOT = Path(__file__).resolve().parents[2]


def _report(dataset: str, gain: float, sd: float | None) -> dict:
    stat = {"mean": gain, "sd": sd, "median": gain, "min": gain, "max": gain, "n": 2}
    field = dict.fromkeys(("lr_gain", "lr_offset", "line_shift", "frame_drift", "hr_lr_shift"))
    return {
        "format": REALISM_FORMAT,
        "version": "0",
        "dataset": dataset,
        "source": "simulated (full)",
        "split": "test",
        "fingerprint": "sha256:0",
        "max_value": 4095,
        "fields": {"f0000": field, "f0001": field},
        "summary": {
            "fields": 2,
            "lr_gain": stat,
            "hr_lr_scale": {**stat, "mean": 1.002, "sd": 0.0015},
            "hr_lr_shift": [0.5, -1.25],
        },
    }


def test_table_has_one_row_per_report(tmp_path: Path) -> None:
    a = write_report(_report("MITO", 41.25, 1.5), tmp_path / "MITO", figure=False)
    b = write_report(_report("NUC", 30.0, None), tmp_path / "NUC", figure=False)
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "realism_table.py"), str(a), str(b.parent)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(out) == 4 and out[0].startswith("| dataset | source | fields | gain (grey/e-)")
    mito = out[2].split(" | ")
    assert mito[0] == "| MITO" and mito[3] == "41.2 ± 1.5" and "+0.500, -1.250 |" in out[2]
    assert "| +0.20 ± 0.15 |" in out[2]  # scale shown as a deviation from 1, in per cent
    assert out[3].split(" | ")[3] == "30.0" and " – " in out[3]  # no spread from one value; unmeasured: a dash
