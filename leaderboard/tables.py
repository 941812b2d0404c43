"""Ranked tables from entries: one per protocol x dataset x shots, sorted by the metric's direction, ties marked.

Definitions (also in docs/leaderboard.md):

- A value is the record's mean with its 95 % Student-t interval [low, high] over HR images (schema 1.1
  ``ci95``; for schema 1.0 records ``ci95_t``, never their percentile-bootstrap ``ci95``: see
  :mod:`microsr_bench.scoring.summaries`); tables print ``mean ± h`` with ``h = (high - low) / 2`` (the exact
  bounds are in the entry and the page's tooltips).
- Order: by the board's ranking metric (the paper's PSNR), best first as the metric registry's
  ``higher_is_better`` says; then by the paper's SSIM, then by method name. Missing values sort last.
- Tie with the leader: when both records carry per-field means of the ranking metric on the same fields,
  the paired sign-flip test (:mod:`microsr_bench.scoring.compare`) of entry minus leader does not reject
  at 5 % (``p >= 0.05``); otherwise (older records) the two 95 % intervals overlap (``low <= leader_high``
  and ``leader_low <= high``). Entries without either never tie.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from leaderboard.entries import PROTOCOLS, table_key
from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.scoring.summaries import primary_interval

__all__ = [
    "RANKING_METRIC",
    "SHOTS_ORDER",
    "RankedRow",
    "Row",
    "Value",
    "decimals",
    "format_value",
    "higher_is_better",
    "metric_columns",
    "metric_label",
    "rank_rows",
    "row_from_entry",
    "shots_title",
    "table_order",
]

#: The column every table is sorted by: the paper's PSNR (8-bit quantised, peak 255).
RANKING_METRIC = "paper/psnr"
#: Secondary sort key, the paper's other number.
SECOND_METRIC = "paper/ssim"
SHOTS_ORDER: tuple[str, ...] = ("200", "400", "800", "full", "none")
_GROUP_ORDER = ("paper", "float", "normalized", "no_reference", "set")
_METRIC_ORDER = ("psnr", "ssim", "ms_ssim", "nrmse", "niqe", "fid")
_NAMES = {"psnr": "PSNR", "ssim": "SSIM", "ms_ssim": "MS-SSIM", "nrmse": "NRMSE", "niqe": "NIQE", "fid": "FID"}
#: Decimals printed per metric: dB-scale and NIQE/FID values need fewer than the [0, 1] similarity indices.
_DECIMALS = {"psnr": 2, "niqe": 2, "fid": 2}


@dataclass(frozen=True)
class Value:
    """A mean and its 95 % interval (None where the record has none)."""

    mean: float | None
    low: float | None = None
    high: float | None = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    def overlaps(self, other: Value) -> bool:
        """True when both intervals are known and share at least one point."""
        if not (self.has_interval and other.has_interval):
            return False
        return self.low <= other.high and other.low <= self.high  # type: ignore[operator]


@dataclass(frozen=True)
class Row:
    """One entry flattened for a table: identity, marks, values keyed ``group/metric``, and its link."""

    board: str
    protocol: str
    dataset: str
    shots: str
    method: str
    version: str
    verified: bool
    extra_data: bool
    values: dict[str, Value]
    link: str
    setting: str = ""
    seconds_per_image: float | None = None
    info: dict[str, Any] = field(default_factory=dict)
    #: Per-field means (HR id -> mean) keyed ``group/metric``, where the record carries them.
    field_means: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Training seeds behind the values (a ``seed_spread`` record): values are then mean ± sd over seeds.
    seeds: int = 0


def _summary_value(summary: Mapping[str, Any], schema_version: str) -> Value:
    low, high = primary_interval(summary, schema_version) or (None, None)
    return Value(summary.get("mean"), low, high)


def _extra_data(record: Mapping[str, Any], submission: Mapping[str, Any]) -> bool:
    """The † mark: computed from the record's lineage (schema 1.2) or, for older records, the submitter's word.

    A submitter's ``extra_data: true`` is kept even when the lineage shows none (they may know of outside data
    the lineage cannot name); a lineage showing extra data marks the entry whatever the submitter said.
    """
    from microsr_bench.scoring.lineage import uses_extra_data

    lineage = record.get("lineage")
    return bool(submission["extra_data"]) or (lineage is not None and uses_extra_data(lineage))


def _setting(parameters: Mapping[str, Any]) -> str:
    items = [(k, v) for k, v in sorted(parameters.items()) if k != "shots" and v is not None]
    return ", ".join(f"{k}={v if isinstance(v, (str, int, float)) else json.dumps(v)}" for k, v in items)


def row_from_entry(entry: Mapping[str, Any], link: str) -> Row:
    """Flatten an entry: every recipe metric, no-reference metric and set metric becomes a column value."""
    record, sub = entry["record"], entry["submission"]
    version = record["schema_version"]
    values = {
        f"{recipe}/{metric}": _summary_value(summary, version)
        for recipe, metrics in record["metrics"].items()
        for metric, summary in metrics.items()
    }
    values |= {f"no_reference/{m}": _summary_value(s, version) for m, s in (record.get("no_reference") or {}).items()}
    values |= {f"set/{m}": Value(v) for m, v in (record.get("set_metrics") or {}).items()}
    spread = record.get("seed_spread")
    if spread:
        values |= _seed_values(spread)
    per_field = {
        f"{group}/{metric}": {str(k): float(v) for k, v in means.items()}
        for group, metrics in (record.get("field_means") or {}).items()
        for metric, means in metrics.items()
    }
    protocol, dataset, shots = table_key(entry)
    info = {k: sub.get(k) for k in ("description", "training_data", "hardware", "license", "code_url")}
    info |= {k: sub.get(k) for k in ("weights_url", "paper_url", "contact")}
    info |= {"submitted": entry["submitted"], "library_version": record["library_version"]}
    return Row(
        board=entry["board"],
        protocol=protocol,
        dataset=dataset,
        shots=shots,
        method=sub["method"],
        version=sub["version"],
        verified=entry["status"] == "verified",
        extra_data=_extra_data(record, sub),
        values=values,
        link=link,
        setting=_setting(record["protocol"]["parameters"]),
        seconds_per_image=sub.get("seconds_per_image"),
        info=info,
        field_means=per_field,
        seeds=len(spread["seeds"]) if spread else 0,
    )


def _seed_values(spread: Mapping[str, Any]) -> dict[str, Value]:
    """Mean ± sd over training seeds (``low``/``high`` = mean ∓ sd), what the board shows for seed repeats."""
    out = {}
    for group, metrics in spread["metrics"].items():
        for metric, s in metrics.items():
            mean, sd = s.get("mean"), s.get("sd")
            out[f"{group}/{metric}"] = Value(mean, mean - sd, mean + sd) if None not in (mean, sd) else Value(mean)
    return out


def _split_key(key: str) -> tuple[str, str]:
    group, _, metric = key.partition("/")
    return group, metric


def metric_columns(rows: Iterable[Row]) -> list[str]:
    """Every ``group/metric`` present in ``rows``: the paper's recipe first, PSNR before SSIM within a group."""
    keys = {k for row in rows for k in row.values}

    def order(key: str) -> tuple[int, int, str]:
        group, metric = _split_key(key)
        g = _GROUP_ORDER.index(group) if group in _GROUP_ORDER else len(_GROUP_ORDER)
        m = _METRIC_ORDER.index(metric) if metric in _METRIC_ORDER else len(_METRIC_ORDER)
        return g, m, key

    return sorted(keys, key=order)


