"""The bicubic degradation against Pillow's bicubic resize (an independent implementation) and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from microsr_bench.degradations import BicubicDegradation
from microsr_bench.errors import InvalidArgumentError


def test_matches_pillow_bicubic_shrinking() -> None:
    # Pillow's BICUBIC (a = -0.5, kernel stretched by the scale when shrinking) is the reference; float32 images.
    hr = np.random.default_rng(0).random((64, 48)).astype(np.float32)
    lr = BicubicDegradation()(torch.from_numpy(hr)[None, None])[0, 0].numpy()
    reference = np.clip(np.asarray(Image.fromarray(hr, mode="F").resize((24, 32), Image.BICUBIC)), 0, 1)
    assert lr.shape == (32, 24) and np.abs(lr - reference).max() < 1e-5


def test_constant_images_stay_constant_and_noise_has_its_sigma() -> None:
    flat = torch.full((2, 1, 256, 256), 0.5)
    assert torch.allclose(BicubicDegradation()(flat), torch.full((2, 1, 128, 128), 0.5), atol=1e-6)
    noisy = BicubicDegradation(noise_sigma=0.05)(flat, generator=np.random.default_rng(1))
    # 32,768 Gaussian draws: the sample sd is within 2 % of sigma (sd of the sd estimate: sigma / sqrt(2n) = 0.4 %).
    assert float(noisy.std()) == pytest.approx(0.05, rel=0.02) and float(noisy.mean()) == pytest.approx(0.5, abs=1e-3)
    again = BicubicDegradation(noise_sigma=0.05)(flat, generator=np.random.default_rng(1))
    assert torch.equal(noisy, again)  # the generator decides the noise


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match=r"expected 0 <= sigma < 1, got 1\.5"):
        BicubicDegradation(noise_sigma=1.5)
    with pytest.raises(InvalidArgumentError, match="not divisible by the scale 2"):
        BicubicDegradation()(torch.rand(1, 1, 15, 16))
    with pytest.raises(InvalidArgumentError, match=r"expects float HR images \[B, 1, H, W\], got \(16, 16\)"):
        BicubicDegradation()(torch.rand(16, 16))
