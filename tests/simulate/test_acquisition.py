"""Image formation and the scanned LR acquisition: PSF moments, interpolation, line phase, drift, bleaching."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.registration import phase_cross_correlation

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.simulate import (
    BackgroundParams,
    SimulationParams,
    StackGeometry,
    acquire_lr_from_hr,
    default_params,
    draw_stack_geometry,
)
from microsr_bench.simulate.acquisition import bleaching, lr_expected, sample_lattice
from microsr_bench.simulate.optics import FWHM_PER_SIGMA, blurred_images, field_layout


def _params(phase: float = 0.0, jitter: float = 0.0, **stack: float) -> SimulationParams:
    """MITO defaults with a controlled scan: fixed line phase, chosen jitter, no dark counts."""
    base = default_params("MITO")
    scan = dataclasses.replace(base.lr_scan, line_phase_px=phase, line_phase_spread_px=0.0, line_jitter_px=jitter)
    detector = dataclasses.replace(base.detector, dark_count_rate_hz=0.0)
    return dataclasses.replace(base, lr_scan=scan, detector=detector, stack=dataclasses.replace(base.stack, **stack))


def _moments(image: np.ndarray, spacing: float) -> tuple[float, float, float]:
    rows, cols = np.indices(image.shape) * spacing
    total = image.sum()
    my, mx = np.sum(image * rows) / total, np.sum(image * cols) / total
    return total, np.sum(image * (rows - my) ** 2) / total, np.sum(image * (cols - mx) ** 2) / total


@pytest.mark.parametrize("halo", [0.0, 0.3])
def test_point_spread_moments(halo: float) -> None:
    # Closed form: PSF variance sigma^2 = (FWHM / 2.355)^2 along y; along x the scan adds a box of one pixel,
    # variance w^2 / 12. A halo fraction f of FWHM_s makes the y variance (1 - f) sigma^2 + f sigma_s^2.
    base = default_params("MITO")
    params = dataclasses.replace(base, background=BackgroundParams(scatter_fraction=halo, scatter_fwhm_um=1.0))
    layout = field_layout((96, 96), params)
    density = np.zeros(layout.grid.shape)
    density[layout.grid.shape[0] // 2, layout.grid.shape[1] // 2] = 1000.0
    hr, lr = blurred_images(density, layout, params)
    sigma2 = (params.optics.psf_fwhm_um / FWHM_PER_SIGMA) ** 2
    y_var = (1 - halo) * sigma2 + halo * (1.0 / FWHM_PER_SIGMA) ** 2
    p = params.optics.hr_pixel_size_um
    for image, width in ((hr, p), (lr, 2 * p)):
        total, var_y, var_x = _moments(image, layout.grid.spacing_um)
        # The optics conserve light (DC gain 1), up to the 2**-16 quantisation of faint tails.
        assert total == pytest.approx(1000.0, rel=1e-5)
        assert var_y == pytest.approx(y_var, rel=0.01)
        assert var_x == pytest.approx(y_var + width**2 / 12.0, rel=0.01)


def test_sample_lattice_reproduces_quadratics() -> None:
    # Keys (1981) cubic convolution with a = -0.5 is exact for polynomials up to degree 2.
    r, c = np.indices((60, 70)).astype(float)
    image = 1.0 + 0.3 * r - 0.2 * c + 0.01 * r * r + 0.02 * r * c - 0.015 * c * c
    starts = np.random.default_rng(0).uniform(4.0, 6.0, 10)
    out = sample_lattice(image, (5.3, 3, 10), (starts, 4, 8))
    rr = 5.3 + 3 * np.arange(10)[:, None]
    cc = starts[:, None] + 4 * np.arange(8)[None, :]
    expected = 1.0 + 0.3 * rr - 0.2 * cc + 0.01 * rr * rr + 0.02 * rr * cc - 0.015 * cc * cc
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_sample_lattice_clamps_outside_the_image() -> None:
    out = sample_lattice(np.full((10, 10), 3.0), (-2.5, 2, 8), (np.array([-3.2] * 8), 2, 9))
    np.testing.assert_allclose(out, 3.0)


def test_lr_expected_photons_of_a_flat_field() -> None:
    # Grey g in HR -> (g - offset) / gain photons per HR dwell -> times lr_dwell / hr_dwell per LR pixel.
    params = _params()
    grey = 1580.0
    photons = (grey - params.hr_scan.offset) / params.hr_scan.gain * params.dwell_ratio
    image = np.full((64, 64), photons)
    geometry = StackGeometry(line_phase_px=0.0, drift_um=np.zeros((1, 2)))
    out = lr_expected(image, (-0.5, -1.0), 0.1, params, (32, 32), geometry, 0, 1, np.random.default_rng(0))
    np.testing.assert_allclose(out, photons, atol=2.0**-16)


def test_drift_of_one_lr_pixel_shifts_by_one_column() -> None:
    params = _params()
    image = np.random.default_rng(1).uniform(0.0, 3.0, (80, 80))
    still = StackGeometry(0.0, np.zeros((1, 2)))
    moved = StackGeometry(0.0, np.array([[0.0, 0.2]]))  # 2 HR pixels of 0.1 um = 1 LR pixel
    a = lr_expected(image, (-0.5, -1.0), 0.1, params, (40, 40), still, 0, 1, np.random.default_rng(0))
    b = lr_expected(image, (-0.5, -1.0), 0.1, params, (40, 40), moved, 0, 1, np.random.default_rng(0))
    np.testing.assert_array_equal(b[:, :-1], a[:, 1:])


def _stripes(shape: tuple[int, int], seed: int) -> np.ndarray:
    """HR image that varies only along x (smooth random profile), so even and odd lines see the same signal."""
    profile = ndimage.gaussian_filter1d(np.random.default_rng(seed).uniform(0, 1, shape[1]), 3.0, mode="wrap")
    return np.tile((profile - profile.min()) / np.ptp(profile), (shape[0], 1))


@pytest.mark.parametrize("phase", [0.4, 1.5, -2.0])
def test_bidirectional_lines_are_displaced_by_the_phase(phase: float) -> None:
    # Independent measurement: skimage's sub-pixel phase cross-correlation of odd lines against even lines.
    params = _params(phase=phase)
    # High SNR without saturation: HR dwell (~400 photo-electrons at white) and a low PMT gain.
    bright = dataclasses.replace(params.lr_scan, pixel_dwell_us=params.hr_scan.pixel_dwell_us, gain=5.0)
    params = dataclasses.replace(params, lr_scan=bright)
    lr = acquire_lr_from_hr(_stripes((256, 1024), 0), params=params, rng=np.random.default_rng(0)).astype(float)
    # All lines see the same profile, so averaging lines of one direction leaves the profile with less noise.
    even, odd = lr[0::2, 16:-16].mean(axis=0), lr[1::2, 16:-16].mean(axis=0)
    # Plain (not phase-normalised) cross-correlation: the profiles are not periodic.
    shift, _, _ = phase_cross_correlation(even, odd, upsample_factor=100, normalization=None)
    # The backward line samples x + phase, so its content appears moved by -phase: registering it back
    # onto the even lines needs a shift of +phase.
    assert shift[0] == pytest.approx(phase, abs=0.05)


def test_line_jitter_is_per_line_and_independent() -> None:
    params = _params(jitter=0.5)
    image = np.tile(np.linspace(0.0, 5.0, 64), (64, 1))  # a ramp along x: value proportional to position
    geometry = StackGeometry(0.0, np.zeros((1, 2)))
    out = lr_expected(image, (-0.5, -1.0), 0.1, params, (32, 32), geometry, 0, 1, np.random.default_rng(3))
    per_line = out[:, 5:-5].mean(axis=1)
    # Each line's offset along the ramp is its jitter (0.5 LR px std, slope 2 * 5/63 per LR px).
    slope = 2.0 * 5.0 / 63.0
    assert np.std(per_line - per_line.mean()) == pytest.approx(0.5 * slope, rel=0.35)


def test_bleaching_decays_by_the_configured_fraction() -> None:
    # Exponential bleaching: (1 - b)^(k / (F - 1)); the digitised mean above offset follows it.
    params = _params(bleach_fraction=0.3, drift_um=0.0, vibration_um=0.0)
    assert bleaching(params, 9, 10) == pytest.approx(0.7)
    assert bleaching(params, 3, 7) == pytest.approx(0.7**0.5)
    hr = np.full((512, 512), 3000, dtype=np.uint16)
    geometry = draw_stack_geometry(params, np.random.default_rng(0), 10)
    first, last = (
        acquire_lr_from_hr(hr, params=params, rng=np.random.default_rng(k), frame=k, frames=10, geometry=geometry)
        for k in (0, 9)
    )
    offset = params.lr_scan.offset
    ratio = (last.mean() - offset) / (first.mean() - offset)
    assert ratio == pytest.approx(0.7, abs=0.015)


def test_drift_is_bounded_and_reaches_the_configured_length() -> None:
    params = _params(drift_um=0.05, vibration_um=0.004)
    bound = 0.05 + 3 * math.sqrt(2) * 0.004
    for seed in range(20):
        drift = draw_stack_geometry(params, np.random.default_rng(seed), 100).drift_um
        assert drift.shape == (100, 2)
        assert np.max(np.hypot(drift[:, 0], drift[:, 1])) <= bound + 1e-9
    still = draw_stack_geometry(_params(drift_um=0.05, vibration_um=0.0), np.random.default_rng(0), 100).drift_um
    assert np.hypot(*still[0]) == 0.0
    assert np.hypot(*still[-1]) == pytest.approx(0.05, abs=1e-4)


def test_float_and_integer_hr_give_the_same_frame() -> None:
    params = default_params("MEM")
    hr = np.random.default_rng(0).integers(0, 4096, (64, 64)).astype(np.uint16)
    a = acquire_lr_from_hr(hr, params=params, rng=np.random.default_rng(1))
    b = acquire_lr_from_hr(hr / 4095.0, params=params, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (32, 32) and a.dtype == np.uint16


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hr": [[1, 2], [3, 4]]}, r"hr must be a 2-D NumPy array \[H, W\], got list"),
        ({"hr": np.zeros((2, 16, 16))}, r"got an array of shape \(2, 16, 16\)"),
        ({"hr": np.zeros((16, 15))}, r"even height and width of at least 8"),
        ({"hr": np.full((16, 16), 1.5)}, r"a float hr image must lie in \[0, 1\]"),
        ({"hr": np.zeros((16, 16), dtype=bool)}, r"integer or float array, got dtype bool"),
        ({"frames": 0}, r"frames must be a positive int"),
        ({"frame": 3, "frames": 3}, r"frame must be an int in \[0, 2\]"),
        ({"params": {}}, r"params must be a SimulationParams, got dict"),
        ({"geometry": StackGeometry(0.0, np.zeros((4, 2)))}, r"geometry.drift_um has shape \(4, 2\) but frames=1"),
    ],
)
def test_acquire_lr_from_hr_rejects_bad_input(kwargs: dict[str, object], match: str) -> None:
    call: dict[str, object] = {
        "hr": np.zeros((16, 16)),
        "params": default_params("NUC"),
        "rng": np.random.default_rng(0),
    }
    call.update(kwargs)
    with pytest.raises(InvalidArgumentError, match=match):
        acquire_lr_from_hr(**call)  # type: ignore[arg-type]
