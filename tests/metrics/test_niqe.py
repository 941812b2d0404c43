"""NIQE scores against BasicSR 1.4.2, input conventions, batches and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import NiqeModel, fit_niqe_model, niqe, pristine_model


def _smooth(noise: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass by FFT (periodic), to make structured test images with NumPy only."""
    fy = np.fft.fftfreq(noise.shape[0])[:, None]
    fx = np.fft.fftfreq(noise.shape[1])[None, :]
    return np.fft.ifft2(np.fft.fft2(noise) * np.exp(-2 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))).real


def make_image(kind: str, size: int, seed: int) -> np.ndarray:
    """8-bit test images: smooth texture, Poisson-noisy 'cells', sparse spots on a black background."""
    rng = np.random.default_rng(seed)
    if kind == "smooth":
        x = _smooth(rng.standard_normal((size, size)), 3.0)
        x = (x - x.min()) / (x.max() - x.min()) + 0.02 * rng.standard_normal((size, size))
    elif kind == "cells":
        x = _smooth(rng.standard_normal((size, size)), 6.0)
        x = np.clip((x - x.mean()) / x.std(), 0, None) ** 2
        x = rng.poisson(40 * x / x.max() + 1) / 45.0
    else:
        x = np.zeros((size, size))
        yy, xx = np.mgrid[:size, :size]
        for cy, cx, r in zip(rng.integers(0, size, 12), rng.integers(0, size, 12), rng.uniform(4, 12, 12), strict=True):
            x += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r**2))
        x = x / x.max()
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)


# Reference values: BasicSR 1.4.2 (PyPI sdist), basicsr/metrics/niqe.py imported by path (with
# basicsr/utils/matlab_functions.py) in a separate venv (numpy 2.4, scipy 1.17, torch 2.13 CPU), called as
# calculate_niqe(make_image(kind, size, seed), crop_border, input_order="HW") with its shipped
# niqe_pris_params.npz. BasicSR states that it reproduces the MATLAB release (5.7296 on baboon.png).
BASICSR_NIQE = [
    ("smooth", 256, 0, 0, 12.234393270895898),
    ("smooth", 256, 0, 4, 11.94027039124164),
    ("smooth", 256, 1, 0, 12.317607400429502),
    ("smooth", 256, 1, 4, 11.979745760775549),
    ("smooth", 512, 0, 0, 10.991359399446855),
    ("smooth", 512, 0, 4, 10.910925603839038),
    ("smooth", 512, 1, 0, 11.260859937407625),
    ("smooth", 512, 1, 4, 11.13858282238624),
    ("cells", 256, 0, 0, 15.38770213444832),
    ("cells", 256, 0, 4, 14.975627215563282),
    ("cells", 256, 1, 0, 14.343785395921852),
    ("cells", 256, 1, 4, 14.323519862437992),
    ("cells", 512, 0, 0, 13.972002241741967),
    ("cells", 512, 0, 4, 13.727723814875407),
    ("cells", 512, 1, 0, 13.388864705500097),
    ("cells", 512, 1, 4, 13.517907467419729),
    ("sparse", 256, 0, 0, 21.34181093332903),
    ("sparse", 256, 0, 4, 21.018678148617425),
    ("sparse", 256, 1, 0, 20.58124731172882),
    ("sparse", 256, 1, 4, 21.17649719930818),
    ("sparse", 512, 0, 0, 24.579969918977437),
    ("sparse", 512, 0, 4, 23.746757824144584),
    ("sparse", 512, 1, 0, 25.82523179734669),
    ("sparse", 512, 1, 4, 25.128842029155557),
]


@pytest.mark.parametrize(("kind", "size", "seed", "crop", "expected"), BASICSR_NIQE)
def test_matches_basicsr(kind: str, size: int, seed: int, crop: int, expected: float) -> None:
    assert niqe(make_image(kind, size, seed), crop_border=crop) == pytest.approx(expected, abs=1e-3)


def test_batch_equals_single_images() -> None:
    """A batch is scored image by image (same numbers as one call per image)."""
    batch = np.stack([make_image("cells", 256, 0), make_image("smooth", 256, 1), make_image("sparse", 256, 0)])
    scores = niqe(batch)
    assert isinstance(scores, np.ndarray) and scores.shape == (3,) and scores.dtype == np.float64
    np.testing.assert_allclose(scores, [niqe(image) for image in batch], rtol=0, atol=1e-12)
    assert scores[0] == pytest.approx(15.38770213444832, abs=1e-3)  # BASICSR_NIQE, cells 256 seed 0


def test_float_input_is_scaled_by_255_and_rounded() -> None:
    """Float [0, 1] -> x * 255, clipped, rounded half to even: the uint8 image gives the same score."""
    image = make_image("cells", 256, 1)
    assert niqe(image.astype(np.float64) / 255) == niqe(image)
    # +0.4/255 rounds back to the same integers; values beyond [0, 1] are clipped to 0 and 255.
    assert niqe(image / 255 + 0.4 / 255) == niqe(image)
    shifted = image / 255.0
    shifted[image == 0] = -0.5
    shifted[image == 255] = 1.7
    assert niqe(shifted) == niqe(image)
    assert niqe(torch.from_numpy(image / 255.0)) == niqe(image)


