"""The simulated source: the embedded default data, generated on this machine from the physics model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from microsr_bench._notices import announce
from microsr_bench.data._simpool import simulate_in_workers
from microsr_bench.data._simworker import Job, simulate_one
from microsr_bench.data.cache import CacheWriter, PreparedDataset, estimated_bytes
from microsr_bench.data.cards import get_card
from microsr_bench.data.profiles import DataProfile
from microsr_bench.data.splits import assign_splits
from microsr_bench.diskspace import disk_full_as_error

#: Seconds to simulate one field on one core: a fixed part plus a part per LR frame, for simulator 2.0. Measured
#: with ``OMP_NUM_THREADS=1 python benchmarks/simulation_estimate.py`` (CPU time of 10- and 100-frame fields; the
#: largest dataset's line, 2026-12-03: 1.10 s + 0.0152 s per frame) and rounded up. The writer's encoding and
#: hashing run in the parent alongside. Only used to tell the user before generation how long it will take;
#: the progress bar shows the real rate.
_SECONDS_PER_FIELD = 1.2
_SECONDS_PER_FRAME = 0.016
#: Starting the worker interpreters (importing NumPy, SciPy and the simulator): 2-3 s measured here.
_WORKER_START_SECONDS = 3.0


def simulated_hr_id(hr_index: int) -> str:
    """HR ids of the simulated data: ``f0000``, ``f0001``, ..."""
    return f"f{hr_index:04d}"


def simulated_source_key(profile: DataProfile) -> str:
    """Cache sub-folder of a simulated size; includes the simulator version so a new model never reuses old data."""
    from microsr_bench.simulate import SIMULATOR_VERSION

    return f"simulated/{profile.name}-sim{SIMULATOR_VERSION}"


def _workers(n_fields: int, workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    return max(1, min(os.cpu_count() or 1, n_fields))


def _fields(
    dataset: str, profile: DataProfile, n_fields: int, workers: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    jobs: list[Job] = [(dataset, i, profile.hr_shape, profile.lr_shape, profile.frames_per_hr) for i in range(n_fields)]
    if workers == 1:
        return map(simulate_one, jobs)
    # Worker interpreters, not multiprocessing: see _simpool for why (no re-import of the caller's __main__).
    return simulate_in_workers(jobs, workers)


def generation_estimate(dataset: str, profile: DataProfile, workers: int | None = None) -> tuple[int, float]:
    """About how many bytes and seconds generating one simulated sub-dataset takes on this machine."""
    n_fields = profile.hr_images(dataset).total
    shapes = {"hr_shape": profile.hr_shape, "lr_shape": profile.lr_shape}
    nbytes = estimated_bytes(n_fields, **shapes, frames=profile.frames_per_hr)
    per_field = _SECONDS_PER_FIELD + _SECONDS_PER_FRAME * profile.frames_per_hr
    if profile.lr_shape != (256, 256):  # smaller test sizes: time scales with the pixel count
        per_field *= profile.lr_shape[0] * profile.lr_shape[1] / 256**2
    n_workers = _workers(n_fields, workers)
    start = _WORKER_START_SECONDS if n_workers > 1 else 0.0
    return nbytes, start + n_fields * per_field / n_workers


def build_simulated(
    dataset: str, profile: DataProfile, target: Path, *, workers: int | None = None, progress: bool = True
) -> PreparedDataset:
    """Generate one simulated sub-dataset of the given size into ``target`` (atomically).

    Announces what it generates, how much and about how long (a :class:`DataGenerationNotice`) before it
    starts. A full disk raises :class:`~microsr_bench.errors.DiskFullError` and a dying worker process
    :class:`~microsr_bench.errors.WorkerError`; in both cases nothing of the partial build is kept.
    """
    from microsr_bench.simulate import SIMULATOR_VERSION

    card = get_card(dataset)
    counts = profile.hr_images(dataset)
    hr_ids = [simulated_hr_id(i) for i in range(counts.total)]
    splits = assign_splits(dataset, hr_ids, counts)
    source = {
        "kind": "simulated",
        "size": profile.name,
        "simulator_version": SIMULATOR_VERSION,
        "motion": card.motion,
    }
    n_workers = _workers(counts.total, workers)
    nbytes, seconds = generation_estimate(dataset, profile, n_workers)
    what = f"the simulated {dataset} data (size {profile.name})"
    announce(
        f"Generating {what}, {counts.total} fields x {profile.frames_per_hr} frames, in {n_workers} process(es)",
        target.parent.absolute(),
        nbytes=nbytes,
        seconds=seconds,
        stacklevel=2,
    )
    with (
        disk_full_as_error(what, target.parent, needed=nbytes),
        CacheWriter(
            target,
            dataset=dataset,
            splits=splits,
            lr_shape=profile.lr_shape,
            hr_shape=profile.hr_shape,
            frames_per_hr=profile.frames_per_hr,
            max_value=card.max_value,
            source=source,
            canonical=profile.canonical,
        ) as writer,
    ):
        fields = _fields(dataset, profile, counts.total, n_workers)
        bar = tqdm(fields, total=counts.total, desc=f"simulating {dataset} ({profile.name})", disable=not progress)
        try:
            for hr_index, hr, lr in bar:
                writer.add_field(simulated_hr_id(hr_index), hr, list(lr))
        finally:
            bar.close()
            close = getattr(fields, "close", None)
            if close is not None:
                close()  # stops the worker processes now, not when the generator is garbage-collected
        return writer.commit()
