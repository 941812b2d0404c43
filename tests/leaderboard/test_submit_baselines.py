"""tools/submit_baselines.py: every baseline on the board has its metadata, and ``extra_data`` tells the truth."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from microsr_bench.scoring.lineage import uses_extra_data

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("submit_baselines", ROOT / "tools" / "submit_baselines.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tool_metadata() -> dict[str, dict[str, Any]]:
    metadata: dict[str, dict[str, Any]] = _tool().METADATA
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
        name = _tool().metadata_key(record)
        assert name in metadata, f"{path.name}: no METADATA for {name!r} in tools/submit_baselines.py"
        assert submission["description"] == metadata[name]["description"], path.name
        # Published initial weights (pre-training on natural images) are outside data; the tool must say so
        # itself, not only through the board's reading of the lineage.
        assert submission["extra_data"] == uses_extra_data(record.get("lineage") or []), path.name


def test_pretrained_baseline_is_marked_as_using_extra_data() -> None:
    x4plus = _tool_metadata()["realesrgan-x4plus"]
    assert x4plus["extra_data"] is True
    assert "natural images" in x4plus["training_data"]


def test_a_budget_with_its_own_metadata_is_kept_apart() -> None:
    tool = _tool()
    record = {"method": {"name": "resrgan-b", "parameters": {"budget": "short"}}}
    assert tool.metadata_key(record) == "resrgan-b@short"
    assert tool.METADATA["resrgan-b@short"]["extra_data"] is True  # started from weights trained on natural images
    record["method"]["parameters"]["budget"] = "cpu"
    assert tool.metadata_key(record) == "resrgan-b"
    assert tool.metadata_key({"method": {"name": "frame-average-k4", "parameters": {}}}) == "frame-average"
