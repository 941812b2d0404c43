"""Runs a per-image function over a batch on a few worker threads, each with its own scratch buffers."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch

#: Per-thread scratch space handed to the per-image function (e.g. filter plans keyed by image shape).
Scratch = dict[Any, Any]


def worker_count(n_images: int) -> int:
    """Threads to use: one per image, at most the CPUs this process may run on and ``torch.get_num_threads()``.

    ``torch.set_num_threads`` is the knob users already have for the CPU use of torch-based code, so the
    metrics honour it too.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(n_images, cpus, torch.get_num_threads()))


def map_images(fn: Callable[[int, Scratch], float], n_images: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """``[fn(i, scratch) for i in range(n_images)]`` as float64, images spread over worker threads.

    Why threads and not one multi-threaded operation per step: NumPy releases the GIL in its loops and
    BLAS calls, and so does the compiled SSIM kernel, so whole images run in parallel with no barrier
    between steps; when other processes share the CPU, a stalled thread then delays only its own image
    instead of every step of all of them. Each thread keeps its own ``scratch`` so buffers are reused image after image.
    """
    out = np.empty(n_images, dtype=np.float64)
    workers = worker_count(n_images)
    if workers == 1:
        scratch: Scratch = {}
        for i in range(n_images):
            out[i] = fn(i, scratch)
        return out
    local = threading.local()

    def run(i: int) -> None:
        if not hasattr(local, "scratch"):
            local.scratch = {}
        out[i] = fn(i, local.scratch)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="microsr-metrics") as pool:
        for _ in pool.map(run, range(n_images)):  # iterating re-raises the first error of a worker
            pass
    return out
