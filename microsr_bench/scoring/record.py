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

from microsr_bench._version import __version__
from microsr_bench.data.info import BenchmarkInfo
from microsr_bench.errors import RecordError
from microsr_bench.scoring.provenance import MethodInfo, ProtocolInfo

#: 1.1: ``ci95`` became the Student-t interval (1.0's percentile bootstrap moved to ``ci95_boot``) and
#: records carry ``field_means``; 1.0 records stay valid (see :mod:`microsr_bench.scoring.summaries`).
#: 1.2: records carry the required ``lineage`` (:mod:`microsr_bench.scoring.lineage`; null when undeclared).
SCHEMA_VERSION = "1.2"
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


def build_record(
    name: str,
    info: BenchmarkInfo,
    summaries: dict[str, dict[str, Any]],
    n_fields: int,
    method: MethodInfo,
    protocol: ProtocolInfo,
    runtime: Mapping[str, Any],
    aggregation: dict[str, Any],
    set_metrics: Mapping[str, float],
    per_field: Mapping[str, Any],
) -> dict[str, Any]:
    """One sub-dataset's record from its metric summaries (``recipe/metric`` or no-reference columns)."""
    metrics: dict[str, dict[str, Any]] = {}
    no_reference: dict[str, Any] = {}
    for column, summary in summaries.items():
        if "/" in column:
            recipe, metric = column.split("/")
            metrics.setdefault(recipe, {})[metric] = summary
        else:
            no_reference[column] = summary
    n_images = next(iter(summaries.values()))["n_images"]
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "record_type": RECORD_TYPE,
        "library_version": __version__,
        "created": now_iso(),
        "method": {
            "name": method.name,
            "description": method.description,
            "version": method.version,
            "identity": method.identity,
            "parameters": dict(method.parameters),
            "initialisation": method.initialisation,
        },
        "protocol": {"name": protocol.name, "parameters": dict(protocol.parameters)},
        "lineage": None if method.lineage is None else [dict(entry) for entry in method.lineage],
        "dataset": {
            "name": name,
            "split": "test",
            "source": info.source,
            "size": info.size,
            "canonical": info.canonical,
            "fingerprint": info.fingerprint(name, "test"),
            "max_value": info.max_values[name],
            "source_details": info.source_details.get(name, {}),
        },
        "shots": info.shots,
        "fields": info.fields,
        "train_pairs": info.train_pairs.get(name),
        "n_images": n_images,
        "n_fields": n_fields,
        "metrics": metrics,
        "field_means": dict(per_field),
        "aggregation": aggregation,
        "runtime": {
            "seconds_per_image": runtime.get("seconds_per_image"),
            "device": runtime.get("device"),
            "device_name": runtime.get("device_name"),
            "what": runtime.get("what"),
        },
        "environment": environment(),
    }
    if no_reference:
        record["no_reference"] = no_reference
    if set_metrics:
        record["set_metrics"] = dict(set_metrics)
    return record


def write_result(
    out: Path,
    records: list[dict[str, Any]],
    macro: dict[str, Any] | None,
    per_image: Iterable[Mapping[str, Any]],
    *,
    overwrite: bool = False,
    pred_dir: Path | None = None,
) -> tuple[Path, Path]:
    """Validate, then write the result set (JSON) and the per-image scores (CSV beside it) as one atomic pair.

    ``out`` is a ``.json`` file or an existing folder; the rules (never inside ``pred_dir``, never over an
    existing result unless ``overwrite``, a full disk reported as such) are in ``scoring/output.py``.
    """
    from microsr_bench.scoring.output import result_paths, write_pair

    json_path, csv_path = result_paths(out, pred_dir)
    for record in records:
        record["per_image_file"] = csv_path.name
    result = json_safe(
        {"schema_version": SCHEMA_VERSION, "record_type": SET_TYPE, "records": records, "macro_average": macro}
    )
    validate_result_set(result, where=str(json_path))
    rows = list(per_image)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    write_pair(
        json_path,
        csv_path,
        json.dumps(result, indent=2, allow_nan=False) + "\n",
        buffer.getvalue(),
        overwrite=overwrite,
    )
    return json_path, csv_path


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
