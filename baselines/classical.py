"""Classical reference methods: nearest and bicubic x2 up-sampling, a fitted intensity map, frame averaging.

All follow the model contract of DESIGN.md: float32 ``[B, 1, h, w]`` in [0, 1] -> ``[B, 1, 2h, 2w]``.
Bicubic is PyTorch's (cubic convolution with a = -0.75, ``align_corners=False``, as OpenCV's INTER_CUBIC);
MATLAB's ``imresize`` uses a = -0.5, which gives slightly softer edges. Outputs are clamped to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import datasets
import numpy as np
import torch
import torch.nn.functional as F

from microsr_bench.data.info import benchmark_info
from microsr_bench.errors import InvalidArgumentError

Interpolation = Literal["nearest", "bicubic", "bilinear"]


def _check_input(lr: torch.Tensor, channels: int | None = 1) -> None:
    if not isinstance(lr, torch.Tensor):
        raise InvalidArgumentError(f"expected a torch.Tensor batch, got {type(lr).__name__}; use torch.from_numpy.")
    if lr.ndim != 4 or (channels is not None and lr.shape[1] != channels):
        want = f"[B, {channels}, h, w]" if channels is not None else "[B, k, h, w]"
        raise InvalidArgumentError(
            f"expected a batch shaped {want}, got {tuple(lr.shape)}; add the batch and channel axes (x[None, None])."
        )
    if not lr.is_floating_point():
        raise InvalidArgumentError(
            f"expected float input in [0, 1], got dtype {lr.dtype}; divide the integer frames by the card's max_value."
        )


def upsample(lr: torch.Tensor, mode: Interpolation = "bicubic", scale: int = 2) -> torch.Tensor:
    """Up-sample ``[B, C, h, w]`` by ``scale`` with the given interpolation and clamp to [0, 1]."""
    if mode == "nearest":
        out = F.interpolate(lr, scale_factor=scale, mode="nearest")
    else:
        out = F.interpolate(lr, scale_factor=scale, mode=mode, align_corners=False)
    return out.clamp(0.0, 1.0)


@dataclass
class Interpolate:
    """x2 up-sampling by interpolation; nothing to train."""

    mode: Interpolation = "bicubic"
    scale: int = 2

    @property
    def name(self) -> str:
        return self.mode

    @property
    def description(self) -> str:
        return f"{self.mode} x{self.scale} up-sampling of one LR frame (PyTorch, align_corners=False)"

    def __call__(self, lr: torch.Tensor) -> torch.Tensor:
        _check_input(lr)
        return upsample(lr, self.mode, self.scale)


@dataclass
class FittedBicubic:
    """Bicubic x2 followed by an affine intensity map ``a * x + b`` fitted on the training pairs.

    LR and HR are digitised with different gains and offsets; the fit (least squares over all pixels of up to
    ``max_pairs`` training pairs, pooled, spread evenly over the split so that every field contributes) learns
    that map and nothing else — the simplest method that uses training data.
    """

    a: float = 1.0
    b: float = 0.0
    max_pairs: int = 400

    name = "bicubic-fit"

    @property
    def description(self) -> str:
        return f"bicubic x2 then intensity map {self.a:.4g}*x+{self.b:.4g} fitted on training pairs"

    def fit(self, train: datasets.Dataset, validation: datasets.Dataset | None = None) -> FittedBicubic:
        if len(train) == 0:
            raise InvalidArgumentError("bicubic-fit: the training split is empty; pass at least one LR/HR pair.")
        info = benchmark_info(train)
        # Evenly spread rows: the split is ordered by field, so its first rows would all come from one field.
        picks = np.unique(np.linspace(0, len(train) - 1, min(self.max_pairs, len(train))).round().astype(np.int64))
        rows = train.select(picks.tolist()).select_columns(["dataset", "lr", "hr"]).with_format("numpy")
        sums = np.zeros((2, 2))
        rhs = np.zeros(2)
        for row in rows:
            scale = float(info.max_values[str(row["dataset"])])
            x = upsample(torch.from_numpy(row["lr"].astype(np.float32) / scale)[None, None])[0, 0].numpy()
            y = row["hr"].astype(np.float64) / scale
            design = np.stack([x.ravel().astype(np.float64), np.ones(x.size)])
            sums += design @ design.T
            rhs += design @ y.ravel()
        # lstsq rather than solve: a constant training set leaves the normal equations singular.
        self.a, self.b = (float(v) for v in np.linalg.lstsq(sums, rhs, rcond=None)[0])
        return self

    def __call__(self, lr: torch.Tensor) -> torch.Tensor:
        _check_input(lr)
        return (upsample(lr) * self.a + self.b).clamp(0.0, 1.0)


@dataclass
class FrameAveraging:
    """Mean of ``k`` LR frames of the same field, then bicubic x2: trades frame rate for noise.

    Input ``[B, k, h, w]`` (a burst of k frames per sample, as the burst protocol supplies), output
    ``[B, 1, 2h, 2w]``. With k = 1 it is plain bicubic.
    """

    k: int = 4

    @property
    def name(self) -> str:
        return f"frame-average-{self.k}"

    @property
    def description(self) -> str:
        return f"mean of {self.k} LR frames of one field, then bicubic x2"

    def __call__(self, lr: torch.Tensor) -> torch.Tensor:
        _check_input(lr, channels=None)
        if lr.shape[1] != self.k:
            raise InvalidArgumentError(
                f"FrameAveraging(k={self.k}) got bursts of {lr.shape[1]} frames; pass [B, {self.k}, h, w] (k frames of "
                "one field per sample) or build it with the matching k."
            )
        return upsample(lr.mean(dim=1, keepdim=True))
