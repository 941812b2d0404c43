"""Result records: building them, their JSON Schema, validation, and atomic writing with a per-image CSV."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from microsr_bench._imageio import atomic_write_text
from microsr_bench.errors import RecordError

#: 1.1: ``ci95`` became the Student-t interval (1.0's percentile bootstrap moved to ``ci95_boot``) and
#: records carry ``field_means``; 1.0 records stay valid (see :mod:`microsr_bench.scoring.summaries`).
SCHEMA_VERSION = "1.1"
RECORD_TYPE = "microsr-bench-result"
SET_TYPE = "microsr-bench-result-set"


@cache
def load_schema(name: str = "result-record") -> dict[str, Any]:
    """The shipped JSON Schema ``result-record`` or ``result-set``."""
    text = resources.files("microsr_bench.scoring").joinpath(f"schemas/{name}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validator(name: str) -> Any:
    import jsonschema
    from referencing import Registry, Resource

    record = load_schema("result-record")
    registry = Registry().with_resource(record["$id"], Resource.from_contents(record))
    registry = registry.with_resource("result-record-1.json", Resource.from_contents(record))
    return jsonschema.Draft202012Validator(
        load_schema(name), registry=registry, format_checker=jsonschema.FormatChecker()
    )


def json_safe(value: Any) -> Any:
    """Replace NaN and infinities (not allowed in JSON) with None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return json_safe(value.item())
    return value


def _range_problems(record: Mapping[str, Any], where: str) -> list[str]:
    from microsr_bench.metrics import get_metric_info

    problems = []
    groups = dict(record.get("metrics", {}))
    groups["no_reference"] = record.get("no_reference", {})
    for recipe, metrics in groups.items():
        for metric, summary in metrics.items():
            try:
                info = get_metric_info(metric)
            except LookupError:
                problems.append(f"{where}: unknown metric {metric!r} under {recipe!r}")
                continue
            mean = summary.get("mean")
            if mean is not None and not info.lower <= mean <= info.upper:
                problems.append(f"{where}: {recipe}/{metric} mean {mean} outside [{info.lower}, {info.upper}]")
            low, high = summary.get("ci95", [None, None])
            if None not in (low, high, mean) and not low <= mean <= high:
                problems.append(f"{where}: {recipe}/{metric} interval {low}..{high} does not contain the mean {mean}")
            if summary.get("n_groups", 0) > summary.get("n_images", 0):
                problems.append(f"{where}: {recipe}/{metric} has more HR groups than images")
    return problems


def validate_record(record: Mapping[str, Any], *, where: str = "record") -> None:
    """Check a record against the schema and the metric registry's ranges; list every problem."""
    problems = [
        f"{where}: {'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
        for e in sorted(_validator("result-record").iter_errors(record), key=lambda e: list(e.absolute_path))
    ]
    if not problems:
        problems = _range_problems(record, where)
    if problems:
        raise RecordError(f"{where} is not a valid result record (schema {SCHEMA_VERSION})", problems)


def validate_result_set(result: Mapping[str, Any], *, where: str = "result set") -> None:
    problems = [
        f"{where}: {'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
        for e in sorted(_validator("result-set").iter_errors(result), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        raise RecordError(f"{where} is not a valid result set (schema {SCHEMA_VERSION})", problems)
    for k, record in enumerate(result["records"]):
        validate_record(record, where=f"{where} record {k}")


def environment() -> dict[str, Any]:
    """Software and machine facts that can matter for reproducing a number."""
    import numpy
    import torch

    from microsr_bench._version import __version__

    return {
        "microsr_bench": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": numpy.__version__,
        "torch": torch.__version__,
    }


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write_result(
    out: Path, records: list[dict[str, Any]], macro: dict[str, Any] | None, per_image: Iterable[Mapping[str, Any]]
) -> tuple[Path, Path]:
    """Validate, then write the result set (JSON) and the per-image scores (CSV beside it), each atomically."""
    csv_path = out.with_suffix(".csv")
    for record in records:
        record["per_image_file"] = csv_path.name
    result = json_safe(
        {"schema_version": SCHEMA_VERSION, "record_type": SET_TYPE, "records": records, "macro_average": macro}
    )
    validate_result_set(result, where=str(out))
    rows = list(per_image)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(csv_path, buffer.getvalue())
    atomic_write_text(out, json.dumps(result, indent=2, allow_nan=False) + "\n")
    return out, csv_path


def read_result(path: Path) -> dict[str, Any]:
    """Read and validate a result set or a single record (wrapped as a set of one)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RecordError(f"{path}: cannot be read as JSON ({exc}).") from exc
    if isinstance(data, dict) and data.get("record_type") == RECORD_TYPE:
        validate_record(data, where=str(path))
        return {"schema_version": SCHEMA_VERSION, "record_type": SET_TYPE, "records": [data], "macro_average": None}
    validate_result_set(data, where=str(path))
    result: dict[str, Any] = data
    return result
