"""NIQE's patch features: MSCN coefficients, vectorised AGGD fits, two scales, patch sharpness.

Follows Mittal, Soundararajan and Bovik, "Making a 'completely blind' image quality analyzer",
IEEE Signal Processing Letters 20(3), 2013, and the authors' MATLAB release
(``computequality.m``, ``computefeature.m``, ``estimateaggdparam.m``; LIVE, UT Austin):

* MSCN coefficients ``(I - mu) / (sigma + 1)`` with ``mu`` and ``sigma`` the local mean and standard
  deviation under a 7x7 Gaussian window (sigma 7/6, normalised), borders replicated; intensities are
  on the 0-255 scale, which is what the constant 1 assumes.
* For each non-overlapping ``p x p`` patch, 18 features: the AGGD shape and mean scale of the MSCN
  values, and shape, mean, left and right scale of the products of each coefficient with its
  neighbour in four directions (circular shifts inside the patch, as the MATLAB release does).
* The same on the image shrunk by 2 with MATLAB's bicubic ``imresize`` (patches ``p/2``), giving
  36 features per patch.

Every AGGD fit of every patch is computed at once: the moment sums are array reductions and the
moment-matching search over the shape grid ``0.2:0.001:10`` is one ``searchsorted`` into the
monotone table ``r(a) = Gamma(2/a)^2 / (Gamma(1/a) Gamma(3/a))``, which returns the same grid point as
the exhaustive ``argmin`` of the reference code.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.special import gamma

from microsr_bench.metrics._imresize import imresize

__all__ = ["N_FEATURES", "gaussian_window_1d", "patch_features"]

_Float = TypeVar("_Float", bound=np.floating[Any])

#: Features per patch: 18 at each of two scales.
N_FEATURES = 36

#: The four neighbour directions of the pairwise products (row shift, column shift).
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))


def gaussian_window_1d() -> NDArray[np.float64]:
    """The 1-D factor of MATLAB's ``fspecial('gaussian', 7, 7/6)``, normalised to sum 1."""
    x = np.arange(-3, 4, dtype=np.float64)
    g = np.exp(-(x**2) / (2.0 * (7.0 / 6.0) ** 2))
    return g / g.sum()


