"""Compiled pixel-wise steps of the scorer's hot path, each one pass with the bits of its NumPy formula.

NumPy evaluates ``clip(rint(x * peak), 0, peak)`` and ``square(x - y)`` as one pass per operation over
the whole image, each writing a full-size array; these kernels do all the operations of a pixel at once.
Every operation is the same IEEE double operation in the same order (:mod:`._compile`), so the results
are equal bit for bit (``tests/metrics/test_pixelwise.py``). Sums stay NumPy's (pairwise summation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microsr_bench.metrics._compile import compiled

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _quantize_flat(values: FloatArray, peak: float, out: FloatArray) -> None:
    for i in range(values.shape[0]):
        level = np.rint(values[i] * peak)
        out[i] = min(max(level, 0.0), peak)


def _squared_difference_flat(x: FloatArray, y: FloatArray, out: FloatArray) -> None:
    for i in range(x.shape[0]):
        d = x[i] - y[i]
        out[i] = d * d


def quantize(image: FloatArray, peak: float) -> FloatArray:
    """``clip(rint(image * peak), 0, peak)`` as a new C-contiguous float64 array (finite input)."""
    values = np.ascontiguousarray(image, dtype=np.float64)
    out = np.empty(values.shape)
    compiled(_quantize_flat)(values.reshape(-1), float(peak), out.reshape(-1))
    return out


def squared_difference(x: FloatArray, y: FloatArray, out: FloatArray) -> FloatArray:
    """``(x - y) ** 2`` written into ``out`` (C-contiguous float64 of the same shape), returned."""
    xs = np.ascontiguousarray(x, dtype=np.float64)
    ys = np.ascontiguousarray(y, dtype=np.float64)
    compiled(_squared_difference_flat)(xs.reshape(-1), ys.reshape(-1), out.reshape(-1))
    return out
