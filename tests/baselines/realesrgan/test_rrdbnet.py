"""Tests of the RRDBNet generator: shapes, official names/shapes/count, config, input checks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from baselines.realesrgan import RRDBNet, RRDBNetConfig
from microsr_bench.errors import ConfigError, InvalidArgumentError


def expected_generator_shapes(
    num_in_ch: int = 3, num_out_ch: int = 3, unshuffle: int = 2, feat: int = 64, blocks: int = 23, grow: int = 32
) -> dict[str, tuple[int, ...]]:
    """The state-dict table of BasicSR's ``basicsr/archs/rrdbnet_arch.py`` (RRDBNet, ResidualDenseBlock, RRDB).

    Written out from that file: ``conv_first`` takes ``num_in_ch * 4`` channels for scale 2 (pixel-unshuffle),
    each dense block's ``conv{k}`` takes ``feat + (k - 1) * grow`` channels and gives ``grow`` (``feat`` for
    conv5), every convolution is 3x3 with a bias, and the blocks live in ``body`` (an ``nn.Sequential``).
    """
    table: dict[str, tuple[int, ...]] = {
        "conv_first.weight": (feat, num_in_ch * unshuffle**2, 3, 3),
        "conv_first.bias": (feat,),
    }
    for i in range(blocks):
        for r in (1, 2, 3):
            for k in range(1, 6):
                out = feat if k == 5 else grow
                table[f"body.{i}.rdb{r}.conv{k}.weight"] = (out, feat + (k - 1) * grow, 3, 3)
                table[f"body.{i}.rdb{r}.conv{k}.bias"] = (out,)
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        table[f"{name}.weight"] = (feat, feat, 3, 3)
        table[f"{name}.bias"] = (feat,)
    table["conv_last.weight"] = (num_out_ch, feat, 3, 3)
    table["conv_last.bias"] = (num_out_ch,)
    return table


@pytest.fixture(scope="module")
def full_generator() -> RRDBNet:
    torch.manual_seed(0)
    return RRDBNet()


def test_official_parameter_count(full_generator: RRDBNet) -> None:
    # 16,703,171: parameter count reported for the official RealESRGAN_x2plus.pth (702 tensors) by users who
    # loaded the release file; the closed form (see the table above) gives the same number.
    assert sum(p.numel() for p in full_generator.parameters()) == 16_703_171
    table = expected_generator_shapes()
    closed_form = sum(int(torch.tensor(s).prod()) for s in table.values())
    assert closed_form == 16_703_171


def test_state_dict_names_and_shapes_match_official(full_generator: RRDBNet) -> None:
    # Expected table derived from BasicSR's rrdbnet_arch.py; the x2plus file holds these 702 tensors.
    got = {k: tuple(v.shape) for k, v in full_generator.state_dict().items()}
    assert got == expected_generator_shapes()
    assert len(got) == 702
    assert got["conv_first.weight"] == (64, 12, 3, 3)


def test_small_single_channel_model_maps_256_to_512() -> None:
    # The benchmark's model contract: [B, 1, 256, 256] -> [B, 1, 512, 512].
    model = RRDBNet(1, 1, scale=2, num_feat=8, num_block=1, num_grow_ch=4)
    with torch.no_grad():
        out = model(torch.rand(2, 1, 256, 256))
    assert out.shape == (2, 1, 512, 512)
    assert out.dtype == torch.float32


@pytest.mark.parametrize(("scale", "size"), [(1, 16), (2, 16), (4, 8)])
def test_three_channel_output_shape_per_scale(scale: int, size: int) -> None:
    model = RRDBNet(3, 3, scale=scale, num_feat=8, num_block=1, num_grow_ch=4)  # type: ignore[arg-type]
    with torch.no_grad():
        out = model(torch.rand(1, 3, size, size))
    assert out.shape == (1, 3, size * scale, size * scale)


def test_pixel_unshuffle_channel_order_is_basicsr_order() -> None:
    # BasicSR's pixel_unshuffle: view(b, c, h, 2, w, 2).permute(0, 1, 3, 5, 2, 4) -> channel c*4 + i*2 + j.
    # Our forward uses F.pixel_unshuffle; the 3->1 conversion relies on this order.
    x = torch.arange(2 * 3 * 4 * 6, dtype=torch.float32).view(2, 3, 4, 6)
    by_hand = x.view(2, 3, 2, 2, 3, 2).permute(0, 1, 3, 5, 2, 4).reshape(2, 12, 2, 3)
    assert torch.equal(F.pixel_unshuffle(x, 2), by_hand)
    assert torch.equal(by_hand[:, 1 * 4 + 1 * 2 + 0], x[:, 1, 1::2, 0::2])


def test_dense_block_init_is_scaled_kaiming() -> None:
    # BasicSR default_init_weights(..., 0.1): He-normal (std sqrt(2 / fan_in)) times 0.1, zero bias.
    torch.manual_seed(0)
    model = RRDBNet(3, 3, num_feat=64, num_block=1, num_grow_ch=32)
    conv = model.body[0].rdb1.conv5  # fan_in = 192 * 9
    expected_std = 0.1 * (2 / (192 * 9)) ** 0.5
    assert conv.weight.std().item() == pytest.approx(expected_std, rel=0.02)
    assert torch.count_nonzero(conv.bias) == 0


def test_config_round_trip_and_from_state_dict() -> None:
    config = RRDBNetConfig(num_in_ch=1, num_out_ch=1, scale=4, num_feat=8, num_block=2, num_grow_ch=4)
    assert RRDBNetConfig.from_dict(config.to_dict()) == config
    model = RRDBNet.from_config(config)
    assert model.config == config
    assert RRDBNetConfig.from_state_dict(model.state_dict()) == config


def test_from_dict_rejects_unknown_key() -> None:
    with pytest.raises(ConfigError, match=r"Unknown RRDBNet config key\(s\) \['num_blocks'\]"):
        RRDBNetConfig.from_dict({"num_blocks": 3})


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"scale": 3}, r"scale must be one of \[1, 2, 4\], got 3"),
        ({"num_feat": 0}, r"num_feat must be an integer >= 1, got 0"),
        ({"num_block": -1}, r"num_block must be an integer >= 0, got -1"),
        ({"num_grow_ch": 2.5}, r"num_grow_ch must be an integer >= 1, got 2.5"),
    ],
)
def test_config_rejects_bad_values(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        RRDBNetConfig(**kwargs)  # type: ignore[arg-type]


def test_from_state_dict_rejects_foreign_state() -> None:
    with pytest.raises(InvalidArgumentError, match=r"Not an RRDBNet state dict: key\(s\) \['conv_first.weight'"):
        RRDBNetConfig.from_state_dict({"weight": torch.zeros(1)})
    odd = {"conv_first.weight": torch.zeros(8, 5, 3, 3), "conv_last.weight": torch.zeros(3, 8, 3, 3)}
    with pytest.raises(InvalidArgumentError, match=r"has 5 input channels"):
        RRDBNetConfig.from_state_dict(odd)


def test_forward_rejects_wrong_channels_and_odd_size() -> None:
    model = RRDBNet(1, 1, num_feat=4, num_block=0, num_grow_ch=4)
    with pytest.raises(InvalidArgumentError, match=r"expects a \[B, 1, H, W\] tensor, got shape \(1, 3, 8, 8\)"):
        model(torch.rand(1, 3, 8, 8))
    with pytest.raises(InvalidArgumentError, match=r"divisible by 2 \(pixel-unshuffle\), got \(7, 8\)"):
        model(torch.rand(1, 1, 7, 8))
