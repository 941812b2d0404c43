"""Per-image scores of fields of view: in this process, in worker processes, or over ``torch.distributed`` ranks.

A field (one HR image and its frames) is the unit of work everywhere: its frames share the target, which
is read and prepared once, and every per-image score depends only on its own frame and that target. So a
field scores to the same bits wherever it runs, and merging the fields back in their original order gives
the single-process rows exactly (tests/scoring/test_shard.py checks both claims).
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from microsr_bench.errors import InvalidArgumentError

#: Frames scored together: bounds memory (each 512x512 frame is 2 MB in float64; one chunk is scored while
#: the next is read, so about 2 x CHUNK x 2 MB) while each chunk's fixed cost (each recipe's target
#: prepared and frame 0 checked through the public functions) stays a few % of its scoring.
CHUNK = 50

Row = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class FieldJob:
    """One field of view to score: where its target and its predictions are."""

    dataset: str
    hr_id: str
    hr_path: Path
    #: ``(frame id, prediction file)`` in id order.
    frames: tuple[tuple[str, Path], ...]
    shape: tuple[int, int]
    max_value: int


@dataclass(frozen=True)
class ScoreSpec:
    """What to compute for every frame."""

    recipes: tuple[str, ...]
    metrics: tuple[str, ...]
    crop_border: int = 0
    #: A NIQE model (picklable) or None for no NIQE.
    niqe_model: Any = None
    #: Per sub-dataset, the fitted MicroSSIM parameters (scoring/_micro.py); None: no MicroSSIM/MicroMS3IM.
    micro: Any = None


def _chunks(jobs: Sequence[FieldJob]) -> Iterator[tuple[FieldJob, list[str], np.ndarray, np.ndarray]]:
    """Yield (job, frame ids, predictions [B, H, W], target [H, W]) in chunks of at most CHUNK frames."""
    from microsr_bench.imageio import read_image
    from microsr_bench.scoring.format import read_prediction

    for job in jobs:
        target = read_image(job.hr_path).astype(np.float64) / job.max_value
        for start in range(0, len(job.frames), CHUNK):
            chunk = job.frames[start : start + CHUNK]
            preds = np.empty((len(chunk), *job.shape))
            for k, (_, path) in enumerate(chunk):
                read_prediction(path, shape=job.shape, max_value=job.max_value, out=preds[k])
            yield job, [i for i, _ in chunk], preds, target


def _prefetch(iterator: Iterator[Any]) -> Iterator[Any]:
    """Read the next chunk on a thread while the current one is scored (decoding overlaps the metrics)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(next, iterator, None)
        while True:
            item = future.result()
            if item is None:
                return
            future = pool.submit(next, iterator, None)
            yield item


def _score_chunk(job: FieldJob, ids: list[str], preds: np.ndarray, target: np.ndarray, spec: ScoreSpec) -> list[Row]:
    from microsr_bench.metrics import score_group

    scores = score_group(
        reference=target,
        predictions=preds,
        recipes=spec.recipes,  # type: ignore[arg-type]
        metrics=spec.metrics,  # type: ignore[arg-type]
        crop_border=spec.crop_border,
    )
    niqe_values = None
    if spec.niqe_model is not None:
        from microsr_bench.metrics import niqe

        niqe_values = np.asarray(niqe(preds, model=spec.niqe_model), dtype=np.float64)
    rows = []
    for k, frame_id in enumerate(ids):
        row: Row = {"dataset": job.dataset, "id": frame_id, "hr_id": job.hr_id}
        for recipe in spec.recipes:
            for metric in spec.metrics:
                row[f"{recipe}/{metric}"] = float(scores[recipe][metric][k])
        if niqe_values is not None:
            row["niqe"] = float(niqe_values[k])
        rows.append(row)
    if spec.micro is not None:
        _add_micro(rows, preds, target, spec.micro[job.dataset])
    return rows


def _add_micro(rows: list[Row], preds: np.ndarray, target: np.ndarray, fit: Any) -> None:
    """MicroSSIM and MicroMS3IM of each frame with its sub-dataset's fitted parameters (whole images)."""
    from microsr_bench.scoring._micro import MICRO_COLUMNS, micro_scorers

    scorers = micro_scorers(fit)
    for row, pred in zip(rows, preds, strict=True):
        for column, scorer in zip(MICRO_COLUMNS, scorers, strict=True):
            row[column] = float(scorer.score(target, pred))


def score_in_process(jobs: Sequence[FieldJob], spec: ScoreSpec, bar: Any = None) -> list[list[Row]]:
    """Rows of each job, in job order, scored here (the next chunk is read while one is scored)."""
    out: dict[int, list[Row]] = {id(job): [] for job in jobs}
    for job, ids, preds, target in _prefetch(_chunks(jobs)):
        out[id(job)] += _score_chunk(job, ids, preds, target, spec)
        if bar is not None:
            bar.update(len(ids))
    return [out[id(job)] for job in jobs]


