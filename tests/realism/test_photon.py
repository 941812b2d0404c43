"""Photon transfer: gain, offset, excess noise factor and read noise of synthetic PMT stacks of known values;
bleaching; clipping at zero; errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.realism.photon import bleaching, clipping, photon_transfer

FRAMES = 30


def _stack(synth, *, gain, offset, read, excess=1.0, bleach=0.0, seed=0, size=160, peak=8.0) -> np.ndarray:
    """Blobs of up to ``peak`` photo-electrons on a ground of 0.02, bleaching by ``bleach`` per frame."""
    photons = peak * synth.blobs(size, 110, seed=1) + 0.02
    rng = np.random.default_rng(seed)
    return np.stack(
        [
            synth.digitise(photons * (1 - bleach) ** k, rng, gain=gain, offset=offset, read_noise=read, excess=excess)
            for k in range(FRAMES)
        ]
    )


@pytest.mark.parametrize(
    ("gain", "offset", "read", "excess"),
    [(50.0, 100.0, 5.0, 1.0), (20.0, 300.0, 8.0, 1.0), (50.0, 100.0, 5.0, 1.4), (120.0, 60.0, 20.0, 1.25)],
)
def test_recovers_gain_offset_read_noise_and_excess(synth, gain, offset, read, excess) -> None:
    # Tolerances are 4x the scatter measured over 10 seeds with exactly these stacks (160 x 160 px, 30 frames):
    # sd of F * gain 0.6 %, of F 0.033 (the third cumulant is a noisy moment), of gain 2.5 %, of the offset
    # 0.44 grey (at read noise 20; 0.06 below 10), of the read noise 1.4 %; every mean was within 1 sd of truth.
    pt = photon_transfer(_stack(synth, gain=gain, offset=offset, read=read, excess=excess), 4095)
    assert pt.effective_gain == pytest.approx(excess * gain, rel=0.025)
    assert pt.excess_noise_factor == pytest.approx(excess, abs=0.13)
    assert pt.gain == pytest.approx(gain, rel=0.1)
    assert pt.offset == pytest.approx(offset, abs=1.8)
    assert pt.read_noise == pytest.approx(read, rel=0.06)
    assert pt.offset_method == "dark_peak"


def test_offset_from_the_skewness_when_no_pixel_is_dark(synth) -> None:
    # Every pixel sees >= 3 photo-electrons, so no zero-photo-electron peak: the offset comes from the zero of
    # the third-cumulant line, k3 = s3 (m - offset). It is an extrapolation over >= 3 photo-electrons of a noisy
    # moment, hence rough: over 10 seeds of this stack its mean was 82 grey, sd 21 grey (0.4 photo-electrons);
    # the tolerance is 4 sd. docs/realism.md says the dark peak is the method to trust.
    photons = 3.0 + 6.0 * synth.blobs(96, 40, seed=1)
    rng = np.random.default_rng(4)
    stack = np.stack([synth.digitise(photons, rng, gain=50.0, offset=100.0, read_noise=5.0) for _ in range(FRAMES)])
    pt = photon_transfer(stack, 4095)
    assert pt.offset_method == "skewness"
    assert pt.offset == pytest.approx(100.0, abs=4 * 21.0)


def test_gain_is_unchanged_by_bleaching(synth) -> None:
    # 1 % per frame (25 % over 30 frames): the second difference removes the trend, so the slope stays within
    # the 2.5 % of the still stacks; the log-linear fit of the mean signal gives log(0.99) to 5 % (the
    # frame means of 25,600 pixels scatter by ~0.3 %).
    stack = _stack(synth, gain=50.0, offset=100.0, read=5.0, bleach=0.01)
    pt = photon_transfer(stack, 4095)
    assert pt.effective_gain == pytest.approx(50.0, rel=0.025)
    rate, fraction, signal = bleaching(stack, pt.offset)
    assert rate == pytest.approx(math.log(0.99), rel=0.05)
    assert fraction == pytest.approx(1 - 0.99 ** (FRAMES - 1), rel=0.05)
    assert len(signal) == FRAMES and signal[0] > signal[-1]


def test_clipping_fractions() -> None:
    stack = np.array([[[0, 5], [4095, 7]], [[0, 0], [1, 4095]]], dtype=np.uint16)
    assert clipping(stack, 4095) == (3 / 8, 2 / 8)


def test_errors(synth) -> None:
    stack = _stack(synth, gain=50.0, offset=100.0, read=5.0)
    with pytest.raises(InvalidArgumentError, match="at least 6 frames"):
        photon_transfer(stack[:5], 4095)
    with pytest.raises(InvalidArgumentError, match="unclipped pixels"):
        photon_transfer(np.full((8, 32, 32), 4095, np.uint16), 4095)
    rng = np.random.default_rng(0)
    averaged = np.rint(np.tile(np.linspace(100, 2000, 64), (64, 1)) + 0.1 * rng.standard_normal((10, 64, 64)))
    with pytest.raises(InvalidArgumentError, match=r"does not grow with the signal|no range of brightness"):
        photon_transfer(averaged.astype(np.uint16), 4095)
