"""NIQE building blocks: MATLAB-style imresize, the Gaussian window, the vectorised AGGD fit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import gamma

from microsr_bench.metrics import _niqe_features as features
from microsr_bench.metrics._imresize import imresize
from tools.reference._fixture import read_fixture
from tools.reference.inputs import imresize_input


def test_imresize_matches_basicsr() -> None:
    """Reference: BasicSR 1.4.2 ``matlab_functions.imresize(x, 0.5)`` (it computes in float32) on a 7x9
    image, stored by ``python -m tools.reference.basicsr_metrics``.

    Odd sizes exercise the ``ceil`` output size and the mirrored borders.
    """
    expected = read_fixture("basicsr_metrics")["imresize_half_7x9"]
    np.testing.assert_allclose(imresize(imresize_input(), 0.5), expected, atol=2e-7)


def test_imresize_preserves_constants_and_ramps() -> None:
    """Closed form: weights sum to 1, and the symmetric taps reproduce a linear ramp exactly.

    Output pixel k (0-based) of a x0.5 resize is centred on input coordinate 2k + 0.5.
    """
    np.testing.assert_allclose(imresize(np.full((3, 20, 24), 7.0), 0.5), 7.0, rtol=0, atol=1e-12)
    rows = np.arange(40, dtype=np.float64)[:, None] * np.ones((1, 6))
    out = imresize(rows, 0.5)
    assert out.shape == (20, 3)
    interior = np.arange(3, 17)  # away from the mirrored borders (kernel half-width 4 input pixels)
    np.testing.assert_allclose(out[interior, 1], 2 * interior + 0.5, atol=1e-12)


def test_gaussian_window_equals_matlab_fspecial() -> None:
    """fspecial('gaussian', 7, 7/6): the window BasicSR 1.4.2 stores in niqe_pris_params.npz (fixture)."""
    g = features.gaussian_window_1d()
    window = np.outer(g, g)
    assert window.sum() == pytest.approx(1.0)
    stored = np.asarray(read_fixture("basicsr_metrics")["niqe_pristine"]["gaussian_window"])
    np.testing.assert_allclose(window, stored, rtol=0, atol=1e-8)


def test_grid_lookup_equals_exhaustive_argmin() -> None:
    """The searchsorted lookup returns the index np.argmin((r - target)^2) returns (the reference's way)."""
    grid, ratio, _, _ = features._shape_tables()
    assert grid[0] == pytest.approx(0.2) and grid[-1] == pytest.approx(10.0) and grid.size == 9801
    rng = np.random.default_rng(0)
    targets = np.concatenate(
        # random points, grid points, and midpoints between neighbours (where a tie or a flip would show)
        [rng.uniform(ratio[0] - 0.01, ratio[-1] + 0.01, 400), ratio[::97], (ratio[:-1:25] + ratio[1::25]) / 2]
    )
    expected = np.argmin((ratio[None, :] - targets[:, None]) ** 2, axis=1)
    np.testing.assert_array_equal(features._nearest_grid_index(targets, ratio), expected)


@pytest.mark.parametrize("shape", [0.6, 1.0, 2.0, 3.5])
def test_aggd_fit_recovers_generalised_gaussian(shape: float) -> None:
    """Symmetric GGD samples (scipy.stats.gennorm, scale 1): alpha ~ shape, beta_l ~ beta_r ~ 1, mean 0."""
    values = stats.gennorm.rvs(shape, size=(2, 200_000), random_state=1).astype(np.float32)
    alpha, beta_l, beta_r, mean_factor = features._aggd_fit(values)
    np.testing.assert_allclose(alpha, shape, rtol=0.05)
    np.testing.assert_allclose(beta_l, 1.0, rtol=0.05)
    np.testing.assert_allclose(beta_r, 1.0, rtol=0.05)
    np.testing.assert_allclose(mean_factor, gamma(2 / alpha) / gamma(1 / alpha), rtol=1e-12)


def test_aggd_fit_one_sided_rows_follow_the_reference() -> None:
    """No negative values: undefined ratio -> first grid point (0.2) and NaN left scale, like BasicSR."""
    alpha, beta_l, beta_r, _ = features._aggd_fit(
        np.abs(np.random.default_rng(0).standard_normal((1, 500))).astype(np.float32)
    )
    assert alpha[0] == pytest.approx(0.2) and np.isnan(beta_l[0]) and np.isfinite(beta_r[0])


def test_patch_features_shapes_and_sharpness() -> None:
    """36 features per patch; a flat patch (beyond the 7x7 window's reach) has sharpness 0 and NaN
    scales, a textured one (uniform noise 0-255, local sigma ~74) is sharp with finite features."""
    image = np.zeros((1, 96, 288))
    image[0, :, 192:] = np.random.default_rng(0).integers(0, 256, (96, 96))
    feats, sharpness = features.patch_features(image, 96)
    assert feats.shape == (1, 3, 36) and sharpness.shape == (1, 3)
    assert sharpness[0, 0] == 0 and sharpness[0, 2] > 50
    assert np.isnan(feats[0, 0]).any() and np.isfinite(feats[0, 2]).all()
