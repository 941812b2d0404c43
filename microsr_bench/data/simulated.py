"""The simulated source: the embedded default data, generated on this machine from the physics model."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from microsr_bench.data._simworker import simulate_one
from microsr_bench.data.cache import CacheWriter, PreparedDataset
from microsr_bench.data.cards import get_card
from microsr_bench.data.profiles import DataProfile
from microsr_bench.data.splits import assign_splits


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
    jobs = [(dataset, i, profile.hr_shape, profile.lr_shape, profile.frames_per_hr) for i in range(n_fields)]
    if workers == 1:
        yield from map(simulate_one, jobs)
        return
    # spawn, not fork: the parent may hold Arrow/torch threads, which fork can deadlock.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        yield from pool.imap(simulate_one, jobs)


def build_simulated(
    dataset: str, profile: DataProfile, target: Path, *, workers: int | None = None, progress: bool = True
) -> PreparedDataset:
    """Generate one simulated sub-dataset of the given size into ``target`` (atomically)."""
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
    with CacheWriter(
        target,
        dataset=dataset,
        splits=splits,
        lr_shape=profile.lr_shape,
        hr_shape=profile.hr_shape,
        frames_per_hr=profile.frames_per_hr,
        max_value=card.max_value,
        source=source,
        canonical=profile.canonical,
    ) as writer:
        fields = _fields(dataset, profile, counts.total, _workers(counts.total, workers))
        bar = tqdm(fields, total=counts.total, desc=f"simulating {dataset} ({profile.name})", disable=not progress)
        for hr_index, hr, lr in bar:
            writer.add_field(simulated_hr_id(hr_index), hr, list(lr))
        return writer.commit()
