"""``realism_report``: the realism report of one split of any source, read through ``load_benchmark``.

LR bursts come from the paired rows, HR images from the HR view, never from the simulator, so the same numbers
come out of simulated, folder and hub data and can be put side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.realism.report import build_report

if TYPE_CHECKING:
    import datasets

__all__ = ["realism_report"]


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
