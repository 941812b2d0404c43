"""The Real-ESRGAN discriminator: a U-Net with spectral normalisation and skip connections."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from microsr_bench.errors import ConfigError, InvalidArgumentError

__all__ = ["DiscriminatorConfig", "UNetDiscriminatorSN"]

#: Slope of every LeakyReLU in the discriminator (Real-ESRGAN ``discriminator_arch.py``).
LEAKY_SLOPE = 0.2


@dataclass(frozen=True)
class DiscriminatorConfig:
    """Hyper-parameters of :class:`UNetDiscriminatorSN`; defaults are the official ``network_d``.

    Source: ``network_d`` in ``options/train_realesrgan_x2plus.yml`` of xinntao/Real-ESRGAN.
    """

    #: Input image channels (3 official, 1 for grayscale).
    num_in_ch: int = 3
    #: Base width; the encoder doubles it three times (64 -> 128 -> 256 -> 512).
    num_feat: int = 64
    #: Add encoder features to the decoder at each resolution (the "U" of the U-Net).
    skip_connection: bool = True

    def __post_init__(self) -> None:
        for name in ("num_in_ch", "num_feat"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(
                    f"DiscriminatorConfig.{name} must be a positive integer, got {value!r}. Pass e.g. {name}=64."
                )
        if not isinstance(self.skip_connection, bool):
            raise ConfigError(
                f"DiscriminatorConfig.skip_connection must be True or False, got {self.skip_connection!r}."
            )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> DiscriminatorConfig:
        """Build a config from a mapping (e.g. parsed YAML); unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"Unknown discriminator config key(s) {unknown}; valid keys are {sorted(known)}. Remove or rename them."
            )
        return cls(**dict(values))

    def to_dict(self) -> dict[str, Any]:
        """The config as a plain dict (JSON-ready), inverse of :meth:`from_dict`."""
        return dataclasses.asdict(self)

    @classmethod
    def from_state_dict(cls, state_dict: Mapping[str, torch.Tensor]) -> DiscriminatorConfig:
        """Read ``num_in_ch`` and ``num_feat`` back from ``conv0.weight`` (skip connections hold no weights)."""
        if "conv0.weight" not in state_dict:
            raise InvalidArgumentError(
                "Not a UNetDiscriminatorSN state dict: 'conv0.weight' is missing. Pass the discriminator's "
                "state, e.g. checkpoint['params'] of RealESRGAN_x2plus_netD.pth."
            )
        weight = state_dict["conv0.weight"]
        return cls(num_in_ch=int(weight.shape[1]), num_feat=int(weight.shape[0]))


class UNetDiscriminatorSN(nn.Module):
    """U-Net discriminator with spectral normalisation, as in Real-ESRGAN (Wang et al., ICCVW 2021, sec. 3.3).

    Encoder: ``conv0`` (3x3) then three strided 4x4 convolutions (``conv1``-``conv3``) halving the size
    and doubling the width. Decoder: three bilinear x2 up-samplings each followed by a 3x3 convolution
    (``conv4``-``conv6``) whose output is added to the encoder feature of the same size when
    ``skip_connection``. Two more 3x3 convolutions (``conv7``, ``conv8``) and ``conv9`` give one logit
    per pixel, shape ``[B, 1, H, W]``. All activations are LeakyReLU 0.2. ``conv1``-``conv8`` are
    wrapped in :func:`torch.nn.utils.spectral_norm` (bias-free), so their state-dict entries are
    ``weight_orig`` (a parameter) and ``weight_u`` / ``weight_v`` (power-iteration buffers), as in the
    official ``RealESRGAN_x2plus_netD.pth``. H and W must be multiples of 8.

    Parameter count with the defaults: 4,376,897 (``weight_orig`` and biases; the u/v buffers,
    1,472 + 16,384 values, are not parameters).
    """

    def __init__(self, num_in_ch: int = 3, num_feat: int = 64, skip_connection: bool = True) -> None:
        super().__init__()
        self.config = DiscriminatorConfig(num_in_ch, num_feat, skip_connection)
        self.skip_connection = skip_connection
        f = num_feat
        self.conv0 = nn.Conv2d(num_in_ch, f, kernel_size=3, stride=1, padding=1)
        self.conv1 = spectral_norm(nn.Conv2d(f, f * 2, 4, 2, 1, bias=False))
        self.conv2 = spectral_norm(nn.Conv2d(f * 2, f * 4, 4, 2, 1, bias=False))
        self.conv3 = spectral_norm(nn.Conv2d(f * 4, f * 8, 4, 2, 1, bias=False))
        self.conv4 = spectral_norm(nn.Conv2d(f * 8, f * 4, 3, 1, 1, bias=False))
        self.conv5 = spectral_norm(nn.Conv2d(f * 4, f * 2, 3, 1, 1, bias=False))
        self.conv6 = spectral_norm(nn.Conv2d(f * 2, f, 3, 1, 1, bias=False))
        self.conv7 = spectral_norm(nn.Conv2d(f, f, 3, 1, 1, bias=False))
        self.conv8 = spectral_norm(nn.Conv2d(f, f, 3, 1, 1, bias=False))
        self.conv9 = nn.Conv2d(f, 1, 3, 1, 1)

    @classmethod
    def from_config(cls, config: DiscriminatorConfig) -> UNetDiscriminatorSN:
        """Build the network described by ``config``."""
        return cls(**config.to_dict())

    def _check_input(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.config.num_in_ch:
            raise InvalidArgumentError(
                f"UNetDiscriminatorSN expects a [B, {self.config.num_in_ch}, H, W] tensor, got shape "
                f"{tuple(x.shape)}. Build the discriminator with the matching num_in_ch."
            )
        if x.shape[2] % 8 or x.shape[3] % 8:
            raise InvalidArgumentError(
                f"UNetDiscriminatorSN needs H and W divisible by 8 (three stride-2 stages), got "
                f"{tuple(x.shape[2:])}. Crop training patches to a multiple of 8."
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        x0 = F.leaky_relu(self.conv0(x), LEAKY_SLOPE, inplace=True)
        x1 = F.leaky_relu(self.conv1(x0), LEAKY_SLOPE, inplace=True)
        x2 = F.leaky_relu(self.conv2(x1), LEAKY_SLOPE, inplace=True)
        x3 = F.leaky_relu(self.conv3(x2), LEAKY_SLOPE, inplace=True)
        out = x3
        for conv, skip in ((self.conv4, x2), (self.conv5, x1), (self.conv6, x0)):
            out = F.interpolate(out, scale_factor=2, mode="bilinear", align_corners=False)
            out = F.leaky_relu(conv(out), LEAKY_SLOPE, inplace=True)
            if self.skip_connection:
                out = out + skip
        out = F.leaky_relu(self.conv7(out), LEAKY_SLOPE, inplace=True)
        out = F.leaky_relu(self.conv8(out), LEAKY_SLOPE, inplace=True)
        return self.conv9(out)
