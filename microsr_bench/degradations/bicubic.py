"""The classical synthetic degradation: bicubic down-sampling of the HR image, optionally plus Gaussian noise.

This is the training practice of most super-resolution work (and of BasicSR's "BI" and "BN" settings) that
the paper argues does not generalise to real acquisitions: real video-rate LR frames carry shot noise,
detector noise and bidirectional-scan artefacts, none of which this model makes. ``blind_synthetic(
degradation="bicubic")`` trains on it so the board can show that gap.

Down-sampling is antialiased bicubic (``torch.nn.functional.interpolate(mode="bicubic", antialias=True)``,
which follows the Keys kernel stretched by the scale, as MATLAB's ``imresize`` does for shrinking), then
``N(0, noise_sigma²)`` noise in [0, 1] units is added, and the result is clipped to [0, 1].
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from microsr_bench.errors import InvalidArgumentError

__all__ = ["BicubicDegradation"]


class BicubicDegradation:
    """``hr [B, 1, H, W]`` float in [0, 1] -> ``lr [B, 1, H/scale, W/scale]``: bicubic down, optional noise."""

    def __init__(self, scale: int = 2, noise_sigma: float = 0.0) -> None:
        if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
            raise InvalidArgumentError(f"scale must be a positive integer, got {scale!r}.")
        if isinstance(noise_sigma, bool) or not isinstance(noise_sigma, (int, float)):
            raise InvalidArgumentError(f"noise_sigma must be a number in [0, 1), got {noise_sigma!r}.")
        if not (math.isfinite(noise_sigma) and 0.0 <= noise_sigma < 1.0):
            raise InvalidArgumentError(
                f"noise_sigma is the Gaussian noise's sd in [0, 1] intensity units; expected 0 <= sigma < 1, got "
                f"{noise_sigma!r} (e.g. 0.01 for 1 % of the range; 0 for none)."
            )
        self.scale, self.noise_sigma = scale, float(noise_sigma)

    def __repr__(self) -> str:
        return f"BicubicDegradation(scale={self.scale}, noise_sigma={self.noise_sigma})"

    def __call__(self, hr: torch.Tensor, *, generator: np.random.Generator | int = 0) -> torch.Tensor:
        if not isinstance(hr, torch.Tensor) or hr.ndim != 4 or hr.shape[1] != 1 or not hr.is_floating_point():
            shape = tuple(hr.shape) if isinstance(hr, torch.Tensor) else type(hr).__name__
            raise InvalidArgumentError(f"BicubicDegradation expects float HR images [B, 1, H, W], got {shape}.")
        h, w = hr.shape[-2:]
        if h % self.scale or w % self.scale:
            raise InvalidArgumentError(
                f"HR size {h}x{w} is not divisible by the scale {self.scale}; crop the HR images to a multiple."
            )
        lr = F.interpolate(hr.float(), size=(h // self.scale, w // self.scale), mode="bicubic", antialias=True)
        if self.noise_sigma > 0:
            rng = generator if isinstance(generator, np.random.Generator) else np.random.default_rng(generator)
            noise = rng.normal(0.0, self.noise_sigma, size=tuple(lr.shape)).astype(np.float32)
            lr = lr + torch.from_numpy(noise).to(lr.device)
        return lr.clamp(0.0, 1.0)
