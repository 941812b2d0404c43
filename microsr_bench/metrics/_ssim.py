"""The SSIM engine: Gaussian local statistics over the valid region, computed as small banded matrix products.

SSIM (Wang, Bovik, Sheikh and Simoncelli, "Image quality assessment: from error visibility to structural
similarity", IEEE TIP 13(4), 2004) needs, at every pixel, Gaussian-weighted local means, variances and the
covariance of the two images. The window is the 11x11 Gaussian of standard deviation 1.5 (MATLAB
``fspecial('gaussian', 11, 1.5)``). It is separable, so each local statistic is a 1-D filter down the
columns followed by one along the rows. Only the **valid** region is kept: the window never leaves the
image, the map is ``(H - 10) x (W - 10)`` and no padding rule can change the result (the authors' MATLAB
code, BasicSR's ``calculate_ssim`` and scikit-image's cropped mean all compute exactly this).

How it is computed fast, in float64. (Float32 would halve the memory traffic and double the SIMD
width, but its rounding of ``E[x^2] - mean^2`` moves SSIM by up to 3e-7 on bright, low-contrast
512x512 images - measured with scikit-image's float32 path - too little margin under the 1e-6
agreement the library promises.)

- only four maps are filtered, ``x``, ``y``, ``x^2 + y^2`` and ``x y``: the formula needs the sum of the
  two variances, never each one;
- a 1-D valid filter producing ``t`` consecutive outputs is a ``t x (t + 10)`` banded matrix, so each
  pass is a series of small BLAS matrix products: down the columns on row blocks of the image, along the
  rows on column blocks of the result. The products are kept small enough (about ``M N K <= 4 * 65536``)
  that OpenBLAS runs each on the calling thread (checked for the 512x512 shapes ``(16, 26) @ (26, 512)``
  and ``(2008, 17) @ (17, 7)``): parallelism comes from whole images on separate threads instead
  (see :mod:`._parallel`), which keeps both cores busy without a barrier after every step;
- the SSIM formula runs on a few column blocks at a time, while they are still in cache, and all buffers
  are allocated once per image shape and thread, then reused.

The results equal scikit-image's to about 1e-15.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from microsr_bench.metrics._inputs import FloatArray

#: Side of the Gaussian window (Wang et al. 2004).
WINDOW_SIZE = 11
#: Standard deviation of the Gaussian window, in pixels (Wang et al. 2004).
WINDOW_SIGMA = 1.5
#: Stabilising constants: C1 = (K1 L)^2 and C2 = (K2 L)^2 for data range L (Wang et al. 2004).
K1 = 0.01
K2 = 0.03

_PAD = WINDOW_SIZE - 1
#: Size bound for one product, M N K: OpenBLAS's default GEMM_MULTITHREAD_THRESHOLD (4) times 65536.
_SINGLE_THREAD_MNK = 4 * 65536
#: Outputs per column block of the row pass; 7 measured fastest for 512x512 on a 2-core AVX-512 CPU.
_ROW_BLOCK = 7
#: Column blocks whose SSIM formula is evaluated together (working set of ~1 MB for 512 rows).
_FORMULA_BLOCKS = 8


def gaussian_window_1d(size: int = WINDOW_SIZE, sigma: float = WINDOW_SIGMA) -> FloatArray:
    """The normalised 1-D Gaussian whose outer product is MATLAB's ``fspecial('gaussian', size, sigma)``."""
    offsets = np.arange(size, dtype=np.float64) - (size - 1) / 2
    weights = np.exp(-(offsets**2) / (2.0 * sigma**2))
    return np.asarray(weights / weights.sum(), dtype=np.float64)


@functools.lru_cache(maxsize=64)
def _band(outputs: int) -> FloatArray:
    """``(outputs + 10) x outputs`` matrix whose column ``j`` holds the window at rows ``j .. j + 10``."""
    band = np.zeros((outputs + _PAD, outputs))
    window = gaussian_window_1d()
    for j in range(outputs):
        band[j : j + WINDOW_SIZE, j] = window
    band.setflags(write=False)
    return band


