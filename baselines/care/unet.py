"""CARE's network: CSBDeep's standard residual U-Net, in PyTorch (our own code), and the x2 predictor around it.

The architecture follows CSBDeep's defaults (``csbdeep/models/config.py``: ``Config``; ``csbdeep/internals/
nets.py``: ``common_unet``; ``csbdeep/internals/blocks.py``: ``unet_block``, ``conv_block2``), read as
behaviour, not copied:

* ``unet_n_depth=2``, ``unet_kern_size=5`` (2-D), ``unet_n_first=32``, ``unet_n_conv_per_depth=2``,
  ``unet_activation="relu"``, no batch norm, no dropout, max-pooling by 2, nearest up-sampling, skip
  connections concatenated after up-sampling, ``padding="same"``;
* down level ``n``: convolutions at ``n_first * 2**n``, then pooling;
* middle: ``n_conv_per_depth - 1`` convolutions at ``n_first * 2**depth``, then one at
  ``n_first * 2**max(0, depth - 1)``;
* up level ``n`` (deepest first): up-sample, concatenate the skip, ``n_conv_per_depth - 1`` convolutions at
  ``n_first * 2**n``, then one at ``n_first * 2**max(0, n - 1)``;
* a final 1x1 convolution to ``n_channel_out`` with linear activation, the input added
  (``unet_residual`` is True when ``n_channel_in == n_channel_out``), last activation linear;
* Keras' initialisation: Glorot-uniform kernels, zero biases.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from microsr_bench.errors import ConfigError

__all__ = ["CareUNet", "UNetConfig"]


@dataclass(frozen=True)
class UNetConfig:
    """CSBDeep ``Config`` fields of the U-Net; the defaults are CSBDeep's."""

    #: ``unet_n_depth``: number of pooling levels.
    n_depth: int = 2
    #: ``unet_kern_size``: side of the square convolution kernels.
    kern_size: int = 5
    #: ``unet_n_first``: features of the first level (doubled per level down).
    n_first: int = 32
    #: ``unet_n_conv_per_depth``: convolutions per level.
    n_conv_per_depth: int = 2
    #: ``n_channel_in`` = ``n_channel_out``: gray images; the U-Net is residual.
    n_channel: int = 1

    def __post_init__(self) -> None:
        for name in ("n_depth", "kern_size", "n_first", "n_conv_per_depth", "n_channel"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"UNetConfig.{name} must be an integer >= 1, got {value!r} (CSBDeep default above).")
        if self.kern_size % 2 == 0:
            raise ConfigError(f"UNetConfig.kern_size must be odd ('same' padding), got {self.kern_size}.")

    @property
    def multiple(self) -> int:
        """Image sides must be multiples of this (one halving per level)."""
        return 2**self.n_depth

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> UNetConfig:
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ConfigError(
                f"Unknown UNetConfig key(s) {unknown}; valid: {[f.name for f in dataclasses.fields(cls)]}."
            )
        return cls(**dict(values))


def _conv(c_in: int, c_out: int, kernel: int) -> nn.Conv2d:
    conv = nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2)
    nn.init.xavier_uniform_(conv.weight)  # Keras' glorot_uniform
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)
    return conv


def _stack(widths: list[tuple[int, int]], kernel: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for c_in, c_out in widths:
        layers += [_conv(c_in, c_out, kernel), nn.ReLU()]
    return nn.Sequential(*layers)


class CareUNet(nn.Module):
    """The residual CARE U-Net on normalised images ``[B, C, H, W]`` with ``H``, ``W`` multiples of ``2**depth``."""

    def __init__(self, config: UNetConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or UNetConfig()
        k, f, n = c.kern_size, c.n_first, c.n_conv_per_depth
        self.down = nn.ModuleList()
        c_in = c.n_channel
        for level in range(c.n_depth):
            width = f * 2**level
            self.down.append(_stack([(c_in, width)] + [(width, width)] * (n - 1), k))
            c_in = width
        deep = f * 2**c.n_depth
        middle = [(c_in, deep)] + [(deep, deep)] * (n - 2) if n > 1 else []
        last_in = deep if n > 1 else c_in
        self.middle = _stack([*middle, (last_in, f * 2 ** max(0, c.n_depth - 1))], k)
        self.up = nn.ModuleList()
        c_in = f * 2 ** max(0, c.n_depth - 1)
        for level in reversed(range(c.n_depth)):
            width, skip = f * 2**level, f * 2**level
            convs = [(c_in + skip, width)] + [(width, width)] * (n - 2) if n > 1 else []
            out = f * 2 ** max(0, level - 1)
            self.up.append(_stack([*convs, (width if n > 1 else c_in + skip, out)], k))
            c_in = out
        self.final = _conv(c_in, c.n_channel, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.config.multiple
        if x.ndim != 4 or x.shape[1] != self.config.n_channel or x.shape[-2] % m or x.shape[-1] % m:
            raise ConfigError(
                f"CareUNet expects [B, {self.config.n_channel}, H, W] with H and W multiples of {m}, got "
                f"{tuple(x.shape)}. Pad the image (CarePredictor does)."
            )
        skips = []
        layer = x
        for block in self.down:
            layer = block(layer)
            skips.append(layer)
            layer = F.max_pool2d(layer, 2)
        layer = self.middle(layer)
        for block, skip in zip(self.up, reversed(skips), strict=True):
            layer = block(torch.cat([F.interpolate(layer, scale_factor=2, mode="nearest"), skip], dim=1))
        return self.final(layer) + x
