"""Tests of the classical baselines against independent references (NumPy cubic convolution, least squares)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.classical import FittedBicubic, FrameAveraging, Interpolate, upsample
from microsr_bench.data import BenchmarkDict
from microsr_bench.errors import InvalidArgumentError


def _cubic(x: np.ndarray, a: float = -0.75) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.75 (the OpenCV / PyTorch choice)."""
    x = np.abs(x)
    near = (a + 2) * x**3 - (a + 3) * x**2 + 1
    far = a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _bicubic_x2_1d(signal: np.ndarray, axis: int) -> np.ndarray:
    """x2 cubic interpolation along one axis, half-pixel centres, edge samples repeated (clamped indices)."""
    n = signal.shape[axis]
    source = (np.arange(2 * n) + 0.5) / 2 - 0.5
    base = np.floor(source).astype(int)
    moved = np.moveaxis(signal, axis, -1)
    out = np.zeros((*moved.shape[:-1], 2 * n))
    for offset in (-1, 0, 1, 2):
        index = np.clip(base + offset, 0, n - 1)
        out += moved[..., index] * _cubic(source - (base + offset))
    return np.moveaxis(out, -1, axis)


def test_bicubic_matches_cubic_convolution() -> None:
    rng = np.random.default_rng(0)
    image = rng.uniform(0.3, 0.7, size=(9, 13))  # mid-range: the clamp to [0, 1] does not act
    expected = _bicubic_x2_1d(_bicubic_x2_1d(image, 0), 1)
    ours = Interpolate("bicubic")(torch.from_numpy(image)[None, None].float())[0, 0].double().numpy()
    assert np.abs(ours - expected).max() < 1e-6


def test_nearest_repeats_pixels_and_outputs_are_clamped() -> None:
    image = torch.rand(2, 1, 5, 7)
    expected = image.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    assert torch.equal(Interpolate("nearest")(image), expected)
    step = torch.zeros(1, 1, 8, 8)
    step[..., 4:] = 1.0  # a hard edge: cubic convolution overshoots (a = -0.75 has negative lobes)
    out = Interpolate("bicubic")(step)
    assert float(out.min()) == 0.0 and float(out.max()) == 1.0
    assert Interpolate("bicubic").name == "bicubic" and "bicubic x2" in Interpolate().description


def test_fitted_bicubic_is_least_squares_over_evenly_spread_pairs(tiny_mito: BenchmarkDict) -> None:
    # Reference: np.polyfit(degree 1) on the pixels of rows 0, 5, 10, 15 (linspace over the 16 training frames,
    # one frame from each of the 4 fields), LR bicubic-up-sampled, both divided by max_value 4095.
    train = tiny_mito["train"]
    method = FittedBicubic(max_pairs=4).fit(train, tiny_mito["validation"])
    rows = train.with_format("numpy")
    xs, ys = [], []
    for i in (0, 5, 10, 15):
        lr = torch.from_numpy(rows[i]["lr"].astype(np.float32) / 4095)[None, None]
        xs.append(upsample(lr)[0, 0].double().numpy().ravel())
        ys.append(rows[i]["hr"].astype(np.float64).ravel() / 4095)
    a, b = np.polyfit(np.concatenate(xs), np.concatenate(ys), 1)
    assert method.a == pytest.approx(a, rel=1e-6) and method.b == pytest.approx(b, rel=1e-6, abs=1e-9)
    lr = torch.rand(1, 1, 8, 8)
    assert torch.allclose(method(lr), (upsample(lr) * method.a + method.b).clamp(0, 1))
    assert method.name == "bicubic-fit" and f"{method.a:.4g}" in method.description


def test_fitted_bicubic_rejects_an_empty_split(tiny_mito: BenchmarkDict) -> None:
    with pytest.raises(InvalidArgumentError, match="training split is empty"):
        FittedBicubic().fit(tiny_mito["train"].select([]))


def test_frame_averaging_is_bicubic_of_the_mean() -> None:
    burst = torch.rand(3, 4, 6, 6)
    method = FrameAveraging(k=4)
    assert torch.allclose(method(burst), upsample(burst.mean(dim=1, keepdim=True)))
    assert torch.equal(FrameAveraging(k=1)(burst[:, :1]), Interpolate("bicubic")(burst[:, :1]))
    assert method.name == "frame-average-4"
    with pytest.raises(InvalidArgumentError, match=r"got bursts of 3 frames; pass \[B, 4, h, w\]"):
        method(burst[:, :3])


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (torch.rand(1, 8, 8), r"expected a batch shaped \[B, 1, h, w\]"),
        (torch.rand(1, 2, 8, 8), r"expected a batch shaped \[B, 1, h, w\], got \(1, 2, 8, 8\)"),
        (torch.zeros(1, 1, 8, 8, dtype=torch.uint16), "divide the integer frames by the card's max_value"),
        (np.zeros((1, 1, 8, 8), dtype=np.float32), "expected a torch.Tensor batch"),
    ],
)
def test_input_errors(batch: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        Interpolate("bicubic")(batch)  # type: ignore[arg-type]
