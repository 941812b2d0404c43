"""The Real-ESRGAN generator: RRDBNet with the official parameter names, shapes and initialisation."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import torch
import torch.nn.functional as F
from torch import nn

from microsr_bench.errors import ConfigError, InvalidArgumentError

__all__ = ["RRDB", "RRDBNet", "RRDBNetConfig", "ResidualDenseBlock"]

#: Scale of the whole network -> pixel-unshuffle factor applied before ``conv_first``. The trunk always
#: up-samples x4 (two nearest x2 steps), so x2 and x1 first fold space into channels (BasicSR
#: ``rrdbnet_arch.py``: "we first employ the pixel-unshuffle ... to reduce the spatial size").
_UNSHUFFLE = {1: 4, 2: 2, 4: 1}

#: Residual scaling inside a dense block and around an RRDB (ESRGAN, Wang et al. 2018, section 3.1).
RESIDUAL_SCALE = 0.2

#: Slope of every LeakyReLU in the generator (ESRGAN / BasicSR).
LEAKY_SLOPE = 0.2

_BODY_KEY = re.compile(r"^body\.(\d+)\.")


@dataclass(frozen=True)
class RRDBNetConfig:
    """Hyper-parameters of :class:`RRDBNet`; the defaults are the official ``RealESRGAN_x2plus`` ones.

    Source: ``network_g`` in ``options/train_realesrgan_x2plus.yml`` of xinntao/Real-ESRGAN.
    """

    #: Input image channels (3 for the official RGB release, 1 for our grayscale models).
    num_in_ch: int = 3
    #: Output image channels.
    num_out_ch: int = 3
    #: Super-resolution factor: 1, 2 (the benchmark) or 4.
    scale: Literal[1, 2, 4] = 2
    #: Width of the trunk (channels between blocks).
    num_feat: int = 64
    #: Number of RRDB blocks in the trunk.
    num_block: int = 23
    #: Channels each dense layer adds ("growth").
    num_grow_ch: int = 32

    def __post_init__(self) -> None:
        for name in ("num_in_ch", "num_out_ch", "num_feat", "num_block", "num_grow_ch"):
            value = getattr(self, name)
            # An empty trunk (num_block=0) is legal, as in BasicSR's make_layer.
            lowest = 0 if name == "num_block" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
                raise ConfigError(
                    f"RRDBNetConfig.{name} must be an integer >= {lowest}, got {value!r}. Pass e.g. {name}=64."
                )
        if isinstance(self.scale, bool) or not isinstance(self.scale, int) or self.scale not in _UNSHUFFLE:
            raise ConfigError(
                f"RRDBNetConfig.scale must be one of {sorted(_UNSHUFFLE)}, got {self.scale!r}. "
                "The benchmark is x2: pass scale=2."
            )

    @property
    def unshuffle(self) -> int:
        """Pixel-unshuffle factor applied to the input (4 for x1, 2 for x2, 1 for x4)."""
        return _UNSHUFFLE[self.scale]

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> RRDBNetConfig:
        """Build a config from a mapping (e.g. parsed YAML); unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"Unknown RRDBNet config key(s) {unknown}; valid keys are {sorted(known)}. Remove or rename them."
            )
        return cls(**dict(values))

    def to_dict(self) -> dict[str, int]:
        """The config as a plain dict (JSON-ready), inverse of :meth:`from_dict`."""
        return dataclasses.asdict(self)

    @classmethod
    def from_state_dict(cls, state_dict: Mapping[str, torch.Tensor]) -> RRDBNetConfig:
        """Read the architecture back from a state dict's shapes.

        ``num_feat`` and ``num_grow_ch`` come from ``conv_first`` and ``body.0.rdb1.conv1``; ``num_block``
        from the highest ``body.{i}`` index. Input and output channel counts are assumed equal (true for
        every official release), so ``conv_last`` gives the channels and ``conv_first``'s input width
        divided by them gives the unshuffle factor, hence the scale.
        """
        needed = ("conv_first.weight", "conv_last.weight")
        missing = [k for k in needed if k not in state_dict]
        if missing:
            raise InvalidArgumentError(
                f"Not an RRDBNet state dict: key(s) {missing} are missing (expected keys like 'conv_first.weight', "
                "'body.0.rdb1.conv1.weight'). Pass the generator's state, e.g. checkpoint['params_ema']."
            )
        first = state_dict["conv_first.weight"]
        channels = int(state_dict["conv_last.weight"].shape[0])
        folded = int(first.shape[1])
        scale = {channels * f * f: s for s, f in _UNSHUFFLE.items()}.get(folded)
        if scale is None:
            raise InvalidArgumentError(
                f"conv_first.weight has {folded} input channels, which is not {channels} image channel(s) times "
                "1, 4 or 16 (scales x4, x2, x1). The state dict does not come from an RRDBNet."
            )
        blocks = {int(m.group(1)) for k in state_dict if (m := _BODY_KEY.match(k))}
        grow_key = "body.0.rdb1.conv1.weight"
        grow = int(state_dict[grow_key].shape[0]) if grow_key in state_dict else 32
        return cls(
            num_in_ch=channels,
            num_out_ch=channels,
            scale=cast(Literal[1, 2, 4], scale),
            num_feat=int(first.shape[0]),
            num_block=max(blocks) + 1 if blocks else 0,
            num_grow_ch=grow,
        )


