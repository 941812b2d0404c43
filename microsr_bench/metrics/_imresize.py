"""MATLAB-compatible bicubic ``imresize`` (with antialiasing), the resampler NIQE's second scale uses.

MATLAB's ``imresize(im, scale)`` resamples each axis separately. Every output pixel is a weighted sum
of a few input pixels; for down-scaling with antialiasing the cubic kernel (Keys 1981, a = -0.5) is
stretched by ``1 / scale`` so that it also low-passes. Input coordinates beyond the border are
mirrored (``d c b a | a b c d``). Rows of weights are normalised to sum to one. The same rules are
described in MATLAB's documentation of ``imresize`` and re-implemented in BasicSR's
``basicsr/utils/matlab_functions.py``; we build the weights once per (length, scale) and apply them as
a gather plus a weighted sum, which costs a few operations per output pixel instead of a dense matrix
product.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["imresize"]

#: Support of the cubic kernel in input pixels at scale 1.
_KERNEL_WIDTH = 4.0


def _cubic(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Keys' cubic convolution kernel with a = -0.5, as MATLAB's ``imresize`` uses."""
    ax = np.abs(x)
    ax2 = ax * ax
    ax3 = ax2 * ax
    inner = (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
    outer = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2))
    return inner + outer


@functools.lru_cache(maxsize=64)
def _contributions(in_length: int, out_length: int, scale: float) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Weights ``[out, taps]`` and mirrored input indices ``[out, taps]`` of one axis."""
    antialias = scale < 1
    width = _KERNEL_WIDTH / scale if antialias else _KERNEL_WIDTH
    # 1-based output coordinates mapped so that pixel centres line up (MATLAB's convention).
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = math.ceil(width) + 2
    indices = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]
    distance = u[:, None] - indices
    weights = scale * _cubic(distance * scale) if antialias else _cubic(distance)
    weights = weights / weights.sum(axis=1, keepdims=True)
    # Mirror 1-based indices into [1, in_length] with the edge pixel repeated (symmetric padding).
    period = 2 * in_length
    folded = np.mod(indices.astype(np.intp) - 1, period)
    folded = np.where(folded < in_length, folded, period - 1 - folded)
    keep = np.any(weights != 0, axis=0)
    return np.ascontiguousarray(weights[:, keep]), np.ascontiguousarray(folded[:, keep])


def _resize_rows(image: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Resize axis -2; gathering whole rows keeps every memory access contiguous."""
    in_length = image.shape[-2]
    out_length = math.ceil(in_length * scale)
    weights, indices = _contributions(in_length, out_length, scale)
    out = np.zeros((*image.shape[:-2], out_length, image.shape[-1]), dtype=np.float64)
    for tap in range(weights.shape[1]):
        out += image[..., indices[:, tap], :] * weights[:, tap, None]
    return out


def imresize(image: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Resize the last two axes of ``image`` by ``scale`` like MATLAB's bicubic ``imresize``.

    The output size is ``ceil(size * scale)`` on both axes; leading axes (a batch) are kept.
    Values are not rounded or clipped. Rows are resized first, then columns, as MATLAB does when
    shrinking both axes by the same factor.

    Args:
        image: float64 array ``[..., H, W]``.
        scale: positive scale factor; below 1 the kernel is widened for antialiasing.

    Returns:
        The resized float64 array.
    """
    rows_done = _resize_rows(np.asarray(image, dtype=np.float64), scale)
    columns_done = _resize_rows(np.ascontiguousarray(np.swapaxes(rows_done, -1, -2)), scale)
    return np.swapaxes(columns_done, -1, -2)
