"""Unsharp masking of training targets, as Real-ESRGAN does before its L1 and perceptual losses.

The arithmetic lives in the library, one layer down (:func:`microsr_bench.degradations.realesrgan.ops.usm_sharpen`,
which the Real-ESRGAN degradation also uses on its HR input); this module only gives it the ``nn.Module`` shape
and the constructor arguments of the official ``USMSharp``.
"""

from __future__ import annotations

import torch
from torch import nn

from microsr_bench.degradations.realesrgan.ops import opencv_gaussian_sigma, usm_sharpen
from microsr_bench.errors import InvalidArgumentError

__all__ = ["USMSharp"]


class USMSharp(nn.Module):
    """Thresholded unsharp masking with a soft mask (Real-ESRGAN's ``USMSharp``, BasicSR ``img_process_util``).

    With ``B = blur(I)`` (Gaussian, 51x51, sigma 8, reflect padding):

    1. ``K = clip(I + weight * (I - B), 0, 1)`` - the sharpened image;
    2. ``mask = |I - B| * 255 > threshold`` - where the detail is strong enough to sharpen;
    3. ``soft = blur(mask)``;
    4. ``out = soft * K + (1 - soft) * I``.

    Real-ESRGAN sharpens the ground truth used by the L1 and perceptual losses (``l1_gt_usm``,
    ``percep_gt_usm`` true) but not the discriminator's real input (``gan_gt_usm`` false). Inputs are
    float ``[B, C, H, W]`` in [0, 1] whatever the original bit depth.

    Args:
        radius: kernel size; an even value is increased by one, as officially (50 -> 51).
        sigma: Gaussian sigma; ``<= 0`` takes OpenCV's rule (8.0 for 51 taps).
    """

    def __init__(self, radius: int = 50, sigma: float = 0.0) -> None:
        super().__init__()
        if isinstance(radius, bool) or not isinstance(radius, int) or radius < 1:
            raise InvalidArgumentError(f"USMSharp radius must be an int >= 1, got {radius!r}. The official one is 50.")
        self.ksize = radius + 1 if radius % 2 == 0 else radius
        self.sigma = sigma if sigma > 0 else opencv_gaussian_sigma(self.ksize)

    def forward(self, img: torch.Tensor, weight: float = 0.5, threshold: float = 10.0) -> torch.Tensor:
        return usm_sharpen(img, size=self.ksize, sigma=self.sigma, weight=weight, threshold=threshold)