def test_score_is_positive_and_orders_quality() -> None:
    """Heavy noise on a smooth image raises NIQE (the score falls as naturalness rises)."""
    image = make_image("smooth", 256, 0) / 255.0
    noisy = np.clip(image + 0.2 * np.random.default_rng(3).standard_normal(image.shape), 0, 1)
    assert 0 < niqe(image) < niqe(noisy)


def test_flat_image_scores_nan() -> None:
    """All patches flat: the AGGD fits are undefined and so is NIQE (BasicSR/MATLAB fail too)."""
    assert np.isnan(niqe(np.full((192, 192), 0.5)))


def test_pristine_model_is_the_published_one() -> None:
    """Values of mu_prisparam / cov_prisparam as in BasicSR 1.4.2's niqe_pris_params.npz."""
    model = pristine_model()
    assert model.mu.shape == (36,) and model.cov.shape == (36, 36) and model.patch_size == 96
    np.testing.assert_allclose(model.mu[:4], [2.60131368, 0.90570272, 0.81204778, 0.09042671], rtol=1e-8)
    assert model.cov[0, 0] == pytest.approx(0.45347810202943506, rel=1e-12)
    assert np.trace(model.cov) == pytest.approx(1.6309188316421013, rel=1e-12)
    assert "UT Austin" in model.description and not model.mu.flags.writeable


def test_fit_matches_basicsr_features() -> None:
    """fit_niqe_model's mean/covariance against BasicSR 1.4.2 patch features.

    Reference: in the BasicSR venv, the features of every 96x96 patch at both scales from
    ``compute_feature`` and ``matlab_functions.imresize`` (as in ``niqe``), patches selected as in the
    MATLAB ``estimatemodelparam.m`` (sharpness = mean local sigma > threshold * image max), then
    ``np.nanmean`` and the trace of ``np.cov`` of the complete rows.
    """
    model = fit_niqe_model([make_image("cells", 512, 0), make_image("smooth", 512, 0)], sharpness_threshold=0.0)
    assert model.n_patches == 50
    # One patch's shape fit may land on the neighbouring 0.001 grid point (float32 rounding differs).
    expected_head = [2.2713, 0.9267835121878508, 0.79022, -0.031681570737722056, 0.20981795333873443]
    np.testing.assert_allclose(model.mu[:5], expected_head, atol=1e-4)
    np.testing.assert_allclose(model.mu[18:20], [2.47544, 0.7975973211400357], atol=1e-4)
    assert np.trace(model.cov) == pytest.approx(0.6209336381247939, abs=1e-4)
    images = [make_image("cells", 512, 1), make_image("smooth", 512, 1), make_image("sparse", 512, 1)]
    selected = fit_niqe_model(images, sharpness_threshold=0.75)
    assert selected.n_patches == 45
    expected_head = [2.0980444444444464, 0.8303185730469849, 0.739755555555556, -0.019796836222522988]
    np.testing.assert_allclose(selected.mu[:4], expected_head, atol=1e-5)
    assert np.trace(selected.cov) == pytest.approx(1.0105400040076522, abs=1e-4)


def test_model_patch_size_is_used() -> None:
    """A model fitted with 48x48 patches scores with 48x48 patches: a 96x96 image is then valid."""
    images = [make_image("cells", 192, s) for s in range(3)]
    model = fit_niqe_model(images, patch_size=48, sharpness_threshold=0.0)
    assert model.n_patches == 3 * 16
    assert np.isfinite(niqe(images[0][:96, :96], model=model))
    with pytest.raises(InvalidArgumentError, match="at least two 96x96 patches"):
        niqe(images[0][:96, :96])


@pytest.mark.parametrize(
    ("image", "kwargs", "message"),
    [
        (np.zeros((4, 4, 4, 4)), {}, r"grayscale image \[H, W\] or a batch"),
        (np.zeros((96, 150), dtype=np.uint8), {}, "at least two 96x96 patches; image is 96x150"),
        (np.zeros((200, 200)), {"crop_border": 10}, "180x180 after crop_border=10"),
        (np.zeros((200, 200)), {"crop_border": -1}, "crop_border must be an integer >= 0"),
        (np.zeros((200, 200), dtype=np.uint16), {}, "float in \\[0, 1\\] or uint8; got dtype uint16"),
        (np.full((200, 200), np.nan), {}, "NaN or Inf"),
        (np.array([], dtype=np.float64), {}, "non-empty numeric array"),
    ],
)
def test_invalid_inputs(image: np.ndarray, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        niqe(image, **kwargs)


def test_model_validation() -> None:
    with pytest.raises(InvalidArgumentError, match=r"mu of shape \(36,\)"):
        NiqeModel(mu=np.zeros(35), cov=np.eye(36))
    with pytest.raises(InvalidArgumentError, match="not symmetric"):
        NiqeModel(mu=np.zeros(36), cov=np.triu(np.ones((36, 36))))
    with pytest.raises(InvalidArgumentError, match="NaN or Inf"):
        NiqeModel(mu=np.full(36, np.nan), cov=np.eye(36))
    with pytest.raises(InvalidArgumentError, match="even integer >= 16"):
        NiqeModel(mu=np.zeros(36), cov=np.eye(36), patch_size=95)
