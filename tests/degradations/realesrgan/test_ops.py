"""Filtering, unsharp masking, resizing and noise of the Real-ESRGAN pipeline against closed forms/SciPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import ndimage
from scipy.signal import windows

from microsr_bench.degradations.realesrgan import kernels as K
from microsr_bench.degradations.realesrgan import ops


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_filter2d_matches_scipy_correlate_with_mirror_padding() -> None:
    # Reference: scipy.ndimage.correlate, mode "mirror" (d c b | a b c d | c b a) = torch's "reflect".
    rng = np.random.default_rng(0)
    images = rng.random((2, 1, 40, 33))
    kernels = np.stack([K.gaussian_kernel(21, 2.5, 0.7, 0.4), K.plateau_kernel(21, 1.2, 2.0, 1.1, 1.5)])
    out = ops.filter2d(torch.from_numpy(images), torch.from_numpy(kernels)).numpy()
    for i in range(2):
        np.testing.assert_allclose(out[i, 0], ndimage.correlate(images[i, 0], kernels[i], mode="mirror"), atol=1e-12)
    shared = ops.filter2d(torch.from_numpy(images), torch.from_numpy(kernels[:1])).numpy()
    np.testing.assert_allclose(shared[1, 0], ndimage.correlate(images[1, 0], kernels[0], mode="mirror"), atol=1e-12)


def test_usm_gaussian_is_opencvs_51_tap_kernel() -> None:
    # OpenCV getGaussianKernel(51, 0) uses sigma = 0.3 * ((51 - 1) / 2 - 1) + 0.8 = 8.0; reference window
    # from scipy.signal.windows.gaussian, normalised.
    taps = ops.opencv_gaussian_taps(51, torch.float64, torch.device("cpu")).numpy()
    reference = windows.gaussian(51, std=8.0)
    np.testing.assert_allclose(taps, reference / reference.sum(), atol=1e-15)


def test_usm_leaves_flat_images_and_sharpens_edges() -> None:
    # Closed form: on a constant image the residual I - G*I is 0, so the output equals the input. On a
    # step 0.2 -> 0.8 the residual exceeds the threshold (10/255) near the edge, and the output
    # overshoots: above 0.8 just right of the edge, below 0.2 just left of it, within [0, 1].
    flat = torch.full((1, 1, 64, 64), 0.37, dtype=torch.float64)
    torch.testing.assert_close(ops.usm_sharpen(flat), flat)
    step = torch.full((1, 1, 64, 64), 0.2, dtype=torch.float64)
    step[..., 32:] = 0.8
    out = ops.usm_sharpen(step)
    assert float(out[0, 0, 32, 33]) > 0.8 and float(out[0, 0, 32, 30]) < 0.2
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_resize_sizes_follow_f_interpolate() -> None:
    # Expected sizes: floor(128 * 0.15) = 19 with a scale factor; exact sizes when given.
    image = torch.rand(1, 1, 128, 128)
    assert ops.resize(image, "area", scale_factor=0.15).shape[-2:] == (19, 19)
    assert ops.resize(image, "bicubic", size=(37, 41)).shape[-2:] == (37, 41)
    assert ops.output_size(128, 2, 0.3) == int(128 / 2 * 0.3) == 19


def test_gaussian_noise_std_matches_sigma_over_255() -> None:
    # Closed form: added noise ~ N(0, (sigma / 255)^2). With 65,536 pixels the relative standard error of
    # the sample std is 1/sqrt(2N) = 0.28 %, so 2 % is > 7 standard errors; clipping at 0 and 1 is more
    # than 5 sigma away from 0.5 and negligible.
    flat = torch.full((2, 1, 256, 256), 0.5, dtype=torch.float64)
    sigma = torch.tensor([10.0, 25.0], dtype=torch.float64)
    noise = ops.add_gaussian_noise(flat, sigma, _gen()) - flat
    for i in range(2):
        assert float(noise[i].std()) == pytest.approx(float(sigma[i]) / 255.0, rel=0.02)
        assert abs(float(noise[i].mean())) < 4 * float(sigma[i]) / 255.0 / 256.0


def test_count_8bit_levels() -> None:
    # Expected: 1 level for a constant image, 256 for a full 8-bit ramp, and at most 256 for a 16-bit ramp
    # of 1000 distinct values (they collapse onto 8-bit levels before counting).
    constant = torch.full((1, 1, 8, 8), 0.3)
    ramp8 = (torch.arange(256.0) / 255.0).view(1, 1, 16, 16)
    ramp16 = (torch.arange(1000.0) * 65.0 / 65535.0).view(1, 1, 40, 25)
    counts = [float(ops.count_8bit_levels(x)[0]) for x in (constant, ramp8, ramp16)]
    assert counts[:2] == [1.0, 256.0]
    assert counts[2] == len(np.unique(np.round(np.arange(1000) * 65.0 / 65535.0 * 255))) <= 256


def test_poisson_noise_variance_matches_closed_form() -> None:
    # Derivation (BasicSR generate_poisson_noise_pt): x_q = round(255 x) / 255, n = distinct 8-bit levels,
    # vals = 2^ceil(log2 n), noise = scale (Poisson(vals x_q) / vals - x_q), so Var = scale^2 x_q / vals.
    # Image: 100 distinct levels k/255 (k = 0..99) in the first row, the rest at 102/255, so n = 101 and
    # vals = 128. Over ~65,000 flat pixels the relative standard error of the variance is ~0.6 %; 4 % is
    # a wide bound. Clipping is > 7 standard deviations away.
    image = torch.full((2, 1, 256, 256), 102.0 / 255.0, dtype=torch.float64)
    image[:, 0, 0, :100] = torch.arange(100.0, dtype=torch.float64) / 255.0
    scale = torch.tensor([1.0, 0.5], dtype=torch.float64)
    noise = (ops.add_poisson_noise(image, scale, _gen(1)) - image)[:, 0, 1:]
    for i in range(2):
        expected = float(scale[i]) ** 2 * (102.0 / 255.0) / 128.0
        assert float(noise[i].var()) == pytest.approx(expected, rel=0.04)
        assert abs(float(noise[i].mean())) < 4 * math.sqrt(expected / noise[i].numel())


def test_poisson_noise_on_a_flat_image_uses_one_level() -> None:
    # The official "vals" rule gives n = 1, vals = 1 for a constant image, so Var = scale^2 x: a quirk of
    # the rule (not of shot noise), worth knowing for flat microscopy backgrounds. 0.25 with scale 0.1:
    # Var = 0.0025; the count is Poisson(0.25), so the noise is skewed but its variance is exact.
    flat = torch.full((1, 1, 256, 256), 0.25, dtype=torch.float64)  # 0.25 * 255 = 63.75 -> level 64
    x_q = 64.0 / 255.0
    noise = ops.add_poisson_noise(flat, torch.tensor([0.1], dtype=torch.float64), _gen(2)) - flat
    assert float(noise.var()) == pytest.approx(0.01 * x_q, rel=0.05)


def test_noise_is_reproducible_from_the_torch_generator() -> None:
    image = torch.rand(1, 1, 32, 32, generator=_gen(3))
    a = ops.add_poisson_noise(image, torch.tensor([1.0]), _gen(9))
    b = ops.add_poisson_noise(image, torch.tensor([1.0]), _gen(9))
    c = ops.add_poisson_noise(image, torch.tensor([1.0]), _gen(10))
    assert torch.equal(a, b) and not torch.equal(a, c)
