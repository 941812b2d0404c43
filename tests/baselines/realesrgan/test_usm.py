"""Tests of USM sharpening against closed forms and a SciPy re-implementation of the official formula.

``USMSharp`` wraps the library's one unsharp mask (``microsr_bench.degradations.realesrgan.ops``), so these also
check what the Real-ESRGAN degradation does to its HR input.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from baselines.realesrgan import USMSharp
from microsr_bench.degradations.realesrgan.ops import opencv_gaussian_sigma, opencv_gaussian_taps
from microsr_bench.errors import InvalidArgumentError


def test_opencv_sigma_rule_for_official_kernel() -> None:
    # OpenCV getGaussianKernel, sigma <= 0: 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8; ksize 51 -> 8.0.
    assert opencv_gaussian_sigma(51) == pytest.approx(8.0)
    usm = USMSharp()
    assert usm.ksize == 51 and usm.sigma == pytest.approx(8.0)
    kernel = opencv_gaussian_taps(51)
    assert kernel.sum().item() == pytest.approx(1.0)
    assert kernel[25] / kernel[33] == pytest.approx(np.exp(8**2 / (2 * 8.0**2)))  # exp(d^2 / 2 sigma^2)


def _scipy_usm(img: np.ndarray, weight: float = 0.5, threshold: float = 10.0) -> np.ndarray:
    """The official usm_sharp formula, with SciPy's Gaussian (mode 'mirror' is OpenCV's BORDER_REFLECT_101)."""

    def blur(a: np.ndarray) -> np.ndarray:
        return ndimage.gaussian_filter(a, sigma=8.0, mode="mirror", truncate=25 / 8.0)

    residual = img - blur(img)
    soft = blur((np.abs(residual) * 255 > threshold).astype(np.float64))
    sharp = np.clip(img + weight * residual, 0, 1)
    return soft * sharp + (1 - soft) * img


def test_matches_scipy_reference() -> None:
    rng = np.random.default_rng(0)
    img = ndimage.uniform_filter(rng.random((64, 80)), 5)
    img[20:40, 30:50] += 0.4
    img = np.clip(img, 0, 1)
    ours = USMSharp()(torch.from_numpy(img)[None, None].float())[0, 0].double().numpy()
    assert np.abs(ours - _scipy_usm(img)).max() < 1e-5


def test_flat_image_is_unchanged() -> None:
    flat = torch.full((2, 1, 40, 40), 0.3)
    assert torch.equal(USMSharp()(flat), flat)


def test_sharpening_increases_edge_contrast() -> None:
    step = torch.full((1, 1, 64, 64), 0.3)
    step[..., 32:] = 0.7
    out = USMSharp()(step)
    before = step[0, 0, 32, 33] - step[0, 0, 32, 30]
    after = out[0, 0, 32, 33] - out[0, 0, 32, 30]
    assert after > before
    assert out.min() >= 0 and out.max() <= 1
    # Overshoot on both sides of the edge: darker just left of it, brighter just right of it.
    assert out[0, 0, 32, 31] < step[0, 0, 32, 31] and out[0, 0, 32, 32] > step[0, 0, 32, 32]


def test_small_residuals_below_threshold_are_left_alone() -> None:
    # A 2/255 step gives |I - B| <= 1/255 < 10/255 everywhere: the mask is empty, the output is the input.
    step = torch.full((1, 1, 64, 64), 0.5)
    step[..., 32:] += 2 / 255
    assert torch.equal(USMSharp()(step), step)


def test_errors() -> None:
    with pytest.raises(InvalidArgumentError, match=r"needs images larger than 25 pixels per side .* got 20x64"):
        USMSharp()(torch.rand(1, 1, 20, 64))
    with pytest.raises(InvalidArgumentError, match=r"expects a float \[B, C, H, W\] tensor"):
        USMSharp()(torch.zeros(1, 1, 64, 64, dtype=torch.uint8))
    with pytest.raises(InvalidArgumentError, match=r"positive odd integer, got 4"):
        opencv_gaussian_taps(4)
    with pytest.raises(InvalidArgumentError, match=r"radius must be an int >= 1, got 0"):
        USMSharp(radius=0)
