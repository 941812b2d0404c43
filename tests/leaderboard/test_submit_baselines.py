"""tools/submit_baselines.py: every baseline on the board has its metadata, and ``extra_data`` tells the truth."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from microsr_bench.scoring.lineage import uses_extra_data

ROOT = Path(__file__).resolve().parents[2]


def _tool_metadata() -> dict[str, dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("submit_baselines", ROOT / "tools" / "submit_baselines.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    metadata: dict[str, dict[str, Any]] = module.METADATA
    return metadata


def test_every_maintainer_entry_has_metadata_and_honest_extra_data() -> None:
    metadata = _tool_metadata()
    entries = sorted((ROOT / "leaderboard" / "entries" / "simulated").glob("*.json"))
    assert entries
    for path in entries:
        entry = json.loads(path.read_text())
        if entry["verification"]["by"] != "microsr-bench maintainers":
            continue
        submission, record = entry["submission"], entry["record"]
        name = "frame-average" if submission["method"].startswith("frame-average") else submission["method"]
        assert name in metadata, f"{path.name}: no METADATA for {name!r} in tools/submit_baselines.py"
        # Published initial weights (pre-training on natural images) are outside data; the tool must say so
        # itself, not only through the board's reading of the lineage.
        assert submission["extra_data"] == uses_extra_data(record.get("lineage") or []), path.name


def test_pretrained_baseline_is_marked_as_using_extra_data() -> None:
    x4plus = _tool_metadata()["realesrgan-x4plus"]
    assert x4plus["extra_data"] is True
    assert "natural images" in x4plus["training_data"]
