"""Baseline JPEG compression of single-channel images in torch (luma only), batched, on any device.

A grayscale baseline JPEG (ITU-T T.81) keeps one component, so there is no colour transform and no
chroma subsampling. Each 8 x 8 block of ``255 * x - 128`` goes through the orthonormal 2-D DCT-II, is
divided by the luminance quantisation table (T.81 Annex K, Table K.1) scaled for the quality with the
IJG rule (libjpeg ``jpeg_quality_scaling`` and ``jpeg_add_quant_table``), rounded, multiplied back and
inverse transformed. Entropy coding is lossless and therefore skipped.

Two variants:

- ``"libjpeg"`` (default): the table libjpeg (and so Pillow) writes, halves rounded away from zero, and
  partial blocks padded by edge replication as libjpeg does. It agrees with Pillow's grayscale JPEG to
  within libjpeg's integer-DCT rounding (``tests/degradations/realesrgan/test_jpeg.py``).
- ``"diffjpeg"``: the luma path of BasicSR ``basicsr/utils/diffjpeg.py`` (``DiffJPEG(differentiable=False)``),
  which Real-ESRGAN uses: the table scaled by the continuous factor ``quality_to_factor(q)`` without IJG
  rounding or clamping, the table transposed (``y_table = ... .T``; so a vertical frequency ``u`` is
  quantised with the standard entry for horizontal frequency ``u``), ``torch.round`` and zero padding
  to a multiple of 16. For a gray image (R = G = B) DiffJPEG's chroma is constant and its luma is this.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from torch.nn import functional as F

#: JPEG luminance quantisation table at quality 50 (T.81 Annex K.1), rows = vertical frequency.
LUMA_QUANT_TABLE = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.float64,
)
BLOCK = 8

JpegVariant = Literal["libjpeg", "diffjpeg"]


def dct_matrix(dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu") -> torch.Tensor:
    """Orthonormal 8-point DCT-II matrix ``D`` (``coefficients = D @ block @ D.T``), as JPEG's FDCT."""
    n = np.arange(BLOCK)
    matrix = np.cos((2 * n[None, :] + 1) * n[:, None] * math.pi / (2 * BLOCK)) * math.sqrt(2 / BLOCK)
    matrix[0] /= math.sqrt(2)
    return torch.as_tensor(matrix, dtype=dtype, device=device)


def quality_scale(quality: torch.Tensor) -> torch.Tensor:
    """IJG percentage scale of the base table: ``5000 / q`` below 50, ``200 - 2 q`` from 50 (integer part).

    libjpeg computes this in integers for an integer quality; taking the integer part of the real-valued
    formula gives the same numbers at every integer quality and a step function in between.
    """
    quality = quality.clamp(1.0, 100.0)
    return torch.where(quality < 50, torch.floor(5000.0 / quality), torch.floor(200.0 - 2.0 * quality))


def luma_tables(quality: torch.Tensor) -> torch.Tensor:
    """Quantisation tables ``[B, 8, 8]`` for qualities ``[B]``: ``clamp((T * s + 50) // 100, 1, 255)``."""
    base = torch.as_tensor(LUMA_QUANT_TABLE, dtype=quality.dtype, device=quality.device)
    scale = quality_scale(quality).view(-1, 1, 1)
    return torch.floor((base * scale + 50.0) / 100.0).clamp(1.0, 255.0)


def diffjpeg_tables(quality: torch.Tensor) -> torch.Tensor:
    """DiffJPEG's tables ``[B, 8, 8]``: the transposed base table times ``(5000 / q or 200 - 2 q) / 100``."""
    base = torch.as_tensor(LUMA_QUANT_TABLE.T, dtype=quality.dtype, device=quality.device)
    factor = torch.where(quality < 50, 5000.0 / quality, 200.0 - 2.0 * quality) / 100.0
    return base * factor.view(-1, 1, 1)


def _round_half_away(values: torch.Tensor) -> torch.Tensor:
    # libjpeg's quantiser rounds halves away from zero; torch.round would round them to even.
    return torch.sign(values) * torch.floor(values.abs() + 0.5)


def jpeg_luma(image: torch.Tensor, quality: torch.Tensor | float, *, variant: JpegVariant = "libjpeg") -> torch.Tensor:
    """Compress and decompress single-channel images with baseline JPEG at per-image qualities.

    Args:
        image: ``[B, 1, H, W]`` float tensor in [0, 1] (values are not rounded to 8 bits first,
            like the official DiffJPEG; clamp before calling).
        quality: one quality for all images or a ``[B]`` tensor, in [1, 100] (real values allowed;
            below 100 for ``"diffjpeg"``, whose factor is 0 at 100).
        variant: ``"libjpeg"`` (standard tables, as Pillow) or ``"diffjpeg"`` (as Real-ESRGAN).

    Returns:
        The decoded images ``[B, 1, H, W]`` in [0, 1], same dtype and device, not rounded to 8 bits.
    """
    batch, _, height, width = image.shape
    work = image.to(torch.float32) if image.dtype not in (torch.float32, torch.float64) else image
    qualities = torch.as_tensor(quality, dtype=work.dtype, device=work.device).reshape(-1).expand(batch)
    multiple = 2 * BLOCK if variant == "diffjpeg" else BLOCK
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    if pad_h or pad_w:
        padding = (0, pad_w, 0, pad_h)
        work = F.pad(work, padding) if variant == "diffjpeg" else F.pad(work, padding, mode="replicate")
    rows, cols = (height + pad_h) // BLOCK, (width + pad_w) // BLOCK
    blocks = (work[:, 0] * 255.0 - 128.0).reshape(batch, rows, BLOCK, cols, BLOCK).transpose(2, 3)
    dct = dct_matrix(work.dtype, work.device)
    tables = (diffjpeg_tables if variant == "diffjpeg" else luma_tables)(qualities).view(batch, 1, 1, BLOCK, BLOCK)
    coefficients = dct @ blocks @ dct.T
    rounding = torch.round if variant == "diffjpeg" else _round_half_away
    dequantised = rounding(coefficients / tables) * tables
    decoded = dct.T @ dequantised @ dct + 128.0
    decoded = decoded.transpose(2, 3).reshape(batch, 1, rows * BLOCK, cols * BLOCK)[:, :, :height, :width]
    return (decoded.clamp(0.0, 255.0) / 255.0).to(image.dtype)
