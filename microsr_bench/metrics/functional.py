"""The full-reference metrics PSNR, SSIM, MS-SSIM and NRMSE on images or batches (NumPy or torch).

Every function takes the reference first and the image under test second, like scikit-image, accepts a
2-D image ``(H, W)`` or a batch ``(B, H, W)`` of any real dtype, and returns a float for one image or a
1-D float64 NumPy array for a batch. Pixel values are compared as float64 **without rescaling**, so
``data_range`` is in the units of the input and is always explicit (never guessed from a dtype). NaN and
infinite pixels are refused. The definitions, references and conventions are in ``docs/metrics.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics._inputs import ArrayLike, FloatArray, ImagePairs, as_pairs, check_data_range, finish
from microsr_bench.metrics._parallel import Scratch, map_images
from microsr_bench.metrics._pixelwise import squared_difference
from microsr_bench.metrics._ssim import WINDOW_SIZE, Reference, ms_ssim_min_size, ms_ssim_one, ssim_and_cs

__all__ = ["MS_SSIM_WEIGHTS", "ms_ssim", "nrmse", "psnr", "ssim", "ssim_and_ms_ssim"]

#: Scale weights of MS-SSIM, finest first (Wang, Simoncelli and Bovik 2003, Table 1 of the paper).
MS_SSIM_WEIGHTS: tuple[float, ...] = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)

Result = float | FloatArray


def _mse(x: FloatArray, y: FloatArray, scratch: Scratch) -> float:
    key = ("diff", x.shape)
    if key not in scratch:
        scratch[key] = np.empty(x.shape)
    # Squares in one compiled pass, then NumPy's pairwise sum (not a BLAS dot, which may spawn threads of its
    # own and adds in an order that depends on them).
    return float(squared_difference(x, y, scratch[key]).sum()) / x.size


def _psnr_one(pairs: ImagePairs, limit: float) -> Callable[[int, Scratch], float]:
    def one(i: int, scratch: Scratch) -> float:
        mse = _mse(*pairs.pair(i), scratch)
        # An exact match has MSE 0 and PSNR +inf, as in scikit-image and BasicSR.
        return math.inf if mse == 0 else 10.0 * math.log10(limit**2 / mse)

    return one


def psnr(image_true: ArrayLike, image_test: ArrayLike, *, data_range: float) -> Result:
    """Peak signal-to-noise ratio in dB: ``10 log10(data_range^2 / MSE)``.

    The MSE is the mean over all pixels of the squared difference, in float64. Identical images give
    ``+inf`` (as scikit-image's ``peak_signal_noise_ratio`` and BasicSR's ``calculate_psnr``); how
    aggregates treat it is defined in :mod:`microsr_bench.metrics.aggregate`.

    Args:
        image_true: reference image ``(H, W)`` or batch ``(B, H, W)``.
        image_test: image under test, same shape.
        data_range: the peak value of the scale (e.g. 1.0 for [0, 1], 255 for 8-bit values), keyword-only.

    Returns:
        PSNR in dB: a float, or one value per image for a batch.
    """
    limit = check_data_range(data_range, "psnr")
    pairs = as_pairs(image_true, image_test, "psnr")
    return finish(map_images(_psnr_one(pairs, limit), len(pairs)), pairs.batched)


def ssim(image_true: ArrayLike, image_test: ArrayLike, *, data_range: float) -> Result:
    """Structural similarity (Wang, Bovik, Sheikh and Simoncelli, IEEE TIP 2004), mean over the valid region.

    Local statistics use the 11x11 Gaussian window of standard deviation 1.5 with population (biased)
    covariances; ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2`` with ``L = data_range``; the SSIM map is
    averaged over the valid region only (5 pixels dropped at each border), and the images are **not**
    down-sampled. This equals scikit-image's ``structural_similarity(..., gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False, data_range=L)``, the authors' MATLAB ``ssim.m`` and BasicSR's
    ``calculate_ssim``; it differs from ``piq.ssim``'s default, which first down-samples images larger
    than 256 pixels.

    Args:
        image_true: reference image ``(H, W)`` or batch ``(B, H, W)``; each side at least 11 pixels.
        image_test: image under test, same shape.
        data_range: span of possible values, keyword-only.

    Returns:
        SSIM in [-1, 1]: a float, or one value per image for a batch.
    """
    limit = check_data_range(data_range, "ssim")
    pairs = as_pairs(image_true, image_test, "ssim", min_size=WINDOW_SIZE)

    def one(i: int, scratch: Scratch) -> float:
        return ssim_and_cs(*pairs.pair(i), limit)[0]

    return finish(map_images(one, len(pairs)), pairs.batched)


def _ms_ssim_pairs(
    image_true: ArrayLike, image_test: ArrayLike, weights: tuple[float, ...], name: str
) -> tuple[tuple[float, ...], ImagePairs]:
    """MS-SSIM's argument checks: the scale weights as floats, and pairs big enough for the coarsest scale."""
    if not weights or any(not np.isfinite(w) or w < 0 for w in weights):
        raise InvalidArgumentError(
            f"{name}: weights must be a non-empty tuple of finite non-negative numbers, got {weights!r}."
        )
    min_size = ms_ssim_min_size(len(weights))
    pairs = as_pairs(image_true, image_test, f"ms_ssim with {len(weights)} scales", min_size=min_size)
    return tuple(float(w) for w in weights), pairs


