"""Reading a record's summaries across schema versions: the primary 95 % interval and the per-field means.

The rule for old records: schema 1.0 stored the percentile bootstrap as ``ci95`` (about 75 % coverage with
3 fields) and the Student-t interval as ``ci95_t``. Readers (the leaderboard, ``compare``) take ``ci95_t``
of a 1.0 record as its interval and never its ``ci95``; a 1.0 summary without ``ci95_t`` has no interval.
From schema 1.1 on, ``ci95`` is the Student-t interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["primary_interval", "record_field_means"]


def primary_interval(summary: Mapping[str, Any], schema_version: str) -> tuple[float, float] | None:
    """The interval to show and rank with, or ``None`` when the record has no usable one."""
    key = "ci95_t" if schema_version == "1.0" else "ci95"
    bounds = summary.get(key)
    if not bounds or bounds[0] is None or bounds[1] is None:
        return None
    return float(bounds[0]), float(bounds[1])


def record_field_means(record: Mapping[str, Any], group: str, metric: str) -> dict[str, float] | None:
    """``{hr_id: mean}`` of one ``group`` (recipe or ``no_reference``) and metric, or ``None`` if not stored."""
    means = (record.get("field_means") or {}).get(group, {}).get(metric)
    return {str(k): float(v) for k, v in means.items()} if means else None
