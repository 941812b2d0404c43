"""Lanczos-4 down-sampling by 2, as Real-ESRGAN's inference applies it when the output scale is below the net's.

Real-ESRGAN's ``inference_realesrgan.py --outscale 2`` with a x4 model resizes the x4 output with OpenCV's
``cv2.resize(..., interpolation=cv2.INTER_LANCZOS4)``. For a factor of exactly 1/2 that is, per axis: output
pixel ``i`` samples the input at ``2 i + 0.5`` (pixel-centre convention) with the 8 taps ``2 i - 3 .. 2 i + 4``,
weighted by the Lanczos window with a = 4, ``L(t) = sinc(t) sinc(t / 4)``, normalised to sum 1, the edge
pixels repeated beyond the border. There is no anti-aliasing widening of the kernel (OpenCV's ``INTER_AREA``
would do that; the official script does not use it). Checked against OpenCV in
``tests/baselines/realesrgan/test_resize.py``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["LANCZOS_A", "lanczos4_half", "lanczos4_half_taps"]

#: Lanczos window size (OpenCV's INTER_LANCZOS4).
LANCZOS_A = 4


def lanczos4_half_taps() -> torch.Tensor:
    """The 8 normalised float64 weights for taps ``2 i - 3 .. 2 i + 4`` (sample point ``2 i + 0.5``)."""
    weights = []
    for k in range(-3, 5):
        t = k - 0.5
        weights.append(LANCZOS_A * math.sin(math.pi * t) * math.sin(math.pi * t / LANCZOS_A) / (math.pi * t) ** 2)
    taps = torch.tensor(weights, dtype=torch.float64)
    return taps / taps.sum()


def lanczos4_half(image: torch.Tensor) -> torch.Tensor:
    """Down-sample float ``[B, C, H, W]`` (H, W even) by 2 per axis with OpenCV's Lanczos-4 rule; no clamping."""
    if image.ndim != 4 or image.shape[-1] % 2 or image.shape[-2] % 2:
        raise ValueError(f"lanczos4_half expects [B, C, H, W] with even H and W, got {tuple(image.shape)}.")
    batch, channels, height, width = image.shape
    taps = lanczos4_half_taps().to(image.dtype).to(image.device)
    x = image.reshape(batch * channels, 1, height, width)
    # Taps 2i-3 .. 2i+4: pad 3 before and 4 after (edge repeated), then a stride-2 convolution per axis.
    x = F.conv2d(F.pad(x, (3, 4, 0, 0), mode="replicate"), taps.view(1, 1, 1, 8), stride=(1, 2))
    x = F.conv2d(F.pad(x, (0, 0, 3, 4), mode="replicate"), taps.view(1, 1, 8, 1), stride=(2, 1))
    return x.reshape(batch, channels, height // 2, width // 2)