class Plan:
    """Buffers and block sizes for one image shape; used by one thread at a time."""

    def __init__(self, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.rows, self.cols = height - _PAD, width - _PAD
        # Column pass: (t, t + 10) @ (t + 10, width) per map and row block.
        self.col_block = max(1, min(16, self.rows, _largest_block(width)))
        self.row_block = min(_ROW_BLOCK, self.cols)
        self.col_blocks = -(-self.cols // self.row_block)
        padded = self.col_blocks * self.row_block + _PAD
        # Row pass: (r, t + 10) @ (t + 10, t) on r rows of the stacked maps at a time.
        span = self.row_block + _PAD
        self.row_chunk = max(1, _SINGLE_THREAD_MNK // (span * self.row_block))
        self.down_t = np.ascontiguousarray(_band(self.col_block).T)
        self.across = _band(self.row_block)
        self.squares = np.empty((2, height, width))
        # Columns past ``width`` stay zero: the last column block then needs no special case.
        self.filtered = np.zeros((4, self.rows, padded))
        group = min(_FORMULA_BLOCKS, self.col_blocks)
        self.stats = np.empty((group, 4 * self.rows, self.row_block))
        self.temp = np.empty((3, group, self.rows, self.row_block))

    def _filter_columns(self, x: FloatArray, y: FloatArray) -> None:
        sq, xy = self.squares
        np.multiply(x, x, out=sq)
        np.multiply(y, y, out=xy)
        sq += xy
        np.multiply(x, y, out=xy)
        t, w = self.col_block, self.width
        for start in range(0, self.rows, t):
            n = min(t, self.rows - start)
            band = self.down_t if n == t else np.ascontiguousarray(_band(n).T)
            rows = slice(start, start + n + _PAD)
            for k, source in enumerate((x, y, sq, xy)):
                np.matmul(band, source[rows], out=self.filtered[k, start : start + n, :w])

    def _filter_rows(self, first: int, last: int) -> np.ndarray[Any, Any]:
        """Row pass for column blocks ``first .. last - 1``: ``(blocks, 4 * rows, t)`` statistics."""
        t, span = self.row_block, self.row_block + _PAD
        stacked = self.filtered.reshape(4 * self.rows, -1)
        out = self.stats[: last - first]
        for j, block in enumerate(range(first, last)):
            columns = slice(block * t, block * t + span)
            for r in range(0, 4 * self.rows, self.row_chunk):
                r_end = min(r + self.row_chunk, 4 * self.rows)
                np.matmul(stacked[r:r_end, columns], self.across, out=out[j, r:r_end])
        return out

    def mean_ssim(self, x: FloatArray, y: FloatArray, data_range: float, *, contrast_only: bool = False) -> float:
        """Mean SSIM (or mean contrast-structure term ``CS``) over the valid region of one pair."""
        ssim_mean, cs_mean = self._means(x, y, data_range, ssim=not contrast_only, cs=contrast_only)
        return cs_mean if contrast_only else ssim_mean

    def ssim_and_cs(self, x: FloatArray, y: FloatArray, data_range: float) -> tuple[float, float]:
        """Mean SSIM and mean ``CS`` of one pair from one filtering: MS-SSIM's finest scale shares SSIM's statistics.

        Each value has the same bits as :meth:`mean_ssim` alone computes: the same operations on the same
        filtered statistics, summed in the same order.
        """
        return self._means(x, y, data_range, ssim=True, cs=True)

    def _means(self, x: FloatArray, y: FloatArray, data_range: float, *, ssim: bool, cs: bool) -> tuple[float, float]:
        c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
        self._filter_columns(x, y)
        ssim_total, cs_total, n = 0.0, 0.0, self.rows
        tail = self.cols - (self.col_blocks - 1) * self.row_block
        for first in range(0, self.col_blocks, self.stats.shape[0]):
            last = min(first + self.stats.shape[0], self.col_blocks)
            stats = self._filter_rows(first, last)
            mx, my, sq, xy = (stats[:, k * n : (k + 1) * n] for k in range(4))
            a, p, tmp = self.temp[:, : last - first]
            np.multiply(mx, my, out=a)
            np.multiply(mx, mx, out=p)
            np.multiply(my, my, out=tmp)
            p += tmp  # mx^2 + my^2
            xy -= a
            xy += c2 / 2  # (2 cov + C2) / 2
            sq -= p
            sq += c2  # var_x + var_y + C2
            if cs:
                ratio = np.divide(xy, sq, out=tmp)  # CS / 2
                if last == self.col_blocks:  # columns past the valid region (zero padding) do not count
                    ratio[-1, :, tail:] = 0.0
                cs_total += float(ratio.sum())
            if ssim:
                a += c1 / 2  # (2 mx my + C1) / 2
                p += c1
                a *= xy
                p *= sq
                ratio = np.divide(a, p, out=a)  # SSIM / 4
                if last == self.col_blocks:
                    ratio[-1, :, tail:] = 0.0
                ssim_total += float(ratio.sum())
        size = self.rows * self.cols
        return 4.0 * ssim_total / size, 2.0 * cs_total / size


def _largest_block(width: int) -> int:
    """Largest column-pass block ``t`` with ``t (t + 10) width`` under the single-thread threshold."""
    t = 1
    while (t + 1) * (t + 1 + _PAD) * width <= _SINGLE_THREAD_MNK:
        t += 1
    return t


def plan_for(scratch: dict[Any, Any], height: int, width: int) -> Plan:
    """The thread's plan for this shape, made on first use."""
    key = ("ssim-plan", height, width)
    if key not in scratch:
        scratch[key] = Plan(height, width)
    plan: Plan = scratch[key]
    return plan


def downsample2(image: FloatArray) -> FloatArray:
    """2x2 average of non-overlapping blocks from the top-left; an odd last row/column is averaged with itself.

    This is Wang's MATLAB ``msssim.m`` (``imfilter(img, ones(2)/4, 'symmetric', 'same')`` then
    ``img(1:2:end, 1:2:end)``); for even sizes it equals ``avg_pool2d(x, 2)``. Output ``ceil(H/2) x ceil(W/2)``.
    """
    if image.shape[0] % 2 or image.shape[1] % 2:
        image = np.pad(image, ((0, image.shape[0] % 2), (0, image.shape[1] % 2)), mode="edge")
    h, w = image.shape
    quads = image.reshape(h // 2, 2, w // 2, 2)
    return np.asarray((quads[:, 0, :, 0] + quads[:, 0, :, 1] + quads[:, 1, :, 0] + quads[:, 1, :, 1]) / 4.0)


def ms_ssim_min_size(n_scales: int) -> int:
    """Smallest side whose coarsest of ``n_scales`` scales still holds one 11x11 window."""
    # ceil(side / 2^(s - 1)) >= 11  <=>  side >= 10 * 2^(s - 1) + 1
    return _PAD * 2 ** (n_scales - 1) + 1


def ms_ssim_one(
    x: FloatArray,
    y: FloatArray,
    data_range: float,
    weights: tuple[float, ...],
    scratch: dict[Any, Any],
    *,
    finest_cs: float | None = None,
) -> float:
    """MS-SSIM of one pair: ``SSIM_M^{w_M} prod_{j<M} CS_j^{w_j}``, each term clamped at 0 first.

    ``finest_cs``: the finest scale's ``CS`` when the caller already has it (:meth:`Plan.ssim_and_cs`).
    """
    value = 1.0
    for scale, weight in enumerate(weights):
        if scale:
            x, y = downsample2(x), downsample2(y)
        last = scale == len(weights) - 1
        if scale == 0 and not last and finest_cs is not None:
            term = finest_cs
        else:
            term = plan_for(scratch, *x.shape).mean_ssim(x, y, data_range, contrast_only=not last)
        value *= max(term, 0.0) ** weight
    return value
