"""tools/training_curves.py: a longer run's figure sits beside the budget's curve instead of replacing it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("training_curves", ROOT / "tools" / "training_curves.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_budget_curve_and_longer_run_have_different_names() -> None:
    tool = _tool()
    assert tool.figure_stem("resrgan-s", "MITO", "full", None) == "curve_resrgan-s_MITO_full"
    assert tool.figure_stem("resrgan-s", "MITO", "full", 1200) == "curve_resrgan-s_MITO_full_1200it"
    assert tool.figure_stem("resrgan-b", "MITO", "full", None, "short") == "curve_resrgan-b_MITO_full_short"


def test_every_committed_curve_is_a_name_the_tool_writes() -> None:
    tool = _tool()
    import json

    for path in sorted((ROOT / "docs" / "figures").glob("curve_*.json")):
        data = json.loads(path.read_text())
        stem = tool.figure_stem(data["method"], data["dataset"], data["size"], data.get("iterations"), data["budget"])
        assert path.stem == stem, f"{path.name} was not written by tools/training_curves.py under that name"
        assert (path.parent / f"{stem}.png").is_file(), f"{stem}.png missing beside {path.name}"


def test_record_mode_takes_the_training_time_of_the_matching_record(tmp_path: Path) -> None:
    import json

    import pytest

    tool = _tool()
    record = {
        "method": {"name": "resrgan-b", "parameters": {"budget": "short", "fit_seconds": 1234.5}},
        "dataset": {"name": "MITO"},
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"records": [record]}))
    assert tool.record_fit_seconds(path, "resrgan-b", "MITO", "short") == 1234.5
    with pytest.raises(SystemExit, match="not \\(resrgan-b, NUC, short\\)"):
        tool.record_fit_seconds(path, "resrgan-b", "NUC", "short")
    del record["method"]["parameters"]["fit_seconds"]
    path.write_text(json.dumps(record))
    with pytest.raises(SystemExit, match="has no fit_seconds"):
        tool.record_fit_seconds(path, "resrgan-b", "MITO", "short")
