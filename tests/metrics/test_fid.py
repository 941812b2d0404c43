"""Fréchet distance, feature statistics and the FID pipeline with an injected feature extractor."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import linalg

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import extract_features, feature_statistics, fid, frechet_distance


def _random_psd(rng: np.random.Generator, dim: int, rank: int | None = None) -> np.ndarray:
    factor = rng.standard_normal((dim, rank or dim))
    return factor @ factor.T / (rank or dim)


def test_identical_gaussians_are_at_zero() -> None:
    rng = np.random.default_rng(0)
    mu, sigma = rng.standard_normal(20), _random_psd(rng, 20)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)


def test_identity_covariances_leave_the_mean_term() -> None:
    """Closed form: with S1 = S2 = I, the trace term is d + d - 2d = 0, so FID = ||mu1 - mu2||^2."""
    mu1, mu2 = np.arange(8.0), np.arange(8.0)[::-1] * 0.5
    assert frechet_distance(mu1, np.eye(8), mu2, np.eye(8)) == pytest.approx(float(np.sum((mu1 - mu2) ** 2)))


def test_diagonal_covariances() -> None:
    """Closed form for diagonal covariances: sum((sqrt(a) - sqrt(b))^2) + ||mu1 - mu2||^2."""
    a, b = np.array([1.0, 4.0, 9.0, 0.25]), np.array([4.0, 1.0, 9.0, 1.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0, 3.0])
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2) + np.sum((mu1 - mu2) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dim", [3, 16, 64])
def test_matches_scipy_sqrtm(dim: int) -> None:
    """Reference: d^2 = ||dmu||^2 + Tr(S1 + S2 - 2 sqrtm(S1 S2)) with scipy.linalg.sqrtm (pytorch-fid's formula)."""
    rng = np.random.default_rng(dim)
    mu1, mu2 = rng.standard_normal(dim), rng.standard_normal(dim)
    s1, s2 = _random_psd(rng, dim), _random_psd(rng, dim)
    covmean = linalg.sqrtm(s1 @ s2).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


def test_singular_covariances_from_few_samples() -> None:
    """N = 40 samples of 128-d features: rank-39 covariances. The value stays finite, real, >= 0 and
    equals the same computation on eigen-decomposed matrices lifted by 1e-9 (sqrtm then behaves)."""
    rng = np.random.default_rng(5)
    fa, fb = rng.standard_normal((40, 128)), rng.standard_normal((40, 128)) + 0.1
    mu1, s1 = feature_statistics(fa)
    mu2, s2 = feature_statistics(fb)
    assert np.linalg.matrix_rank(s1) == 39
    value = frechet_distance(mu1, s1, mu2, s2)
    eps = 1e-9 * np.eye(128)
    covmean = linalg.sqrtm((s1 + eps) @ (s2 + eps)).real
    reference = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)
    assert np.isfinite(value) and value > 0
    assert value == pytest.approx(reference, rel=1e-6)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-8)


def test_feature_statistics_match_numpy() -> None:
    """Reference: numpy mean and np.cov(rowvar=False) (unbiased), as pytorch-fid."""
    features = np.random.default_rng(1).standard_normal((30, 5))
    mu, sigma = feature_statistics(features)
    np.testing.assert_allclose(mu, features.mean(axis=0))
    np.testing.assert_allclose(sigma, np.cov(features.T))
    _, one_dim = feature_statistics(features[:, :1])
    assert one_dim.shape == (1, 1)


def _moments_extractor(x: torch.Tensor) -> torch.Tensor:
    """A tiny extractor: per-image mean and mean square of the first channel (checks 3 equal channels)."""
    assert x.shape[1] == 3 and torch.equal(x[:, 0], x[:, 2]) and x.dtype == torch.float32
    first = x[:, 0].reshape(x.shape[0], -1).double()
    return torch.stack([first.mean(1), (first**2).mean(1)], dim=1)


