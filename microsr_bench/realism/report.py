"""The realism report of a dataset: per-field measurements, per-dataset aggregates, ``realism.json`` on disk.

``realism_report`` reads any source through :func:`microsr_bench.load_benchmark` (LR bursts from the paired
rows, HR images from the HR view), never through the simulator, so the same numbers come out of simulated,
folder and hub data and can be put side by side.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench._imageio import atomic_write_text
from microsr_bench._version import __version__
from microsr_bench.errors import ConfigError, InvalidArgumentError, NotFoundError
from microsr_bench.realism.field import SCALAR_KEYS, measure_field

if TYPE_CHECKING:
    import datasets

__all__ = ["REALISM_FORMAT", "REQUIRED_FIELD_KEYS", "build_report", "load_report", "realism_report", "write_report"]

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


def _bursts(
    bench: Any, dataset: str, split: str, fields: int | None
) -> Iterable[tuple[str, NDArray[Any], NDArray[Any]]]:
    """(hr_id, burst in frame order, HR image) for the first ``fields`` fields of a split, in ``hr_id`` order."""
    table: datasets.Dataset = bench[split]
    hr_view = bench.hr_images(split)
    ids = [str(h) for h in hr_view["hr_id"]]
    order = sorted(range(len(ids)), key=ids.__getitem__)[:fields]
    rows_of: dict[str, list[tuple[int, int]]] = {}
    for i, (hr_id, frame) in enumerate(zip(table["hr_id"], table["frame"], strict=True)):
        rows_of.setdefault(str(hr_id), []).append((int(frame), i))
    for index in order:
        hr_id = ids[index]
        rows = [i for _, i in sorted(rows_of.get(hr_id, []))]
        if not rows:
            continue
        stack = np.asarray(table.select(rows).select_columns(["lr"]).with_format("numpy")[:]["lr"])
        hr = np.asarray(hr_view.select([index]).with_format("numpy")[0]["hr"])
        yield hr_id, stack, hr


def realism_report(
    dataset: str,
    *,
    source: str = "auto",
    size: str = "full",
    split: str = "test",
    fields: int | None = None,
    cache_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    hub_repo: str | None = None,
    revision: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Measure the realism statistics of one sub-dataset's split on any source (``docs/realism.md``).

    Args:
        dataset: ``MITO``, ``MPM``, ``MEM`` or ``NUC``.
        source, size, cache_dir, data_dir, hub_repo, revision: as for :func:`~microsr_bench.load_benchmark`.
        split: which split's fields to measure (each field: its whole LR burst and its HR image).
        fields: measure only the first ``fields`` fields in ``hr_id`` order (default all).
    """
    from microsr_bench.data import load_benchmark
    from microsr_bench.data.cards import SPLITS, get_card

    name = get_card(dataset).name
    if split not in SPLITS:
        raise InvalidArgumentError(f"split must be one of {', '.join(SPLITS)}, got {split!r}.")
    if fields is not None and (isinstance(fields, bool) or not isinstance(fields, int) or fields < 1):
        raise InvalidArgumentError(f"fields must be a positive int or None (all), got {fields!r}.")
    bench = load_benchmark(
        name,
        source=source,  # type: ignore[arg-type]
        size=size,  # type: ignore[arg-type]
        cache_dir=cache_dir,
        data_dir=data_dir,
        hub_repo=hub_repo,
        revision=revision,
        progress=progress,
    )
    info = bench.benchmark
    return build_report(
        _bursts(bench, name, split, fields),
        max_value=info.max_values[name],
        dataset=name,
        source=f"{info.source} ({info.size})" if info.source == "simulated" else info.source,
        fingerprint=info.fingerprint(name, split),
        split=split,
        progress=progress,
    )


def write_report(report: Mapping[str, Any], out_dir: str | Path, *, figure: bool = True) -> Path:
    """Write ``out_dir/realism.json`` (atomically) and, with ``figure``, ``out_dir/realism.png``."""
    _validate(report, "report")
    folder = Path(out_dir)
    target = folder / "realism.json"
    atomic_write_text(target, json.dumps(_finite(dict(report)), indent=1, sort_keys=True, allow_nan=False) + "\n")
    if figure:
        from microsr_bench.realism.figure import render_report

        render_report(report, folder / "realism.png")
    return target


def _validate(data: object, where: str) -> None:
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
    _validate(data, str(source))
    return dict(data)
