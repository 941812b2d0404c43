"""The compiled SSIM kernel: one pass over an image pair gives its mean SSIM and mean contrast-structure term.

Compiled by Numba (LLVM) on first use in a process (about a second; the machine code is cached on disk
next to this file when the folder is writable, else in Numba's user cache, and kept in memory only when
neither is; Numba itself is imported then, not with the metrics). Per output row of the valid region it

1. filters the four maps ``x``, ``y``, ``x^2 + y^2`` and ``x y`` down the columns with the 11 taps of the
   Gaussian (the products are formed on the fly, so no full-size square images are written);
2. filters those four rows along the row with the same taps;
3. evaluates SSIM and CS per pixel and adds them up.

Every operation is an IEEE double operation in a fixed order: no fast-math, no reassociation, no fused
multiply-add contraction (Numba leaves all three off unless asked). Vectorisation only runs the
element-wise loops several columns at a time, which does not change any result, and the sums are
sequential (Neumaier-compensated across rows). So the bits depend neither on the number of threads nor on
the CPU's vector width, unlike a BLAS product whose kernels differ between CPU generations. The row sums
are at most ``W - 10`` terms of magnitude at most 2, so their rounding stays far below 1e-12.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

_compiled: dict[str, Callable[..., Any]] = {}
_lock = threading.Lock()


def _kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """The compiled ``function`` (one of this module's kernels), made once per process."""
    name = function.__name__
    if name not in _compiled:
        with _lock:
            if name not in _compiled:
                import numba

                options: dict[str, Any] = {"nogil": True, "fastmath": False, "error_model": "numpy"}
                try:
                    kernel = numba.njit(cache=True, **options)(function)
                except RuntimeError:  # no writable cache folder anywhere: compile in memory, once per process
                    kernel = numba.njit(cache=False, **options)(function)
                _compiled[name] = kernel
    return _compiled[name]


def _downsample2_even(image: FloatArray) -> FloatArray:
    half_h, half_w = image.shape[0] // 2, image.shape[1] // 2
    out = np.empty((half_h, half_w))
    for i in range(half_h):
        top, bottom = image[2 * i], image[2 * i + 1]
        for j in range(half_w):
            out[i, j] = (top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1]) / 4.0
    return out


def _ssim_and_cs(x: FloatArray, y: FloatArray, w: FloatArray, c1: float, c2: float) -> tuple[float, float]:
    height, width = x.shape
    taps = w.shape[0]
    rows, cols = height - taps + 1, width - taps + 1
    bx, by, bs, bp = np.empty(width), np.empty(width), np.empty(width), np.empty(width)
    mx, my, ms, mp = np.empty(cols), np.empty(cols), np.empty(cols), np.empty(cols)
    sums, carries, row_sums = np.zeros(2), np.zeros(2), np.empty(2)
    for i in range(rows):
        w0 = w[0]
        for j in range(width):
            a, b = x[i, j], y[i, j]
            bx[j] = w0 * a
            by[j] = w0 * b
            bs[j] = w0 * (a * a + b * b)
            bp[j] = w0 * (a * b)
        for k in range(1, taps):
            wk = w[k]
            for j in range(width):
                a, b = x[i + k, j], y[i + k, j]
                bx[j] += wk * a
                by[j] += wk * b
                bs[j] += wk * (a * a + b * b)
                bp[j] += wk * (a * b)
        for j in range(cols):
            mx[j] = w0 * bx[j]
            my[j] = w0 * by[j]
            ms[j] = w0 * bs[j]
            mp[j] = w0 * bp[j]
        for k in range(1, taps):
            wk = w[k]
            for j in range(cols):
                mx[j] += wk * bx[j + k]
                my[j] += wk * by[j + k]
                ms[j] += wk * bs[j + k]
                mp[j] += wk * bp[j + k]
        row_ssim, row_cs = 0.0, 0.0
        for j in range(cols):
            mean_product = mx[j] * my[j]
            mean_squares = mx[j] * mx[j] + my[j] * my[j]
            covariance = mp[j] - mean_product + c2 / 2  # (2 cov + C2) / 2
            variances = ms[j] - mean_squares + c2  # var_x + var_y + C2
            row_cs += covariance / variances  # CS / 2
            row_ssim += ((mean_product + c1 / 2) * covariance) / ((mean_squares + c1) * variances)  # SSIM / 4
        # Neumaier's compensated sums over rows: [0] SSIM / 4, [1] CS / 2.
        row_sums[0], row_sums[1] = row_ssim, row_cs
        for m in range(2):
            value, total = row_sums[m], sums[m] + row_sums[m]
            if abs(sums[m]) >= abs(value):
                carries[m] += (sums[m] - total) + value
            else:
                carries[m] += (value - total) + sums[m]
            sums[m] = total
    size = rows * cols
    return 4.0 * (sums[0] + carries[0]) / size, 2.0 * (sums[1] + carries[1]) / size


def ssim_and_cs(x: FloatArray, y: FloatArray, window: FloatArray, c1: float, c2: float) -> tuple[float, float]:
    """Mean SSIM and mean CS over the valid region of one float64 pair (C-contiguous copies made if needed)."""
    result: tuple[float, float] = _kernel(_ssim_and_cs)(
        np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64), window, c1, c2
    )
    return result


def downsample2_even(image: FloatArray) -> FloatArray:
    """2x2 block means of an even-sized float64 image, added ``((a + b) + c) + d`` then halved twice (``/ 4``)."""
    result: FloatArray = _kernel(_downsample2_even)(np.ascontiguousarray(image, dtype=np.float64))
    return result
