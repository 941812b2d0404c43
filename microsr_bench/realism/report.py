"""The realism report of a dataset: per-field measurements, per-dataset aggregates, ``realism.json`` on disk.

This module reads and writes reports and never loads data, so the physics degradation can take its numbers
from a report without reaching the data sources (:mod:`.source` loads benchmarks for :func:`realism_report`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench._version import __version__
from microsr_bench.errors import ConfigError, InvalidArgumentError, NotFoundError
from microsr_bench.imageio import atomic_write_text
from microsr_bench.realism.field import SCALAR_KEYS, measure_field

__all__ = [
    "REALISM_FORMAT",
    "REQUIRED_FIELD_KEYS",
    "build_report",
    "load_report",
    "validate_report",
    "write_report",
]

#: Tag and version of ``realism.json``; a file with another tag is refused by :func:`load_report`.
REALISM_FORMAT = "microsr-bench/realism/1"
#: Keys every field of a report has (``None`` where the data could not give the number; see its ``notes``).
REQUIRED_FIELD_KEYS = ("lr_gain", "lr_offset", "line_shift", "frame_drift", "hr_lr_shift")
#: Per-field vectors whose element-wise mean the summary also gives.
VECTOR_KEYS = ("frame_drift", "hr_lr_shift", "line_shift_segments", "fast_axis_autocorr", "hr_spectrum", "lr_spectrum")


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: those become ``None``."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def summarise(fields: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Per statistic over fields: ``{mean, sd, median, min, max, n}`` (``None``s left out), vectors averaged."""
    out: dict[str, Any] = {"fields": len(fields)}
    for key in SCALAR_KEYS:
        values = np.array([f[key] for f in fields.values() if isinstance(f.get(key), (int, float))], dtype=float)
        if values.size:
            out[key] = {
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)) if values.size > 1 else None,
                "median": float(np.median(values)),
                "min": float(values.min()),
                "max": float(values.max()),
                "n": int(values.size),
            }
    for key in VECTOR_KEYS:
        rows = [f[key] for f in fields.values() if isinstance(f.get(key), list)]
        if rows and len({len(r) for r in rows}) == 1:
            out[key] = np.mean(np.array(rows, dtype=float), axis=0).tolist()
    first = next(iter(fields.values()), {})
    if isinstance(first.get("spectrum_freq"), list):
        out["spectrum_freq"] = first["spectrum_freq"]
    return out


def build_report(
    fields: Iterable[tuple[str, NDArray[Any], NDArray[Any]]],
    *,
    max_value: int,
    dataset: str,
    source: str,
    fingerprint: str | None = None,
    split: str | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """The report of ``(hr_id, LR burst [F, h, w], HR image [2h, 2w])`` triples of one dataset."""
    from tqdm.auto import tqdm

    measured = {
        hr_id: measure_field(stack, hr, max_value)
        for hr_id, stack, hr in tqdm(list(fields), desc=f"realism {dataset}", disable=not progress)
    }
    if not measured:
        raise InvalidArgumentError(f"no fields to measure for {dataset}; give at least one (hr_id, stack, hr).")
    report = {
        "format": REALISM_FORMAT,
        "version": __version__,
        "dataset": dataset,
        "source": source,
        "split": split,
        "fingerprint": fingerprint,
        "max_value": int(max_value),
        "fields": measured,
        "summary": summarise(measured),
    }
    return _finite(report)


def write_report(report: Mapping[str, Any], out_dir: str | Path, *, figure: bool = True) -> Path:
    """Write ``out_dir/realism.json`` (atomically) and, with ``figure``, ``out_dir/realism.png``."""
    validate_report(report, "report")
    folder = Path(out_dir)
    target = folder / "realism.json"
    atomic_write_text(target, json.dumps(_finite(dict(report)), indent=1, sort_keys=True, allow_nan=False) + "\n")
    if figure:
        from microsr_bench.realism.figure import render_report

        render_report(report, folder / "realism.png")
    return target


def validate_report(data: object, where: str = "report") -> None:
    """Check the format tag, the top-level keys and the required keys of every field; ConfigError if not."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be a JSON object (a realism report), got {type(data).__name__}.")
    if data.get("format") != REALISM_FORMAT:
        raise ConfigError(
            f"{where} is not a realism report of this version: format {data.get('format')!r}, expected "
            f"{REALISM_FORMAT!r}. Make it with `microsr-bench realism DATASET --out DIR`."
        )
    missing = [k for k in ("dataset", "source", "fingerprint", "version", "fields", "summary") if k not in data]
    if missing or not isinstance(data.get("fields"), Mapping) or not data["fields"]:
        raise ConfigError(f"{where} lacks {missing or ['fields']}; regenerate it with `microsr-bench realism`.")
    for hr_id, field in data["fields"].items():
        absent = [k for k in REQUIRED_FIELD_KEYS if k not in field]
        if absent:
            raise ConfigError(f"{where}: field {hr_id!r} lacks {absent}; regenerate it with `microsr-bench realism`.")


def load_report(path: str | Path) -> dict[str, Any]:
    """Read and check a ``realism.json`` (or the folder holding one)."""
    source = Path(path)
    if source.is_dir():
        source = source / "realism.json"
    if not source.is_file():
        raise NotFoundError(f"No realism report at {source}. Write one with `microsr-bench realism DATASET --out DIR`.")
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source} is not valid JSON ({exc}); write the report again.") from exc
    validate_report(data, str(source))
    return dict(data)
