"""Fast batching of benchmark rows for PyTorch: NumPy rows stacked and wrapped without copies.

``with_format("torch")`` works, but ``datasets`` converts each 16-bit image with ``torch.tensor``, which
costs several milliseconds per 512x512 image. For training loops, read rows in NumPy format and batch
them with :class:`PairCollator`, which stacks the arrays and wraps them with ``torch.from_numpy``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from microsr_bench.errors import InvalidArgumentError

IMAGE_COLUMNS = ("lr", "hr")


@dataclass(frozen=True)
class PairCollator:
    """``collate_fn`` for a ``DataLoader`` over rows in NumPy format.

    Images become ``[B, 1, H, W]`` tensors: float32 in [0, 1] when ``max_values`` (``bench.benchmark
    .max_values``) is given, else the stored uint16 values. Other columns are returned as lists.
    """

    max_values: Mapping[str, int] | None = None

    def __call__(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if not rows:
            raise InvalidArgumentError("PairCollator got an empty batch.")
        batch: dict[str, Any] = {}
        for key in rows[0]:
            values = [row[key] for row in rows]
            if key in IMAGE_COLUMNS:
                batch[key] = self._images(values, [str(row.get("dataset", "")) for row in rows], key)
            else:
                batch[key] = values
        return batch

    def _images(self, arrays: list[np.ndarray], names: list[str], key: str) -> torch.Tensor:
        if not all(isinstance(a, np.ndarray) for a in arrays):
            raise InvalidArgumentError(
                f"PairCollator needs rows in NumPy format; column {key!r} is not an array. "
                "Use dataset.with_format('numpy')."
            )
        stacked = torch.from_numpy(np.stack(arrays)[:, None])
        if self.max_values is None:
            return stacked
        if any(n not in self.max_values for n in names):
            raise InvalidArgumentError("PairCollator(max_values=...) needs the 'dataset' column to scale images.")
        scale = torch.tensor([float(self.max_values[n]) for n in names], dtype=torch.float32).view(-1, 1, 1, 1)
        return stacked.to(torch.float32) / scale
