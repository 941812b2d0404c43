"""Tests of inference: tiled output equals whole-image output, clamping, padding of odd sizes, errors."""

from __future__ import annotations

import pytest
import torch

from baselines.realesrgan import RRDBNet
from baselines.realesrgan.inference import receptive_radius, super_resolve, tile_grid
from microsr_bench.errors import InvalidArgumentError

pytestmark = pytest.mark.usefixtures("one_thread")


def small_model(seed: int = 0) -> RRDBNet:
    """A one-block RRDBNet whose outputs lie around 0.5, so that clamping hides nothing."""
    torch.manual_seed(seed)
    model = RRDBNet(1, 1, 2, num_feat=8, num_block=1, num_grow_ch=4).eval()
    with torch.no_grad():
        model.conv_last.weight.mul_(20.0)
        torch.nn.init.constant_(model.conv_last.bias, 0.5)  # type: ignore[arg-type]
    return model


def test_receptive_radius_of_the_small_model() -> None:
    # Closed form for RRDBNet(num_block=1), x2: at half resolution conv_first, 15 dense-block convolutions and
    # conv_body are 17 3x3 convolutions = 17 half-resolution pixels = 34 input pixels, plus 1 more input pixel
    # (after unshuffling by 2, a half-resolution pixel covers input pixels 2i and 2i+1); the convolutions after
    # the x2 and x4 nearest up-samplings (conv_up1 at input resolution: 1 pixel; conv_up2, conv_hr, conv_last at
    # output resolution: 1.5 input pixels, rounded up to 2) add 3. Total 35 + 1 + 2 = 38 at most; the measured
    # value must not exceed it and must exceed the trunk's 34.
    radius = receptive_radius(small_model(), size=96)
    assert 34 <= radius <= 38


def test_tiled_equals_whole_when_overlap_covers_the_receptive_field() -> None:
    model = small_model()
    lr = torch.rand(3, 1, 70, 58)
    whole = super_resolve(model, lr)
    assert float(whole.std()) > 0.01 and 0 < float(whole.mean()) < 1  # a real image, not a clamped constant
    overlap = receptive_radius(model, size=96) + 2
    overlap += overlap % 2
    for tile in (16, 24, 40):
        tiled = super_resolve(model, lr, tile=tile, overlap=overlap, batch_size=2)
        assert tiled.shape == whole.shape == (3, 1, 140, 116)
        assert float((tiled - whole).abs().max()) < 1e-6


def test_tiling_without_enough_overlap_shows_seams() -> None:
    # The check above can fail: with no overlap the tile borders see zero padding instead of their neighbours.
    model = small_model()
    lr = torch.rand(1, 1, 64, 64)
    difference = (super_resolve(model, lr, tile=32, overlap=0) - super_resolve(model, lr)).abs()
    assert float(difference.max()) > 1e-4


def test_output_is_float32_clamped_and_on_the_input_device() -> None:
    model = small_model()
    with torch.no_grad():
        torch.nn.init.constant_(model.conv_last.bias, 5.0)  # type: ignore[arg-type]  # push every output above 1
    out = super_resolve(model, torch.rand(2, 1, 16, 16, dtype=torch.float64))
    assert out.dtype == torch.float32 and out.device == torch.device("cpu")
    assert float(out.min()) == 1.0 and float(out.max()) == 1.0


def test_odd_sizes_are_padded_and_cropped_back() -> None:
    # Reference: reflect-padding to even by hand, then cropping, as Real-ESRGAN's pre/post-processing does.
    model = small_model()
    lr = torch.rand(1, 1, 15, 21)
    padded = torch.nn.functional.pad(lr, (0, 1, 0, 1), mode="reflect")
    with torch.no_grad():
        expected = model(padded).clamp(0, 1)[:, :, :30, :42]
    assert torch.equal(super_resolve(model, lr), expected)


def test_tile_grid() -> None:
    assert tile_grid(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert tile_grid(8, 8) == [(0, 8)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tile": 15}, "tile must be a positive multiple of 2"),
        ({"tile": 16, "overlap": 3}, "overlap must be a multiple of 2"),
        ({"batch_size": 0}, "batch_size must be >= 1"),
    ],
)
def test_invalid_options(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        super_resolve(small_model(), torch.rand(1, 1, 16, 16), **kwargs)  # type: ignore[arg-type]


def test_integer_input_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="Divide integer frames by max_value"):
        super_resolve(small_model(), torch.zeros(1, 1, 16, 16, dtype=torch.uint16))