def higher_is_better(key: str) -> bool:
    """The direction of a column's metric, from the metric registry."""
    from microsr_bench.metrics import get_metric_info

    return get_metric_info(_split_key(key)[1]).higher_is_better


def metric_label(key: str) -> str:
    """Header text, e.g. ``PSNR↑ paper (dB)``; the arrow says which way is better."""
    from microsr_bench.metrics import get_metric_info

    group, metric = _split_key(key)
    info = get_metric_info(metric)
    where = "" if group in ("no_reference", "set") else f" {group}"
    unit = f" ({info.unit})" if info.unit else ""
    return f"{_NAMES.get(metric, metric.upper())}{'↑' if info.higher_is_better else '↓'}{where}{unit}"


def decimals(key: str) -> int:
    return _DECIMALS.get(_split_key(key)[1], 4)


def format_value(value: Value | None, places: int) -> str:
    """``mean ± half-width`` of the interval, ``mean`` alone without one, ``–`` when missing."""
    if value is None or value.mean is None:
        return "–"
    if not math.isfinite(value.mean):
        return "∞" if value.mean > 0 else "-∞"
    if not value.has_interval:
        return f"{value.mean:.{places}f}"
    half = (value.high - value.low) / 2  # type: ignore[operator]
    return f"{value.mean:.{places}f} ± {half:.{places}f}"


