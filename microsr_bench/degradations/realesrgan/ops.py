"""Tensor operations of the Real-ESRGAN pipeline: filtering, unsharp masking, resizing and noise.

The unsharp mask here is the library's only one: ``baselines.realesrgan.USMSharp`` (which sharpens training
targets) wraps :func:`usm_sharpen`.

Each mirrors a BasicSR function (named in its docstring) for single-channel batches ``[B, 1, H, W]``,
runs on the tensor's device, and draws randomness only from an explicit ``torch.Generator``.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch.nn import functional as F

from microsr_bench.errors import InvalidArgumentError

ResizeMode = Literal["area", "bilinear", "bicubic"]
#: The interpolation modes Real-ESRGAN picks from uniformly at every resize (``realesrgan_model.py``).
RESIZE_MODES: tuple[ResizeMode, ...] = ("area", "bilinear", "bicubic")

#: USMSharp defaults (BasicSR ``img_process_util.py``): a 51-tap Gaussian (radius 50 made odd), sharpening
#: weight 0.5, and a mask threshold of 10 grey levels on the 0..255 scale.
USM_RADIUS = 51
USM_WEIGHT = 0.5
USM_THRESHOLD = 10.0


def filter2d(image: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Correlate each image with its own odd square kernel, reflect-padded: BasicSR ``filter2D``.

    Args:
        image: ``[B, C, H, W]``.
        kernels: ``[B, k, k]`` (one per image) or ``[1, k, k]`` / ``[k, k]`` (shared).
    """
    batch, channels, height, width = image.shape
    size = kernels.shape[-1]
    padded = F.pad(image, (size // 2,) * 4, mode="reflect")
    weight = kernels.to(image.dtype).reshape(-1, 1, size, size)
    if weight.shape[0] == 1:
        merged = padded.reshape(batch * channels, 1, *padded.shape[-2:])
        return F.conv2d(merged, weight).reshape(batch, channels, height, width)
    weight = weight.repeat_interleave(channels, dim=0)
    merged = padded.reshape(1, batch * channels, *padded.shape[-2:])
    return F.conv2d(merged, weight, groups=batch * channels).reshape(batch, channels, height, width)


def opencv_gaussian_sigma(size: int) -> float:
    """The sigma of OpenCV ``getGaussianKernel(size, 0)``: ``0.3 ((size - 1) / 2 - 1) + 0.8`` (8.0 for 51 taps)."""
    return 0.3 * ((size - 1) * 0.5 - 1) + 0.8


def opencv_gaussian_taps(
    size: int, dtype: torch.dtype = torch.float64, device: torch.device | None = None, *, sigma: float = 0.0
) -> torch.Tensor:
    """Normalised 1-D Gaussian of odd length ``size`` like OpenCV ``getGaussianKernel(size, sigma)``.

    ``sigma <= 0`` takes OpenCV's rule (:func:`opencv_gaussian_sigma`). The taps are computed in float64 and
    then cast. OpenCV's fixed tables for ``size <= 7`` with ``sigma <= 0`` are not reproduced; Real-ESRGAN
    uses 51 taps.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1 or size % 2 == 0:
        raise InvalidArgumentError(
            f"Gaussian kernel size must be a positive odd integer, got {size!r}. Pass e.g. 51 (USMSharp's)."
        )
    sigma = sigma if sigma > 0 else opencv_gaussian_sigma(size)
    offsets = torch.arange(size, dtype=torch.float64, device=device) - (size - 1) / 2
    taps = torch.exp(-(offsets**2) / (2 * sigma**2))
    return (taps / taps.sum()).to(dtype)


def separable_blur(image: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
    """Blur every channel of ``[B, C, H, W]`` with the outer product of 1-D ``taps``, reflect-padded.

    Reflect padding is OpenCV's BORDER_REFLECT_101, the border USMSharp's ``cv2.filter2D`` uses.
    """
    # Two 1-D passes cost 2 x 51 instead of 51^2 multiplications per pixel, for the same linear map.
    batch, channels, height, width = image.shape
    half = taps.numel() // 2
    if height <= half or width <= half:
        raise InvalidArgumentError(
            f"a blur with a {taps.numel()}-tap kernel needs images larger than {half} pixels per side for reflect "
            f"padding, got {height}x{width}. Sharpen before cropping, or use a smaller kernel."
        )
    taps = taps.to(image.dtype)
    flat = image.reshape(batch * channels, 1, height, width)
    rows = F.conv2d(F.pad(flat, (half, half, 0, 0), mode="reflect"), taps.view(1, 1, 1, -1))
    both = F.conv2d(F.pad(rows, (0, 0, half, half), mode="reflect"), taps.view(1, 1, -1, 1))
    return both.reshape(batch, channels, height, width)


def usm_sharpen(
    image: torch.Tensor,
    *,
    size: int = USM_RADIUS,
    sigma: float = 0.0,
    weight: float = USM_WEIGHT,
    threshold: float = USM_THRESHOLD,
) -> torch.Tensor:
    """Unsharp masking of BasicSR ``USMSharp.forward``; the defaults are its defaults.

    With ``G`` the ``size``-tap Gaussian (``sigma <= 0``: OpenCV's rule): ``sharp = clip(I + w (I - G*I), 0,
    1)``; a soft mask ``M = G * [|I - G*I| * 255 > threshold]`` blends ``M sharp + (1 - M) I``, so flat regions
    (and noise below the threshold) are left untouched. ``image`` is float ``[B, C, H, W]`` in [0, 1] whatever
    the data's bit depth, so the threshold is 10/255 of full scale for 8- and 16-bit data alike.
    """
    if image.ndim != 4 or not image.is_floating_point():
        raise InvalidArgumentError(
            f"usm_sharpen expects a float [B, C, H, W] tensor in [0, 1], got {image.dtype} of shape "
            f"{tuple(image.shape)}. Divide integer images by the card's max_value first."
        )
    if not math.isfinite(weight) or not math.isfinite(threshold):
        raise InvalidArgumentError(
            f"weight and threshold must be finite, got {weight} and {threshold}. Use e.g. 0.5 and 10 (USMSharp's)."
        )
    taps = opencv_gaussian_taps(size, image.dtype, image.device, sigma=sigma)
    residual = image - separable_blur(image, taps)
    mask = (residual.abs() * 255.0 > threshold).to(image.dtype)
    soft_mask = separable_blur(mask, taps)
    sharp = torch.clamp(image + weight * residual, 0.0, 1.0)
    return soft_mask * sharp + (1.0 - soft_mask) * image


def resize(
    image: torch.Tensor,
    mode: ResizeMode,
    *,
    scale_factor: float | None = None,
    size: tuple[int, int] | None = None,
) -> torch.Tensor:
    """``F.interpolate`` exactly as Real-ESRGAN calls it: default ``align_corners``, no anti-aliasing."""
    if size is not None:
        return F.interpolate(image, size=size, mode=mode)
    return F.interpolate(image, scale_factor=scale_factor, mode=mode)


def add_gaussian_noise(image: torch.Tensor, sigma: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Add zero-mean Gaussian noise of std ``sigma / 255`` per image (``sigma`` ``[B]``), then clip to [0, 1].

    BasicSR ``random_add_gaussian_noise_pt(clip=True, rounds=False)``. For one channel the colour and gray
    variants coincide: both are one independent field per image.
    """
    noise = torch.randn(image.shape, generator=generator, dtype=image.dtype, device=image.device)
    return torch.clamp(image + noise * sigma.to(image).view(-1, 1, 1, 1) / 255.0, 0.0, 1.0)


def count_8bit_levels(image: torch.Tensor) -> torch.Tensor:
    """Number of distinct 8-bit values ``round(255 x)`` in each image of a batch, ``[B]`` (float).

    Replaces BasicSR's per-image ``len(torch.unique(...))`` loop by one scatter, so it stays on the device.
    """
    batch = image.shape[0]
    levels = torch.clamp((image * 255.0).round(), 0, 255).to(torch.int64).reshape(batch, -1)
    present = torch.zeros(batch, 256, dtype=image.dtype, device=image.device)
    present.scatter_(1, levels, 1.0)
    return present.sum(dim=1)


def add_poisson_noise(image: torch.Tensor, scale: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Add scaled Poisson (shot) noise per image (``scale`` ``[B]``), then clip: BasicSR ``*_poisson_noise_pt``.

    The image is quantised to 8 bits, ``n`` = its number of distinct levels, and ``vals = 2^ceil(log2 n)``
    plays the role of the photon count at full scale: ``noise = scale * (Poisson(vals x_q) / vals - x_q)``,
    added to the unquantised image. Hence ``E[noise] = 0`` and ``Var[noise] = scale^2 x_q / vals``.
    Because ``n <= 256``, ``vals <= 256`` whatever the bit depth of the data.
    """
    quantised = torch.clamp((image * 255.0).round(), 0, 255) / 255.0
    vals = torch.exp2(torch.ceil(torch.log2(count_8bit_levels(image)))).view(-1, 1, 1, 1)
    counts = torch.poisson(quantised * vals, generator=generator)
    noise = (counts / vals - quantised) * scale.to(image).view(-1, 1, 1, 1)
    return torch.clamp(image + noise, 0.0, 1.0)


def output_size(length: int, scale: int, factor: float) -> int:
    """Stage-two target length ``int(length / scale * factor)``, written as the official code does."""
    return int(length / scale * factor)


def min_reflect_length(kernel_size: int) -> int:
    """Shortest side a reflect padding of ``kernel_size // 2`` accepts (torch needs pad < length)."""
    return kernel_size // 2 + 1


def smallest_stage_one_length(length: int, low: float) -> int:
    """Shortest side after the first resize: ``floor(length * low)`` as ``F.interpolate`` computes it."""
    return math.floor(length * low)
