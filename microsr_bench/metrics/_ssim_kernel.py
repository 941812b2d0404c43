"""The compiled SSIM kernel: one pass over an image pair gives its mean SSIM and mean contrast-structure term.

Compiled by Numba (LLVM) on first use in a process (about a second; the machine code is cached on disk
next to this file when the folder is writable, else in Numba's user cache, and kept in memory only when
neither is; Numba itself is imported then, not with the metrics). Per output row of the valid region it

1. filters the four maps ``x``, ``y``, ``x^2 + y^2`` and ``x y`` down the columns with the 11 taps of the
   Gaussian (the products are formed on the fly, so no full-size square images are written);
2. filters those four rows along the row with the same taps;
3. evaluates SSIM and CS per pixel and adds them up.

A reference scored against many images (the 100 frames of a field) can hand in its local means, computed
once by :func:`mean_map` in the same order of operations; the kernel then filters three maps instead of
four and returns the same bits.

Every operation is an IEEE double operation in a fixed order: no fast-math, no reassociation, no fused
multiply-add contraction (Numba leaves all three off unless asked). Vectorisation only runs the
element-wise loops several columns at a time, which does not change any result, and the sums are
sequential (Neumaier-compensated across rows). So the bits depend neither on the number of threads nor on
the CPU's vector width, unlike a BLAS product whose kernels differ between CPU generations. The row sums
are at most ``W - 10`` terms of magnitude at most 2, so their rounding stays far below 1e-12.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microsr_bench.metrics._compile import compiled

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _downsample2_even(image: FloatArray) -> FloatArray:
    half_h, half_w = image.shape[0] // 2, image.shape[1] // 2
    out = np.empty((half_h, half_w))
    for i in range(half_h):
        top, bottom = image[2 * i], image[2 * i + 1]
        for j in range(half_w):
            out[i, j] = (top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1]) / 4.0
    return out


def _mean_map(x: FloatArray, w: FloatArray) -> FloatArray:
    """The Gaussian local mean of ``x`` over the valid region, in the kernel's order of operations."""
    height, width = x.shape
    taps = w.shape[0]
    rows, cols = height - taps + 1, width - taps + 1
    out = np.empty((rows, cols))
    column = np.empty(width)
    w0 = w[0]
    for i in range(rows):
        for j in range(width):
            column[j] = w0 * x[i, j]
        for k in range(1, taps):
            wk = w[k]
            for j in range(width):
                column[j] += wk * x[i + k, j]
        row = out[i]
        for j in range(cols):
            row[j] = w0 * column[j]
        for k in range(1, taps):
            wk = w[k]
            for j in range(cols):
                row[j] += wk * column[j + k]
    return out


def _ssim_and_cs(
    x: FloatArray, y: FloatArray, mean_x: FloatArray, w: FloatArray, c1: float, c2: float
) -> tuple[float, float]:
    # mean_x: x's local means from _mean_map, or a (0, 0) array to filter x here. The branches on ``own``
    # are the same for the whole call, so LLVM unswitches them out of the loops.
    height, width = x.shape
    taps = w.shape[0]
    rows, cols = height - taps + 1, width - taps + 1
    own = mean_x.shape[0] == 0
    bx, by, bs, bp = np.empty(width), np.empty(width), np.empty(width), np.empty(width)
    mx, my, ms, mp = np.empty(cols), np.empty(cols), np.empty(cols), np.empty(cols)
    cs_half, ssim_quarter = np.empty(cols), np.empty(cols)
    sums, carries, row_sums = np.zeros(2), np.zeros(2), np.empty(2)
    w0 = w[0]
    for i in range(rows):
        for j in range(width):
            a, b = x[i, j], y[i, j]
            if own:
                bx[j] = w0 * a
            by[j] = w0 * b
            bs[j] = w0 * (a * a + b * b)
            bp[j] = w0 * (a * b)
        for k in range(1, taps):
            wk = w[k]
            for j in range(width):
                a, b = x[i + k, j], y[i + k, j]
                if own:
                    bx[j] += wk * a
                by[j] += wk * b
                bs[j] += wk * (a * a + b * b)
                bp[j] += wk * (a * b)
        for j in range(cols):
            if own:
                mx[j] = w0 * bx[j]
            my[j] = w0 * by[j]
            ms[j] = w0 * bs[j]
            mp[j] = w0 * bp[j]
        for k in range(1, taps):
            wk = w[k]
            for j in range(cols):
                if own:
                    mx[j] += wk * bx[j + k]
                my[j] += wk * by[j + k]
                ms[j] += wk * bs[j + k]
                mp[j] += wk * bp[j + k]
        mean = mx if own else mean_x[i]
        for j in range(cols):  # element-wise, so it vectorises; then the sums, in column order
            mean_product = mean[j] * my[j]
            mean_squares = mean[j] * mean[j] + my[j] * my[j]
            covariance = mp[j] - mean_product + c2 / 2  # (2 cov + C2) / 2
            variances = ms[j] - mean_squares + c2  # var_x + var_y + C2
            cs_half[j] = covariance / variances  # CS / 2
            ssim_quarter[j] = ((mean_product + c1 / 2) * covariance) / ((mean_squares + c1) * variances)  # SSIM / 4
        row_ssim, row_cs = 0.0, 0.0
        for j in range(cols):
            row_cs += cs_half[j]
            row_ssim += ssim_quarter[j]
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


_NO_MEAN = np.empty((0, 0))


def ssim_and_cs(
    x: FloatArray, y: FloatArray, window: FloatArray, c1: float, c2: float, *, mean_x: FloatArray | None = None
) -> tuple[float, float]:
    """Mean SSIM and mean CS over the valid region of one float64 pair (C-contiguous copies made if needed).

    ``mean_x``: :func:`mean_map` of ``x`` with the same window, when the caller keeps it for a reference
    scored against many images; the result has the same bits as without it, and one map fewer is filtered.
    """
    own = _NO_MEAN if mean_x is None else np.ascontiguousarray(mean_x, dtype=np.float64)
    result: tuple[float, float] = compiled(_ssim_and_cs)(
        np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64), own, window, c1, c2
    )
    return result


def mean_map(x: FloatArray, window: FloatArray) -> FloatArray:
    """The Gaussian local means of ``x`` over the valid region, as :func:`ssim_and_cs` computes them."""
    result: FloatArray = compiled(_mean_map)(np.ascontiguousarray(x, dtype=np.float64), window)
    return result


def downsample2_even(image: FloatArray) -> FloatArray:
    """2x2 block means of an even-sized float64 image, added ``((a + b) + c) + d`` then halved twice (``/ 4``)."""
    result: FloatArray = compiled(_downsample2_even)(np.ascontiguousarray(image, dtype=np.float64))
    return result
