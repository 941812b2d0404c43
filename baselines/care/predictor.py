"""CARE for x2: bicubic x2 of the LR frame, percentile normalisation, the U-Net, and back to the input's scale.

Used both for validation during training and for prediction; it follows the model contract
(``[B, 1, h, w]`` float32 in [0, 1] -> ``[B, 1, 2h, 2w]``). The bicubic is PyTorch's (``a = -0.75``,
``align_corners=False``), the same as the ``bicubic`` baseline. A bicubic is an affine-invariant linear filter
(its weights sum to 1), so normalising before or after it is the same; the percentiles are those of the LR
frame as acquired. Sides that are not multiples of ``2**depth`` are padded by reflection and cropped back
(CSBDeep's ``PadAndCropResizer``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from baselines.care.normalize import PREDICT_PERCENTILES, denormalize, normalize, percentiles
from baselines.care.unet import CareUNet

__all__ = ["CarePredictor", "bicubic_x2"]


def bicubic_x2(lr: torch.Tensor) -> torch.Tensor:
    """PyTorch's bicubic x2 (the ``bicubic`` baseline's interpolation, without clamping)."""
    return F.interpolate(lr, scale_factor=2, mode="bicubic", align_corners=False)


class CarePredictor(nn.Module):
    """``lr -> denormalize(unet(bicubic_x2(normalize(lr))))`` with CSBDeep's prediction percentiles."""

    def __init__(self, unet: CareUNet) -> None:
        super().__init__()
        self.unet = unet

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        mi, ma = percentiles(lr, *PREDICT_PERCENTILES)
        up = bicubic_x2(normalize(lr, mi, ma))
        m = self.unet.config.multiple
        height, width = up.shape[-2:]
        pad_h, pad_w = (-height) % m, (-width) % m
        if pad_h or pad_w:
            up = F.pad(up, (0, pad_w, 0, pad_h), mode="reflect")
        out = self.unet(up)[..., :height, :width]
        return denormalize(out, mi, ma)
