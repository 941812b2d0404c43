"""Noise autocorrelation along and across lines, and radial power spectra, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from microsr_bench.realism.spectra import noise_autocorrelation, radial_spectrum


def _integrated(rng: np.random.Generator, a: float, shape: tuple[int, int, int]) -> np.ndarray:
    """White noise through a one-pole integrator along x, y_x = (1 - a) n_x + a y_{x-1}: an AR(1) process
    whose autocorrelation at lag l is a^l (closed form)."""
    noise = rng.standard_normal(shape)
    out = noise.copy()
    out[..., 0] = noise[..., 0]
    for x in range(1, shape[-1]):
        out[..., x] = (1 - a) * noise[..., x] + a * out[..., x - 1]
    return out


def test_integrator_bandwidth_shows_along_x_only() -> None:
    # On a still field with the noise of a one-pole integrator, lag l reads a^l. 20 x 96 x 96 samples give a
    # correlation to ~1/sqrt(1.6e5) = 0.0025; 0.02 allows for the start-up of each line (where the filter has
    # not reached steady state: ~1/(1 - a) of 96 pixels).
    rng = np.random.default_rng(0)
    still = 1000.0 + 30.0 * np.sin(np.arange(96) / 5.0)[None, None, :]
    a = 0.5
    stack = np.rint(still + 40.0 * _integrated(rng, a, (20, 96, 96))).astype(np.int64)
    along, across = noise_autocorrelation(stack, lags=3)
    np.testing.assert_allclose(along, [a, a**2, a**3], atol=0.02)
    assert across == pytest.approx(0.0, abs=0.02)
    white, _ = noise_autocorrelation(np.rint(still + 40.0 * rng.standard_normal((20, 96, 96))).astype(np.int64))
    np.testing.assert_allclose(white, 0.0, atol=0.02)


def test_radial_spectrum_of_white_noise_is_flat_at_its_variance() -> None:
    # |FFT|^2 / sum(w^2) of white noise of variance v has expectation v at every frequency (Parseval).
    rng = np.random.default_rng(1)
    freq, power = radial_spectrum(3.0 * rng.standard_normal((128, 128)), bins=16)
    assert len(freq) == 16 and freq[0] == pytest.approx(0.5 / 32)
    # Each |FFT|^2 sample is exponentially distributed (sd = mean), and the Hann window correlates neighbours:
    # a bin from radius 4 on holds >= ~200 samples, ~70 independent, so ~12 % sd; the mean of 12 such bins ~3 %.
    assert np.mean(power[4:]) == pytest.approx(9.0, rel=0.1)
    np.testing.assert_allclose(power[4:], 9.0, rtol=0.4)
    freq_lr, _ = radial_spectrum(rng.standard_normal((64, 64)), bins=8, pixel_scale=2.0)
    assert freq_lr[-1] == pytest.approx(freq[7])  # an LR spectrum on the HR axis ends at 0.25 cycles/HR px