def _init_worker(threads: int) -> None:
    import torch

    # The metrics use torch.get_num_threads() threads per process (metrics/_parallel.py): the processes
    # share the cores instead of each taking all of them.
    torch.set_num_threads(threads)


def _score_one(job: FieldJob, spec: ScoreSpec) -> list[Row]:
    return score_in_process([job], spec)[0]


def score_fields(jobs: Sequence[FieldJob], spec: ScoreSpec, *, workers: int = 1, bar: Any = None) -> list[list[Row]]:
    """Rows of each job, in job order, from ``workers`` processes (1: this process, reading ahead)."""
    check_workers(workers)
    if workers == 1 or len(jobs) <= 1:
        return score_in_process(jobs, spec, bar)
    return map_fields(_score_one, jobs, spec, workers=workers, bar=bar)


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of ``workers`` processes for several :func:`map_fields` passes (None for 1: this process).

    Workers are started with ``spawn`` (a forked copy of a process running torch threads can hang), which
    costs a torch import each: passes that follow one another share one pool.
    """
    check_workers(workers)
    if workers == 1:
        yield None
        return
    import torch

    threads = max(1, torch.get_num_threads() // workers)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(threads,)) as pool:
        yield pool


def map_fields(
    task: Callable[[FieldJob, Any], T],
    jobs: Sequence[FieldJob],
    payload: Any,
    *,
    workers: int = 1,
    bar: Any = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[T]:
    """``[task(job, payload) for job in jobs]``, in job order, from ``workers`` processes (1: this process).

    ``task`` must be a module-level function (it is pickled). Each field is a task, so fields of 100 frames
    balance over the workers as they finish. ``pool``: one from :func:`worker_pool` (else one is made here).
    """
    check_workers(workers)
    if pool is None and (workers == 1 or len(jobs) <= 1):
        out = []
        for job in jobs:
            out.append(task(job, payload))
            if bar is not None:
                bar.update(len(job.frames))
        return out
    if pool is None:
        with worker_pool(workers) as made:
            return map_fields(task, jobs, payload, workers=workers, bar=bar, pool=made)
    results: list[Any] = [None] * len(jobs)
    futures = {pool.submit(task, job, payload): k for k, job in enumerate(jobs)}
    for future in as_completed(futures):
        k = futures[future]
        results[k] = future.result()  # re-raises a worker's error here
        if bar is not None:
            bar.update(len(jobs[k].frames))
    return results


def check_workers(workers: object) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgumentError(
            f"workers must be a positive number of processes (1: score in this process), got {workers!r}."
        )


def distributed_world() -> tuple[int, int]:
    """``(rank, world_size)`` of an initialised ``torch.distributed`` group, else ``(0, 1)``."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def score_fields_distributed(
    jobs: Sequence[FieldJob], spec: ScoreSpec, *, workers: int = 1, bar: Any = None
) -> list[list[Row]]:
    """Like :func:`score_fields`, with the jobs shared out over the ranks of ``torch.distributed`` if it runs."""
    if distributed_world()[1] == 1:
        return score_fields(jobs, spec, workers=workers, bar=bar)
    return map_fields_distributed(_score_one, jobs, spec, workers=workers, bar=bar)


def map_fields_distributed(
    task: Callable[[FieldJob, Any], T],
    jobs: Sequence[FieldJob],
    payload: Any,
    *,
    workers: int = 1,
    bar: Any = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[T]:
    """Like :func:`map_fields`, with the jobs shared out over the ranks of ``torch.distributed`` if it runs.

    Rank ``r`` of ``w`` runs jobs ``r, r + w, ...``; the results are gathered to every rank and put back
    in job order, so every rank returns the single-process result (and rank 0 writes it).
    """
    rank, world = distributed_world()
    if world == 1:
        return map_fields(task, jobs, payload, workers=workers, bar=bar, pool=pool)
    import torch.distributed as dist

    keys = [(job.dataset, job.hr_id, len(job.frames)) for job in jobs]
    seen: list[Any] = [None] * world
    dist.all_gather_object(seen, keys)
    if any(other != keys for other in seen):
        raise InvalidArgumentError(
            f"rank {rank} of {world}: the ranks see different test fields ({len(keys)} here, "
            f"{[len(o) for o in seen]} per rank); every rank must score the same prediction folder against the same "
            "data (same --source, --size, --dataset)."
        )
    mine = list(range(rank, len(jobs), world))
    results = map_fields(task, [jobs[k] for k in mine], payload, workers=workers, bar=bar, pool=pool)
    gathered: list[Any] = [None] * world
    dist.all_gather_object(gathered, list(zip(mine, results, strict=True)))
    merged: list[Any] = [None] * len(jobs)
    for part in gathered:
        for k, result in part:
            merged[k] = result
    return merged