@dataclass(frozen=True)
class RankedRow:
    """A row with its rank in its table and whether it ties with the leader on the ranking metric."""

    row: Row
    rank: int
    tie: bool


def _sort_value(row: Row, key: str, sign: float) -> float:
    value = row.values.get(key)
    return math.inf if value is None or value.mean is None else sign * value.mean


def rank_rows(rows: Sequence[Row], key: str = RANKING_METRIC) -> list[RankedRow]:
    """Sort best first by ``key`` (then the paper's SSIM, then name); equal means share a rank (1, 1, 3)."""
    sign = -1.0 if higher_is_better(key) else 1.0
    second = -1.0 if higher_is_better(SECOND_METRIC) else 1.0
    ordered = sorted(
        rows,
        key=lambda r: (
            _sort_value(r, key, sign),
            _sort_value(r, SECOND_METRIC, second),
            r.method.casefold(),
            r.version,
        ),
    )
    ranked: list[RankedRow] = []
    for position, row in enumerate(ordered, start=1):
        value = row.values.get(key, Value(None))
        before = ranked[-1] if ranked else None
        same = before is not None and before.row.values.get(key, Value(None)).mean == value.mean
        if before is not None and same and value.mean is not None:
            position = before.rank
        ranked.append(RankedRow(row, position, position > 1 and _ties(row, ordered[0], key)))
    return ranked


#: A paired difference with a sign-flip p-value at or above this is not called a difference (a tie).
TIE_ALPHA = 0.05


def _ties(row: Row, leader: Row, key: str) -> bool:
    """Paired sign-flip test over shared fields where both rows have field means; else interval overlap."""
    mine, theirs = row.field_means.get(key), leader.field_means.get(key)
    if mine and theirs and set(mine) == set(theirs):
        from microsr_bench.scoring.compare import sign_flip_p_value

        ids = sorted(mine)
        p_value, _, _ = sign_flip_p_value([mine[i] - theirs[i] for i in ids])
        return p_value >= TIE_ALPHA
    return row.values.get(key, Value(None)).overlaps(leader.values.get(key, Value(None)))


def table_order(keys: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """(protocol, dataset, shots) in reading order: protocols as listed, then Table I's datasets, then shots."""

    def order(key: tuple[str, str, str]) -> tuple[int, str, int, str, int, str]:
        protocol, dataset, shots = key
        base = protocol.split("(")[0]
        p = PROTOCOLS.index(base) if base in PROTOCOLS else len(PROTOCOLS)
        d = DATASET_NAMES.index(dataset) if dataset in DATASET_NAMES else len(DATASET_NAMES)
        s = SHOTS_ORDER.index(shots) if shots in SHOTS_ORDER else len(SHOTS_ORDER)
        return p, protocol, d, dataset, s, shots

    return sorted(set(keys), key=order)


def shots_title(protocol: str, shots: str) -> str:
    """How a table's shots read in a heading."""
    if shots == "none":
        return "no target training data"
    return "full training split" if shots == "full" else f"{shots} shots"
