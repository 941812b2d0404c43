"""Unsharp masking of training targets, as Real-ESRGAN does before its L1 and perceptual losses."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from microsr_bench.errors import InvalidArgumentError

__all__ = ["USMSharp", "gaussian_kernel_1d", "opencv_gaussian_sigma"]


def opencv_gaussian_sigma(ksize: int) -> float:
    """The sigma OpenCV's ``getGaussianKernel`` uses when asked for ``sigma <= 0``.

    OpenCV documents ``sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8``. For Real-ESRGAN's 51-tap kernel
    this is ``0.3 * 24 + 0.8 = 8.0``.
    """
    return 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8


def gaussian_kernel_1d(ksize: int, sigma: float = 0.0) -> torch.Tensor:
    """A normalised 1-D Gaussian of odd length ``ksize`` in float64, like ``cv2.getGaussianKernel``.

    ``sigma <= 0`` takes OpenCV's rule (:func:`opencv_gaussian_sigma`). OpenCV's fixed tables for
    ``ksize <= 7`` with ``sigma <= 0`` are not reproduced; Real-ESRGAN uses ``ksize = 51``.
    """
    if ksize < 1 or ksize % 2 == 0:
        raise InvalidArgumentError(f"Gaussian kernel size must be a positive odd integer, got {ksize}.")
    if sigma <= 0:
        sigma = opencv_gaussian_sigma(ksize)
    x = torch.arange(ksize, dtype=torch.float64) - (ksize - 1) / 2
    kernel = torch.exp(-(x**2) / (2 * sigma**2))
    return kernel / kernel.sum()


class USMSharp(nn.Module):
    """Thresholded unsharp masking with a soft mask (Real-ESRGAN's ``USMSharp``, BasicSR ``img_process_util``).

    With ``B = blur(I)`` (Gaussian, 51x51, sigma 8, reflect padding):

    1. ``K = clip(I + weight * (I - B), 0, 1)`` - the sharpened image;
    2. ``mask = |I - B| * 255 > threshold`` - where the detail is strong enough to sharpen;
    3. ``soft = blur(mask)``;
    4. ``out = soft * K + (1 - soft) * I``.

    Real-ESRGAN sharpens the ground truth used by the L1 and perceptual losses (``l1_gt_usm``,
    ``percep_gt_usm`` true) but not the discriminator's real input (``gan_gt_usm`` false). Inputs are
    float ``[B, C, H, W]`` in [0, 1] whatever the original bit depth, so the threshold is 10/255 of
    full scale for 8- and 16-bit data alike. The 2-D blur is applied as two 1-D passes, which is the
    same linear map as the official outer-product kernel (float rounding aside).

    Args:
        radius: kernel size; an even value is increased by one, as officially (50 -> 51).
        sigma: Gaussian sigma; ``<= 0`` takes OpenCV's rule (8.0 for 51 taps).
    """

    kernel: torch.Tensor

    def __init__(self, radius: int = 50, sigma: float = 0.0) -> None:
        super().__init__()
        if radius < 1:
            raise InvalidArgumentError(f"USMSharp radius must be >= 1, got {radius}.")
        self.ksize = radius + 1 if radius % 2 == 0 else radius
        self.sigma = sigma if sigma > 0 else opencv_gaussian_sigma(self.ksize)
        self.register_buffer("kernel", gaussian_kernel_1d(self.ksize, self.sigma).float(), persistent=False)

    def blur(self, img: torch.Tensor) -> torch.Tensor:
        """Gaussian blur of every channel with reflect padding (OpenCV's BORDER_REFLECT_101)."""
        b, c, h, w = img.shape
        pad = self.ksize // 2
        if h <= pad or w <= pad:
            raise InvalidArgumentError(
                f"USMSharp with a {self.ksize}-tap kernel needs images larger than {pad} pixels per side for "
                f"reflect padding, got {h}x{w}. Sharpen before cropping, or use a smaller radius."
            )
        flat = F.pad(img.reshape(b * c, 1, h, w), (pad, pad, pad, pad), mode="reflect")
        kernel = self.kernel.to(img.dtype)
        flat = F.conv2d(flat, kernel.view(1, 1, 1, -1))
        flat = F.conv2d(flat, kernel.view(1, 1, -1, 1))
        return flat.reshape(b, c, h, w)

    def forward(self, img: torch.Tensor, weight: float = 0.5, threshold: float = 10.0) -> torch.Tensor:
        if img.ndim != 4 or not img.is_floating_point():
            raise InvalidArgumentError(
                f"USMSharp expects a float [B, C, H, W] tensor in [0, 1], got {img.dtype} of shape "
                f"{tuple(img.shape)}. Divide integer images by the card's max_value first."
            )
        if not math.isfinite(weight) or not math.isfinite(threshold):
            raise InvalidArgumentError(f"weight and threshold must be finite, got {weight} and {threshold}.")
        residual = img - self.blur(img)
        mask = (residual.abs() * 255 > threshold).to(img.dtype)
        soft = self.blur(mask)
        sharp = torch.clamp(img + weight * residual, 0, 1)
        return soft * sharp + (1 - soft) * img