def ms_ssim(
    image_true: ArrayLike,
    image_test: ArrayLike,
    *,
    data_range: float,
    weights: tuple[float, ...] = MS_SSIM_WEIGHTS,
) -> Result:
    """Multi-scale SSIM (Wang, Simoncelli and Bovik, Asilomar 2003).

    At scales ``j = 1..M`` (``M = len(weights)``, 5 by default) the images are halved by 2x2 averaging
    (an odd last row or column is averaged with itself, as in the authors' ``msssim.m``). Each of the
    first ``M - 1`` scales contributes its mean contrast-structure term ``CS_j``, the coarsest scale its
    mean SSIM; all use the SSIM window and constants of :func:`ssim` on the valid region.
    ``MS-SSIM = SSIM_M^{w_M} prod_{j<M} CS_j^{w_j}``. A term below zero (anti-correlated structure) is set
    to 0 before the power, as piq and TensorFlow do, so the result lies in [0, 1].

    The coarsest scale must still hold one window: each side needs ``10 * 2^(M-1) + 1`` pixels (161 for 5
    scales); smaller images raise :class:`~microsr_bench.errors.InvalidArgumentError`.

    Args:
        image_true: reference image ``(H, W)`` or batch ``(B, H, W)``.
        image_test: image under test, same shape.
        data_range: span of possible values, keyword-only.
        weights: per-scale exponents, finest first.

    Returns:
        MS-SSIM in [0, 1]: a float, or one value per image for a batch.
    """
    limit = check_data_range(data_range, "ms_ssim")
    exponents, pairs = _ms_ssim_pairs(image_true, image_test, weights, "ms_ssim")

    def one(i: int, scratch: Scratch) -> float:
        return ms_ssim_one(*pairs.pair(i), limit, exponents)

    return finish(map_images(one, len(pairs)), pairs.batched)


def ssim_and_ms_ssim(
    image_true: ArrayLike,
    image_test: ArrayLike,
    *,
    data_range: float,
    weights: tuple[float, ...] = MS_SSIM_WEIGHTS,
) -> tuple[Result, Result]:
    """:func:`ssim` and :func:`ms_ssim` together, each with the bits it has alone, for about 30 % less work.

    SSIM and MS-SSIM's finest contrast-structure term come from the same Gaussian statistics of the
    full-size images, so one filtering serves both (the scorer's hot path asks for both). The inputs
    must satisfy both functions' size rules (``10 * 2^(M-1) + 1`` pixels a side for ``M`` scales).

    Returns:
        ``(ssim, ms_ssim)``: two floats, or two arrays with one value per image for a batch.
    """
    limit = check_data_range(data_range, "ssim_and_ms_ssim")
    exponents, pairs = _ms_ssim_pairs(image_true, image_test, weights, "ssim_and_ms_ssim")
    multi = np.empty(len(pairs))

    def one(i: int, scratch: Scratch) -> float:
        x, y = pairs.pair(i)
        single, finest_cs = ssim_and_cs(x, y, limit)
        multi[i] = ms_ssim_one(x, y, limit, exponents, finest_cs=finest_cs)
        return single

    single = map_images(one, len(pairs))
    return finish(single, pairs.batched), finish(multi, pairs.batched)


