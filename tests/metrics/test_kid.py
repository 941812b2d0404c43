"""KID against hand-computed values, the tiling, and the streamed FID/KID against the batch functions."""

import tracemalloc

import numpy as np
import pytest
import torch

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import feature_statistics, frechet_distance, kid, set_metrics
from microsr_bench.metrics._kid import tile_offsets


def test_kid_one_dimensional_closed_form():
    # d = 1, k(x, y) = (x y + 1)^3. X = {0, 1}: off-diagonal k(0, 1) = 1, twice, / (2 * 1) = 1.
    # Y = {1, 2}: k(1, 2) = 27, twice, / 2 = 27. Cross: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37,
    # times 2 / (2 * 2) = 18.5. MMD^2_u = 1 + 27 - 18.5 = 9.5.
    assert kid([[0.0], [1.0]], [[1.0], [2.0]]) == pytest.approx(9.5, rel=1e-12)


def test_kid_two_dimensional_closed_form_can_be_negative():
    # d = 2, k = (x.y / 2 + 1)^3. X = {(1,0), (0,1)}: x1.x2 = 0 -> within 1. Y = {(1,1), (0,0)}: 0 -> 1.
    # Cross: (1,0).(1,1) = 1 -> 1.5^3 = 3.375, twice; the two products with (0,0) -> 1, twice: mean 2.1875.
    # MMD^2_u = 1 + 1 - 2 * 2.1875 = -2.375: the unbiased estimate is not clipped at zero.
    assert kid([[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [0.0, 0.0]]) == pytest.approx(-2.375, rel=1e-12)


def test_kid_subsets_estimate_the_same_quantity():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, (300, 3)), rng.normal(0.5, 1, (300, 3))
    full = kid(a, b)
    subsets = kid(a, b, subset_size=100, n_subsets=200, seed=1)
    # Both unbiased for the same MMD^2; the subset mean differs by sampling noise only.
    assert subsets == pytest.approx(full, rel=0.15)
    assert kid(a, rng.normal(0, 1, (300, 3))) == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        ([[0.0]], [[1.0], [2.0]], "m, n >= 2"),
        ([[0.0, 1.0], [1.0, 0.0]], [[1.0], [2.0]], "same D"),
        ([[0.0], [np.nan]], [[1.0], [2.0]], "NaN"),
    ],
)
def test_kid_errors(a, b, match):
    with pytest.raises(InvalidArgumentError, match=match):
        kid(a, b)


def test_tile_offsets():
    # ceil(L / 299) tiles evenly from 0 to L - 299 (rounded half to even).
    assert tile_offsets(512) == [0, 213]
    assert tile_offsets(299) == [0] and tile_offsets(64) == [0]
    assert tile_offsets(600) == [0, 150, 301]


def _fake_extractor(x: torch.Tensor) -> torch.Tensor:
    """A cheap feature extractor: mean and std of each channel's halves ([B, 3, H, W] -> [B, 4])."""
    g = x[:, 0]
    top, bottom = g[:, : g.shape[1] // 2], g[:, g.shape[1] // 2 :]
    return torch.stack([top.mean((1, 2)), bottom.mean((1, 2)), top.std((1, 2)), bottom.std((1, 2))], dim=1)


def test_streamed_set_metrics_equal_the_batch_computation_on_tiles():
    rng = np.random.default_rng(2)
    preds = [rng.random((512, 512)) for _ in range(3)]
    refs = [rng.random((512, 512)) ** 2 for _ in range(2)]

    def tiles(images):
        return np.stack([im[t : t + 299, s : s + 299] for im in images for t in (0, 213) for s in (0, 213)])

    def feats(images):
        x = torch.from_numpy(tiles(images).astype(np.float32))[:, None].expand(-1, 3, -1, -1)
        return _fake_extractor(x).double().numpy()

    out = set_metrics(iter(preds), iter(refs), feature_extractor=_fake_extractor, batch_size=5)
    fa, fb = feats(preds), feats(refs)
    assert (out.n_images_a, out.n_images_b, out.n_patches_a, out.n_patches_b) == (3, 2, 12, 8)
    assert out.fid == pytest.approx(frechet_distance(*feature_statistics(fa), *feature_statistics(fb)), rel=1e-5)
    assert out.kid == pytest.approx(kid(fa, fb), rel=1e-5, abs=1e-9)
    assert out.counts()["n_patches_ref"] == 8


def _images(count):
    rng = np.random.default_rng(count)
    for _ in range(count):
        yield rng.random((64, 64))


def test_memory_does_not_grow_with_the_number_of_images():
    # Images arrive from a generator and are never stacked: the peak of 3,000 images (98 MB as float64 if
    # stacked) stays that of 1,500, up to the small per-feature reservoir (4 floats per image). Both exceed
    # KID's subset size, so its kernel matrices have the same (subset) size in both runs.
    def peak(count):
        tracemalloc.start()
        set_metrics(_images(count), _images(50), feature_extractor=_fake_extractor, batch_size=16)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(1500), peak(3000)
    assert large < 1.2 * small + 200_000
    assert large < 5_000_000  # far below the 98 MB of stacking the 3,000 images
