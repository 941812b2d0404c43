"""tools/entry_costs.py: the committed cost table is the tool's output for the committed entries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_committed_cost_table_is_up_to_date_and_adds_up(tmp_path: Path) -> None:
    out = tmp_path / "costs.md"
    subprocess.run([sys.executable, str(ROOT / "tools" / "entry_costs.py"), "--out", str(out)], check=True)
    committed = ROOT / "docs" / "figures" / "entry_costs_simulated.md"
    assert out.read_text() == committed.read_text(), "run `python tools/entry_costs.py` after changing entries"
    entries = sorted((ROOT / "leaderboard" / "entries" / "simulated").glob("*.json"))
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == len(entries)
    # One classical row recomputed by hand from its record: forward seconds x images x cores / 3600.
    record = json.loads((ROOT / "leaderboard/entries/simulated/bicubic--1.0--paired--MITO--full.json").read_text())
    record = record["record"]
    hours = record["runtime"]["seconds_per_image"] * record["n_images"] * record["environment"]["cpu_count"] / 3600
    (row,) = [r for r in rows if r.startswith("| bicubic | paired | MITO | full |")]
    assert row.split("|")[-3].strip() == f"{hours:.3f}" and row.split("|")[-2].strip() == "0.000"
    # A record made on a GPU counts in GPU hours (one GPU, forward seconds x images / 3600), not in CPU hours.
    gpu_entries = [json.loads(e.read_text())["record"] for e in entries]
    gpu_entries = [r for r in gpu_entries if r["runtime"]["device"].startswith("cuda")]
    assert gpu_entries, "the board holds the GPU runs of realesrgan-x4plus (tools/gpu_board.sh)"
    for record in gpu_entries:
        hours = record["runtime"]["seconds_per_image"] * record["n_images"] / 3600
        prefix = f"| {record['method']['name']} | paired | {record['dataset']['name']} | full |"
        (row,) = [r for r in rows if r.startswith(prefix)]
        cells = [c.strip() for c in row.split("|")]
        assert cells[-4] == record["runtime"]["device_name"] and cells[-3] == "0.000" and cells[-2] == f"{hours:.3f}"