def _scaled_kaiming_(convs: list[nn.Conv2d], scale: float) -> None:
    """He-normal weights times ``scale``, zero bias: BasicSR's ``default_init_weights(..., 0.1)``.

    ESRGAN shrinks the initial residual branches so that a deep stack starts close to identity.
    """
    with torch.no_grad():
        for conv in convs:
            nn.init.kaiming_normal_(conv.weight)
            conv.weight.mul_(scale)
            if conv.bias is not None:
                conv.bias.zero_()


class ResidualDenseBlock(nn.Module):
    """Five densely connected 3x3 convolutions with a scaled residual (ESRGAN, Wang et al. 2018).

    Layer ``k`` sees the block input concatenated with the outputs of layers ``1..k-1``; layers 1-4 add
    ``num_grow_ch`` channels each (LeakyReLU 0.2), layer 5 maps back to ``num_feat`` without activation,
    and the block returns ``input + 0.2 * conv5``.
    """

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        _scaled_kaiming_([self.conv1, self.conv2, self.conv3, self.conv4, self.conv5], 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            features.append(F.leaky_relu(conv(torch.cat(features, dim=1)), LEAKY_SLOPE, inplace=True))
        return x + RESIDUAL_SCALE * self.conv5(torch.cat(features, dim=1))


class RRDB(nn.Module):
    """Residual-in-residual dense block: three dense blocks in a row, wrapped in a 0.2-scaled residual."""

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + RESIDUAL_SCALE * self.rdb3(self.rdb2(self.rdb1(x)))


class RRDBNet(nn.Module):
    """ESRGAN's RRDB generator as trained in Real-ESRGAN (Wang et al., ICCVW 2021).

    The input is folded by pixel-unshuffle (factor 2 for x2) so that the trunk runs at half resolution,
    then ``conv_first`` -> ``num_block`` RRDBs -> ``conv_body`` plus a long skip, two nearest-neighbour
    x2 up-samplings each followed by a 3x3 convolution and LeakyReLU (``conv_up1``, ``conv_up2``),
    ``conv_hr`` + LeakyReLU, and ``conv_last``. There is no output activation and no clamping: callers
    clamp to [0, 1] at inference.

    Parameter names and shapes equal BasicSR's ``basicsr/archs/rrdbnet_arch.py``, so the official
    ``RealESRGAN_x2plus.pth`` (``params_ema``) loads unchanged: 702 tensors, 16,703,171 parameters.

    Args:
        num_in_ch: input channels (3 official, 1 for grayscale microscopy).
        num_out_ch: output channels.
        scale: 1, 2 or 4.
        num_feat: trunk width.
        num_block: number of RRDBs.
        num_grow_ch: dense growth channels.
    """

    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        scale: Literal[1, 2, 4] = 2,
        num_feat: int = 64,
        num_block: int = 23,
        num_grow_ch: int = 32,
    ) -> None:
        super().__init__()
        self.config = RRDBNetConfig(num_in_ch, num_out_ch, scale, num_feat, num_block, num_grow_ch)
        self.scale = scale
        folded = num_in_ch * self.config.unshuffle**2
        self.conv_first = nn.Conv2d(folded, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(RRDB(num_feat, num_grow_ch) for _ in range(num_block)))
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    @classmethod
    def from_config(cls, config: RRDBNetConfig) -> RRDBNet:
        """Build the network described by ``config``."""
        c = config
        return cls(c.num_in_ch, c.num_out_ch, c.scale, c.num_feat, c.num_block, c.num_grow_ch)

    def _check_input(self, x: torch.Tensor) -> None:
        factor = self.config.unshuffle
        if x.ndim != 4 or x.shape[1] != self.config.num_in_ch:
            raise InvalidArgumentError(
                f"RRDBNet expects a [B, {self.config.num_in_ch}, H, W] tensor, got shape {tuple(x.shape)}. "
                "Add the batch/channel axes (x[None, None]) or build the model with the matching num_in_ch."
            )
        if x.shape[2] % factor or x.shape[3] % factor:
            raise InvalidArgumentError(
                f"RRDBNet x{self.scale} needs H and W divisible by {factor} (pixel-unshuffle), got "
                f"{tuple(x.shape[2:])}. Pad or crop the input to a multiple of {factor}."
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        feat = F.pixel_unshuffle(x, self.config.unshuffle) if self.config.unshuffle > 1 else x
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        feat = F.leaky_relu(
            self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")), LEAKY_SLOPE, inplace=True
        )
        feat = F.leaky_relu(
            self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")), LEAKY_SLOPE, inplace=True
        )
        return self.conv_last(F.leaky_relu(self.conv_hr(feat), LEAKY_SLOPE, inplace=True))