def test_fid_end_to_end_with_injected_extractor() -> None:
    """Reference: the closed-form pipeline in NumPy on the same 2-d moment features."""
    rng = np.random.default_rng(2)
    a = rng.integers(0, 4096, (7, 20, 24)).astype(np.uint16)
    b = (rng.random((5, 20, 24)) ** 2 * 4095).astype(np.uint16)

    def moments(images: np.ndarray) -> np.ndarray:
        unit = images / 4095.0
        return np.stack([unit.mean(axis=(1, 2)), (unit**2).mean(axis=(1, 2))], axis=1)

    fa, fb = moments(a), moments(b)
    expected = frechet_distance(fa.mean(0), np.cov(fa.T), fb.mean(0), np.cov(fb.T))
    value = fid(a, b, max_value=4095, feature_extractor=_moments_extractor, batch_size=3)
    assert value == pytest.approx(expected, rel=1e-5)
    as_lists = fid(
        list(a),
        [torch.from_numpy(b_i.astype(np.int32)) for b_i in b],
        max_value=4095,
        feature_extractor=_moments_extractor,
    )
    assert as_lists == pytest.approx(value, rel=1e-12)
    assert fid(a, a, max_value=4095, feature_extractor=_moments_extractor) == pytest.approx(0.0, abs=1e-12)


def test_intensity_rules() -> None:
    """Floats are taken as [0, 1] and clipped; integers are divided by max_value."""
    image = np.random.default_rng(3).random((2, 8, 8))
    base = extract_features(image, feature_extractor=_moments_extractor)
    np.testing.assert_allclose(
        extract_features(np.round(image * 255).astype(np.uint8), max_value=255, feature_extractor=_moments_extractor),
        base,
        atol=2e-3,
    )
    clipped = extract_features(image * 3 - 1, feature_extractor=_moments_extractor)
    np.testing.assert_allclose(
        clipped, extract_features(np.clip(image * 3 - 1, 0, 1), feature_extractor=_moments_extractor)
    )


@pytest.mark.parametrize(
    ("images", "kwargs", "message"),
    [
        (np.zeros((2, 8, 8), dtype=np.uint16), {}, "dtype uint16 need max_value"),
        (np.zeros((2, 8, 8)), {"max_value": 0}, "max_value must be > 0"),
        (np.zeros((8, 8)), {}, r"\[N, H, W\] or an iterable of 2-D images; got an array of shape \(8, 8\)"),
        ([np.zeros((8, 8, 3))], {}, r"images\[0\] must be a 2-D grayscale image"),
        (np.full((2, 8, 8), np.nan), {}, "NaN or Inf"),
        (np.zeros((0, 8, 8)), {}, "images is empty"),
        (np.zeros((2, 8, 8)), {"batch_size": 0}, "batch_size must be a positive integer"),
        (42, {}, "got <class 'int'>"),
    ],
)
def test_extract_features_errors(images: object, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        extract_features(images, feature_extractor=_moments_extractor, **kwargs)


def test_frechet_and_statistics_errors() -> None:
    with pytest.raises(InvalidArgumentError, match="same length"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(InvalidArgumentError, match=r"sigma2 must have shape \(3, 3\)"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(4))
    with pytest.raises(InvalidArgumentError, match="sigma1 is not symmetric"):
        frechet_distance(np.zeros(3), np.triu(np.ones((3, 3))), np.zeros(3), np.eye(3))
    with pytest.raises(InvalidArgumentError, match="mu1 or mu2 contains NaN"):
        frechet_distance(np.array([np.nan, 0, 0]), np.eye(3), np.zeros(3), np.eye(3))
    with pytest.raises(InvalidArgumentError, match="N >= 2"):
        feature_statistics(np.zeros((1, 5)))
    with pytest.raises(InvalidArgumentError, match="NaN or Inf"):
        feature_statistics(np.full((3, 2), np.inf))
