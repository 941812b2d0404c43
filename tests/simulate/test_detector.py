"""Photon statistics of the PMT and converter against the compound-Poisson closed form."""

from __future__ import annotations

import numpy as np
import pytest

from microsr_bench.simulate import DetectorParams, ScanParams
from microsr_bench.simulate.detector import digitise

N = 400_000


@pytest.mark.parametrize(("photons", "excess"), [(2.0, 1.3), (0.5, 1.5), (8.0, 1.0)])
def test_mean_and_variance_match_compound_poisson(photons: float, excess: float) -> None:
    # Poisson(lambda) photo-electrons, each amplified by a random gain of mean g and relative variance F - 1:
    #   mean = offset + g lambda,   var = F g^2 lambda + read_noise^2 + 1/12 (rounding to integers).
    scan = ScanParams(pixel_dwell_us=1.0, bidirectional=False, gain=150.0, offset=400.0, read_noise=10.0)
    detector = DetectorParams(excess_noise_factor=excess)
    values = digitise(np.full(N, photons), scan, detector, np.random.default_rng(0)).astype(np.float64)
    assert values.max() < detector.saturation_level and values.min() > 0  # no clipping in this test
    mean = scan.offset + scan.gain * photons
    var = excess * scan.gain**2 * photons + scan.read_noise**2 + 1.0 / 12.0
    # Standard error of the sample mean is sqrt(var / N) (~0.3 grey here); allow 5 of them.
    assert values.mean() == pytest.approx(mean, abs=5.0 * np.sqrt(var / N))
    assert values.var() == pytest.approx(var, rel=0.03)


def test_zero_photons_give_offset_plus_read_noise() -> None:
    scan = ScanParams(pixel_dwell_us=1.0, bidirectional=False, gain=150.0, offset=100.0, read_noise=5.0)
    values = digitise(np.zeros(N), scan, DetectorParams(), np.random.default_rng(1)).astype(np.float64)
    assert values.mean() == pytest.approx(100.0, abs=0.05)
    assert values.std() == pytest.approx(np.sqrt(25.0 + 1.0 / 12.0), rel=0.01)


def test_converter_clips_to_zero_and_saturation() -> None:
    detector = DetectorParams(saturation_level=4000)
    bright = ScanParams(pixel_dwell_us=1.0, bidirectional=False, gain=100.0, offset=50.0, read_noise=1.0)
    out = digitise(np.full(1000, 100.0), bright, detector, np.random.default_rng(2))
    assert out.dtype == np.uint16 and np.all(out == 4000)
    dark = ScanParams(pixel_dwell_us=1.0, bidirectional=False, gain=100.0, offset=0.0, read_noise=20.0)
    out = digitise(np.zeros(1000), dark, detector, np.random.default_rng(3))
    assert out.min() == 0 and np.mean(out == 0) == pytest.approx(0.5, abs=0.06)  # half of N(0, 20) is negative


def test_same_stream_same_image() -> None:
    scan = ScanParams(pixel_dwell_us=1.0, bidirectional=False, gain=300.0, offset=60.0, read_noise=20.0)
    expected = np.random.default_rng(0).uniform(0, 5, (64, 64))
    a = digitise(expected, scan, DetectorParams(), np.random.default_rng(9))
    b = digitise(expected, scan, DetectorParams(), np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