@dataclass(frozen=True)
class PreparedReference:
    """What :func:`pair_metrics` derives from the reference alone, made once for all the frames of a field."""

    #: The reference, C-contiguous float64.
    image: FloatArray
    #: ``max - min`` of the reference (NRMSE's scale).
    span: float
    #: The SSIM pyramid and local means (None when neither SSIM nor MS-SSIM is asked for).
    ssim: Reference | None

    @classmethod
    def prepare(cls, image: FloatArray, metrics: tuple[str, ...]) -> PreparedReference:
        """Prepare a C-contiguous float64 reference for ``metrics``."""
        scales = len(MS_SSIM_WEIGHTS) if "ms_ssim" in metrics else 1
        wants_ssim = "ssim" in metrics or "ms_ssim" in metrics
        return cls(
            image=image,
            span=float(image.max() - image.min()),
            ssim=Reference.prepare(image, scales) if wants_ssim else None,
        )


def pair_metrics(
    reference: PreparedReference, y: FloatArray, data_range: float, metrics: tuple[str, ...], scratch: Scratch
) -> dict[str, float]:
    """Every metric of one validated pair (a prepared reference, test ``y``: C-contiguous float64), for the scorer.

    The same per-image operations as :func:`psnr`, :func:`ssim`, :func:`ms_ssim`, :func:`nrmse` and
    :func:`ssim_and_ms_ssim`, so each value has their bits; PSNR and NRMSE share one MSE, SSIM and MS-SSIM
    one pass of the kernel, and what depends on the reference alone (its range, its SSIM pyramid and local
    means) comes from ``reference``. No validation: the caller has put a pair of the same shape and range
    through the public functions first. NRMSE assumes a non-constant reference.
    """
    x = reference.image
    out: dict[str, float] = {}
    if "psnr" in metrics or "nrmse" in metrics:
        mse = _mse(x, y, scratch)
        if "psnr" in metrics:
            out["psnr"] = math.inf if mse == 0 else 10.0 * math.log10(data_range**2 / mse)
        if "nrmse" in metrics:
            out["nrmse"] = math.sqrt(mse) / reference.span
    if reference.ssim is not None:
        prepared = reference.ssim
        single, finest_cs = ssim_and_cs(x, y, data_range, mean_x=prepared.means[0])
        if "ssim" in metrics:
            out["ssim"] = single
        if "ms_ssim" in metrics:
            out["ms_ssim"] = ms_ssim_one(x, y, data_range, MS_SSIM_WEIGHTS, finest_cs=finest_cs, reference=prepared)
    return out


def nrmse(image_true: ArrayLike, image_test: ArrayLike, *, normalization: Literal["min-max"] = "min-max") -> Result:
    """Normalised root-mean-square error: ``sqrt(MSE) / (max(image_true) - min(image_true))``.

    The scale comes from the reference image itself (scikit-image's ``normalized_root_mse(...,
    normalization="min-max")``), so NRMSE needs no ``data_range`` and does not change when both images
    are multiplied by the same factor. 0 is a perfect match. A constant reference has no range and
    raises :class:`~microsr_bench.errors.InvalidArgumentError`.

    Args:
        image_true: reference image ``(H, W)`` or batch ``(B, H, W)``; the range is taken per image.
        image_test: image under test, same shape.
        normalization: only ``"min-max"``; the argument exists so that the choice is visible in calls.

    Returns:
        NRMSE (a fraction of the reference's range): a float, or one value per image for a batch.
    """
    if normalization != "min-max":
        raise InvalidArgumentError(
            f"nrmse: normalization must be 'min-max', got {normalization!r}; PSNR already covers the "
            "error relative to a fixed data range."
        )
    pairs = as_pairs(image_true, image_test, "nrmse")

    def one(i: int, scratch: Scratch) -> float:
        x, y = pairs.pair(i)
        span = float(x.max() - x.min())
        if span == 0:
            where = f" (image {i} of the batch)" if pairs.batched else ""
            raise InvalidArgumentError(
                f"nrmse: image_true{where} is constant (max == min), so its range is zero and NRMSE is "
                "undefined; use PSNR for such images or check the reference data."
            )
        return math.sqrt(_mse(x, y, scratch)) / span

    return finish(map_images(one, len(pairs)), pairs.batched)