@functools.cache
def _shape_tables() -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Shape grid and, per grid point, ``r(a)``, ``sqrt(G(1/a)/G(3/a))`` and ``G(2/a)/G(1/a)``."""
    # The grid of the MATLAB release and BasicSR, built the same way so the grid points are identical.
    grid = np.arange(0.2, 10.001, 0.001)
    inv = np.reciprocal(grid)
    ratio = np.square(gamma(inv * 2)) / (gamma(inv) * gamma(inv * 3))
    if not np.all(np.diff(ratio) > 0):
        raise RuntimeError("The AGGD ratio table is not increasing; the shape lookup would be wrong.")
    scale = np.sqrt(gamma(1.0 / grid) / gamma(3.0 / grid))
    mean = gamma(2.0 / grid) / gamma(1.0 / grid)
    return grid, ratio, scale, mean


def _nearest_grid_index(target: NDArray[np.float64], ratio: NDArray[np.float64]) -> NDArray[np.intp]:
    """Index minimising ``(ratio - target)^2``; ties go to the lower index like ``np.argmin``."""
    right = np.clip(np.searchsorted(ratio, target), 1, ratio.size - 1)
    left = right - 1
    pick_right = (ratio[right] - target) ** 2 < (ratio[left] - target) ** 2
    return np.where(pick_right, right, left)


def _row_dot(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float64]:
    """``sum(a * b)`` over the last axis, as a batched BLAS dot product (the fastest reduction here)."""
    return np.matmul(a[..., None, :], b[..., :, None])[..., 0, 0].astype(np.float64)


def _aggd_fit(values: NDArray[np.float32]) -> tuple[NDArray[np.float64], ...]:
    """Fit an asymmetric generalised Gaussian to each row of ``values`` [..., n] by moment matching.

    Returns shape ``alpha``, left scale ``beta_l``, right scale ``beta_r`` and the AGGD mean factor
    ``Gamma(2/alpha) / Gamma(1/alpha)``, each ``[...]``. A row without negative (or positive) values
    has an undefined moment ratio; like the MATLAB release (``min`` over all-NaN differences) and
    BasicSR (``argmin``), it gets the first grid point, alpha = 0.2, and NaN scales.

    All the one-sided moments are dot products with 0/1 masks, which BLAS computes far faster than
    masked reductions; the masks' sums are exact in float32 for rows shorter than 2**24.
    """
    n = values.shape[-1]
    is_left = np.less(values, 0, out=np.empty(values.shape, dtype=np.float32), casting="unsafe")
    is_right = np.greater(values, 0, out=np.empty(values.shape, dtype=np.float32), casting="unsafe")
    squares = values * values
    ones = np.ones(n, dtype=np.float32)
    count_left = np.matmul(is_left, ones).astype(np.float64)
    count_right = np.matmul(is_right, ones).astype(np.float64)
    sum_sq_left = _row_dot(squares, is_left)
    sum_sq_right = _row_dot(squares, is_right)
    mean_abs = (_row_dot(values, is_right) - _row_dot(values, is_left)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        left_std = np.sqrt(sum_sq_left / count_left)
        right_std = np.sqrt(sum_sq_right / count_right)
        gamma_hat = left_std / right_std
        r_hat = mean_abs**2 / ((sum_sq_left + sum_sq_right) / n)
        r_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / (gamma_hat**2 + 1) ** 2
    grid, ratio, scale, mean = _shape_tables()
    valid = np.isfinite(r_norm)
    index = np.where(valid, _nearest_grid_index(np.where(valid, r_norm, ratio[0]), ratio), 0)
    return grid[index], left_std * scale[index], right_std * scale[index], mean[index]


def _mscn(images: NDArray[np.float64]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """MSCN coefficients and local standard deviation of a stack ``[B, H, W]`` (0-255 scale).

    The filtering is done in float64 and its results rounded to float32, and the rest of the
    normalisation is float32 arithmetic, as in BasicSR (float32 images through ``scipy.ndimage``).
    Beyond matching BasicSR, the rounding makes flat regions exactly flat: in float64, the local mean
    of a constant region differs from the constant by ~1e-16, and the signs of those residues would
    decide the AGGD fits of flat patches.
    """
    window = gaussian_window_1d()

    def smooth(x: NDArray[np.float64]) -> NDArray[np.float32]:
        once = ndimage.correlate1d(x, window, axis=-2, mode="nearest")
        return ndimage.correlate1d(once, window, axis=-1, mode="nearest", output=np.float32)

    mu = smooth(images)
    sigma = np.sqrt(np.abs(smooth(images * images) - mu * mu))
    mscn = (images.astype(np.float32) - mu) / (sigma + np.float32(1.0))
    return mscn.astype(np.float32, copy=False), sigma


def _to_patches(images: NDArray[_Float], size: int) -> NDArray[_Float]:
    """Split ``[B, H, W]`` (H, W multiples of ``size``) into ``[B, n_patches, size, size]``."""
    b, h, w = images.shape
    tiles = images.reshape(b, h // size, size, w // size, size).transpose(0, 1, 3, 2, 4)
    return tiles.reshape(b, (h // size) * (w // size), size, size)


def _scale_features(patches: NDArray[np.float32]) -> NDArray[np.float64]:
    """The 18 features of each MSCN patch in ``[B, P, s, s]`` -> ``[B, P, 18]``.

    One field at a time (the coefficients, then each neighbour product) keeps the temporaries small
    enough to stay in cache, which on this workload matters more than the arithmetic.
    """
    b, p, s, _ = patches.shape
    out = np.empty((b, p, 18), dtype=np.float64)
    alpha, beta_l, beta_r, _ = _aggd_fit(patches.reshape(b, p, s * s))
    out[..., 0] = alpha
    out[..., 1] = (beta_l + beta_r) / 2.0
    for k, shift in enumerate(_SHIFTS):
        product = patches * np.roll(patches, shift, axis=(2, 3))
        alpha, beta_l, beta_r, mean_factor = _aggd_fit(product.reshape(b, p, s * s))
        out[..., 2 + 4 * k : 6 + 4 * k] = np.stack([alpha, (beta_r - beta_l) * mean_factor, beta_l, beta_r], axis=-1)
    return out


def patch_features(images: NDArray[np.float64], patch_size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """NIQE features and sharpness of every patch of a stack of same-size images.

    Args:
        images: float64 ``[B, H, W]`` on the 0-255 scale, already cropped to multiples of
            ``patch_size`` (an even number).
        patch_size: side of the square patches at the first scale.

    Returns:
        ``features [B, P, 36]`` (first-scale 18, then second-scale 18) and ``sharpness [B, P]``, the
        mean local standard deviation of each first-scale patch (used to select patches when fitting).
    """
    mscn, sigma = _mscn(images)
    first = _scale_features(_to_patches(mscn, patch_size))
    sharpness = _to_patches(sigma, patch_size).mean(axis=(2, 3), dtype=np.float64)
    # BasicSR resizes in float32; rounding the float64 result to float32 gives the same flat regions.
    half = imresize(images, 0.5).astype(np.float32).astype(np.float64)
    second = _scale_features(_to_patches(_mscn(half)[0], patch_size // 2))
    return np.concatenate([first, second], axis=2), sharpness
