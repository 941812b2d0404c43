"""The SSIM engine: Gaussian local statistics over the valid region, computed by a compiled kernel.

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
- the compiled kernel (:mod:`._ssim_kernel`) does both filter passes and the formula row by row, with the
  11 taps applied directly (22 multiply-adds per map and pixel, where the banded BLAS products used before
  did about twice as many) and nothing larger than a few rows written to memory;
- one call returns the mean SSIM and the mean contrast-structure term ``CS`` together, so MS-SSIM's
  finest scale and SSIM share one pass;
- a reference scored against many images (a field's 100 frames) is prepared once (:class:`Reference`:
  its MS-SSIM pyramid and its local means at each scale), and the kernel then filters three maps;
- parallelism comes from whole images on separate threads (see :mod:`._parallel`); the kernel releases
  the GIL and computes every value in a fixed order, so the bits do not depend on the thread count.

The results equal scikit-image's to about 1e-15.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from microsr_bench.metrics._inputs import FloatArray
from microsr_bench.metrics._ssim_kernel import downsample2_even, mean_map
from microsr_bench.metrics._ssim_kernel import ssim_and_cs as kernel_ssim_and_cs

#: Side of the Gaussian window (Wang et al. 2004).
WINDOW_SIZE = 11
#: Standard deviation of the Gaussian window, in pixels (Wang et al. 2004).
WINDOW_SIGMA = 1.5
#: Stabilising constants: C1 = (K1 L)^2 and C2 = (K2 L)^2 for data range L (Wang et al. 2004).
K1 = 0.01
K2 = 0.03

_PAD = WINDOW_SIZE - 1


@functools.lru_cache(maxsize=8)
def gaussian_window_1d(size: int = WINDOW_SIZE, sigma: float = WINDOW_SIGMA) -> FloatArray:
    """The normalised 1-D Gaussian whose outer product is MATLAB's ``fspecial('gaussian', size, sigma)``."""
    offsets = np.arange(size, dtype=np.float64) - (size - 1) / 2
    weights = np.exp(-(offsets**2) / (2.0 * sigma**2))
    window = np.asarray(weights / weights.sum(), dtype=np.float64)
    window.setflags(write=False)
    return window


def ssim_and_cs(
    x: FloatArray, y: FloatArray, data_range: float, *, mean_x: FloatArray | None = None
) -> tuple[float, float]:
    """Mean SSIM and mean ``CS`` of one float64 pair from one kernel pass (MS-SSIM's finest scale shares them).

    ``mean_x``: the reference's local means (:class:`Reference`), same bits with or without.
    """
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    return kernel_ssim_and_cs(x, y, gaussian_window_1d(), c1, c2, mean_x=mean_x)


@dataclass(frozen=True)
class Reference:
    """A reference image prepared once for SSIM and MS-SSIM against many test images.

    ``images[s]`` is the reference at MS-SSIM scale ``s`` (``images[0]`` the image itself) and ``means[s]``
    its Gaussian local means over the valid region. Both are what every pair's computation would derive
    from the reference in the same order of operations, so scores against a prepared reference have the
    bits of scores without one; the kernel then filters three maps instead of four and the reference's
    pyramid is not rebuilt per image.
    """

    images: tuple[FloatArray, ...]
    means: tuple[FloatArray, ...]

    @classmethod
    def prepare(cls, image: FloatArray, n_scales: int) -> Reference:
        """The first ``n_scales`` scales of a C-contiguous float64 reference (1 for SSIM alone)."""
        images = [image]
        for _ in range(1, n_scales):
            images.append(downsample2(images[-1]))
        window = gaussian_window_1d()
        return cls(tuple(images), tuple(mean_map(level, window) for level in images))


def downsample2(image: FloatArray) -> FloatArray:
    """2x2 average of non-overlapping blocks from the top-left; an odd last row/column is averaged with itself.

    This is Wang's MATLAB ``msssim.m`` (``imfilter(img, ones(2)/4, 'symmetric', 'same')`` then
    ``img(1:2:end, 1:2:end)``); for even sizes it equals ``avg_pool2d(x, 2)``. Output ``ceil(H/2) x ceil(W/2)``.
    """
    if image.shape[0] % 2 or image.shape[1] % 2:
        image = np.pad(image, ((0, image.shape[0] % 2), (0, image.shape[1] % 2)), mode="edge")
    return downsample2_even(image)


def ms_ssim_min_size(n_scales: int) -> int:
    """Smallest side whose coarsest of ``n_scales`` scales still holds one 11x11 window."""
    # ceil(side / 2^(s - 1)) >= 11  <=>  side >= 10 * 2^(s - 1) + 1
    return _PAD * 2 ** (n_scales - 1) + 1


def ms_ssim_one(
    x: FloatArray,
    y: FloatArray,
    data_range: float,
    weights: tuple[float, ...],
    *,
    finest_cs: float | None = None,
    reference: Reference | None = None,
) -> float:
    """MS-SSIM of one pair: ``SSIM_M^{w_M} prod_{j<M} CS_j^{w_j}``, each term clamped at 0 first.

    ``finest_cs``: the finest scale's ``CS`` when the caller already has it (:func:`ssim_and_cs`).
    ``reference``: ``x`` prepared with at least ``len(weights)`` scales (same bits, less work).
    """
    value = 1.0
    for scale, weight in enumerate(weights):
        if scale:
            x = downsample2(x) if reference is None else reference.images[scale]
            y = downsample2(y)
        last = scale == len(weights) - 1
        if scale == 0 and not last and finest_cs is not None:
            term = finest_cs
        else:
            mean_x = None if reference is None else reference.means[scale]
            single, cs = ssim_and_cs(x, y, data_range, mean_x=mean_x)
            term = single if last else cs
        value *= max(term, 0.0) ** weight
    return value
