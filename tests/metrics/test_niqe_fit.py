"""Domain-fitted NIQE models: fitting, patch selection, saving and loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from microsr_bench.errors import ConfigError, InvalidArgumentError
from microsr_bench.metrics import NiqeModel, fit_niqe_model, niqe


def _spots(seed: int, size: int = 192) -> np.ndarray:
    """Micrograph-like float image: blurred bright spots on a dim background with mild Poisson noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    x = np.full((size, size), 0.05)
    for cy, cx, r in zip(rng.uniform(0, size, 40), rng.uniform(0, size, 40), rng.uniform(2, 6, 40), strict=True):
        x += 0.8 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r**2))
    return np.clip(rng.poisson(200 * np.clip(x, 0, 1)) / 200, 0, 1)


@pytest.fixture(scope="module")
def domain() -> list[np.ndarray]:
    return [_spots(seed) for seed in range(8)]


@pytest.fixture(scope="module")
def model(domain: list[np.ndarray]) -> NiqeModel:
    return fit_niqe_model(domain)


def test_fitted_model_shapes_symmetric_psd(model: NiqeModel) -> None:
    """Closed-form requirements of a covariance matrix: 36x36, symmetric, eigenvalues >= 0."""
    assert model.mu.shape == (36,) and model.cov.shape == (36, 36)
    np.testing.assert_array_equal(model.cov, model.cov.T)
    assert np.linalg.eigvalsh(model.cov).min() > -1e-12
    assert model.patch_size == 96 and model.sharpness_threshold == 0.75
    assert 8 <= model.n_patches <= 8 * 4  # at least the sharpest patch of each image, at most all 4


def test_domain_model_prefers_its_domain(domain: list[np.ndarray], model: NiqeModel) -> None:
    """Images of the domain score lower than the same images with heavy Gaussian noise."""
    rng = np.random.default_rng(99)
    clean = np.stack(domain)
    noisy = np.clip(clean + 0.25 * rng.standard_normal(clean.shape), 0, 1)
    assert np.all(niqe(clean, model=model) < niqe(noisy, model=model))


def test_sharpness_threshold_selects_patches() -> None:
    """Left half flat (local sigma 0), right half textured: only the 2 textured patches exceed 0.75 x max."""
    image = np.full((192, 192), 0.5)
    image[:, 96:] = np.random.default_rng(0).random((192, 96))
    images = [image, image[:, ::-1].copy()]
    fitted = fit_niqe_model(images, sharpness_threshold=0.75)
    assert fitted.n_patches == 4
    textured = fit_niqe_model([image[:, 96:]] * 2, sharpness_threshold=0.0, patch_size=48)
    assert textured.n_patches == 2 * 8


def test_save_load_round_trip(tmp_path: Path, model: NiqeModel) -> None:
    path = tmp_path / "mito_niqe.npz"
    model.save(path)
    loaded = NiqeModel.load(path)
    np.testing.assert_array_equal(loaded.mu, model.mu)
    np.testing.assert_array_equal(loaded.cov, model.cov)
    assert (loaded.patch_size, loaded.n_patches, loaded.description) == (96, model.n_patches, model.description)
    with np.load(path, allow_pickle=False) as data:  # plain arrays: readable without pickle
        assert "mu" in data.files


def test_load_rejects_other_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        NiqeModel.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "basicsr_style.npz", mu_pris_param=np.zeros((1, 36)), cov_pris_param=np.eye(36))
    with pytest.raises(ConfigError, match=r"expected keys .*got \['cov_pris_param', 'mu_pris_param'\]"):
        NiqeModel.load(tmp_path / "basicsr_style.npz")
    (tmp_path / "garbage.npz").write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="Cannot read NIQE model"):
        NiqeModel.load(tmp_path / "garbage.npz")
    bad = NiqeModel(mu=np.zeros(36), cov=np.eye(36))
    bad.save(tmp_path / "bad.npz")
    arrays = dict(np.load(tmp_path / "bad.npz", allow_pickle=False))
    arrays["cov"] = np.triu(np.ones((36, 36)))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ConfigError, match="is invalid: NIQE model cov is not symmetric"):
        NiqeModel.load(tmp_path / "bad.npz")


@pytest.mark.parametrize(
    ("images", "kwargs", "message"),
    [
        ([], {}, "got no images"),
        ([np.zeros((192, 192, 3))], {}, r"images\[0\] must be a 2-D grayscale image"),
        (np.zeros((192, 192)), {}, r"images must be \[N, H, W\]"),
        ([np.random.default_rng(0).random((192, 192))], {"patch_size": 95}, "even integer >= 16"),
        ([np.random.default_rng(0).random((192, 192))], {"sharpness_threshold": 1.0}, r"in \[0, 1\)"),
        ([np.full((192, 192), 0.3)], {"sharpness_threshold": 0.0}, "kept 0 usable patches"),
        ([np.zeros((100, 100))], {}, r"two 96x96 patches; images\[0\] is 100x100"),
    ],
)
def test_fit_errors(images: object, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        fit_niqe_model(images, **kwargs)  # type: ignore[arg-type]
