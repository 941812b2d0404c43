"""Worker for generating simulated fields in child processes (imports nothing heavy)."""

from __future__ import annotations

import numpy as np


def simulate_one(args: tuple[str, int, tuple[int, int], tuple[int, int], int]) -> tuple[int, np.ndarray, np.ndarray]:
    from microsr_bench.simulate import simulate_field

    dataset, hr_index, hr_shape, lr_shape, frames = args
    field = simulate_field(dataset, hr_index, hr_shape=hr_shape, lr_shape=lr_shape, frames=frames)
    return hr_index, field.hr, field.lr
