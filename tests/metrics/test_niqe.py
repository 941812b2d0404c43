"""NIQE scores against BasicSR 1.4.2 (stored by tools/reference/basicsr_metrics.py), conventions, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import NiqeModel, fit_niqe_model, niqe, pristine_model
from tools.reference._fixture import read_fixture
from tools.reference.inputs import NIQE_FITS, make_image

# BasicSR 1.4.2 ``calculate_niqe(make_image(kind, size, seed), crop, input_order="HW")`` with its shipped
# niqe_pris_params.npz, stored by ``python -m tools.reference.basicsr_metrics`` (recomputed live by
# ``tests/reference/``). BasicSR states that it reproduces the MATLAB release (5.7296 on baboon.png).
REFERENCE = read_fixture("basicsr_metrics")
BASICSR_NIQE = [(r["kind"], r["size"], r["seed"], r["crop"], r["niqe"]) for r in REFERENCE["niqe"]]
NIQE_OF = {case[:4]: case[4] for case in BASICSR_NIQE}


@pytest.mark.parametrize(("kind", "size", "seed", "crop", "expected"), BASICSR_NIQE)
def test_matches_basicsr(kind: str, size: int, seed: int, crop: int, expected: float) -> None:
    assert niqe(make_image(kind, size, seed), crop_border=crop) == pytest.approx(expected, abs=1e-3)


def test_batch_equals_single_images() -> None:
    """A batch is scored image by image (same numbers as one call per image)."""
    batch = np.stack([make_image("cells", 256, 0), make_image("smooth", 256, 1), make_image("sparse", 256, 0)])
    scores = niqe(batch)
    assert isinstance(scores, np.ndarray) and scores.shape == (3,) and scores.dtype == np.float64
    np.testing.assert_allclose(scores, [niqe(image) for image in batch], rtol=0, atol=1e-12)
    assert scores[0] == pytest.approx(NIQE_OF["cells", 256, 0, 0], abs=1e-3)


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
    """mu_prisparam / cov_prisparam equal BasicSR 1.4.2's niqe_pris_params.npz (stored in the fixture)."""
    model = pristine_model()
    published = REFERENCE["niqe_pristine"]
    assert model.mu.shape == (36,) and model.cov.shape == (36, 36) and model.patch_size == 96
    np.testing.assert_allclose(model.mu, published["mu"], rtol=1e-12)
    np.testing.assert_allclose(model.cov, published["cov"], rtol=1e-12)
    assert "UT Austin" in model.description and not model.mu.flags.writeable


@pytest.mark.parametrize("fit", REFERENCE["niqe_fit"], ids=lambda fit: f"threshold{fit['sharpness_threshold']}")
def test_fit_matches_basicsr_features(fit: dict) -> None:
    """fit_niqe_model's mean/covariance against BasicSR 1.4.2 patch features.

    Reference (``tools/reference/basicsr_metrics.py``): the features of every 96x96 patch at both scales
    from BasicSR's ``compute_feature`` and ``matlab_functions.imresize`` (as in its ``niqe``), patches
    selected as in the MATLAB ``estimatemodelparam.m`` (mean local sigma > threshold x the image's
    sharpest patch), then ``np.nanmean`` and the trace of ``np.cov`` of the complete rows.
    """
    images, threshold = next(case for case in NIQE_FITS if case[1] == fit["sharpness_threshold"])
    assert [list(image) for image in images] == fit["images"]
    model = fit_niqe_model([make_image(*image) for image in images], sharpness_threshold=threshold)
    assert model.n_patches == fit["n_patches"]
    # A patch's shape fit may land on the neighbouring 0.001 grid point (float32 rounding differs), which
    # moves a mean by up to 0.001 / n_patches; measured max |diff| 2.0e-5 (threshold 0) and 2.8e-8 (0.75).
    np.testing.assert_allclose(model.mu, fit["mu"], atol=1e-4)
    assert np.trace(model.cov) == pytest.approx(fit["cov_trace"], abs=1e-4)


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
