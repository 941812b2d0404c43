"""Displacements: sub-pixel cross-correlation, drift over a noisy burst, and the odd/even line shift (constant
and varying along the line), each against shifts the test injects with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from microsr_bench.realism.motion import burst_drift, line_shift_profile, phase_shift


@pytest.mark.parametrize("shift", [(0.0, 0.0), (0.3, -0.7), (1.25, 2.4), (-3.6, 0.45)])
def test_phase_shift_recovers_a_fourier_shift(synth, shift: tuple[float, float]) -> None:
    # Noise-free and circular, so the only error is the method's; 0.01 px is 1/5 of its refinement grid (1/20).
    image = synth.blobs(96, 40, seed=1)
    dy, dx = phase_shift(synth.fourier_shift(image, *shift), image)
    assert dy == pytest.approx(shift[0], abs=0.01) and dx == pytest.approx(shift[1], abs=0.01)


def test_burst_drift_recovers_the_velocity_of_a_noisy_burst(synth) -> None:
    # 30 frames of ~50 photo-electrons at the brightest pixels, drifting 0.02 / -0.035 px per frame (0.6 / 1.0 px
    # over the burst). Tolerance 0.004 px/frame: 4x the scatter of the slope over 10 seeds measured with this
    # test's numbers (sd 0.0009 px/frame along y, 0.0006 along x; mean within 0.0003 of the truth).
    image = 50.0 * synth.blobs(96, 40, seed=1) + 0.1
    velocity = (0.02, -0.035)
    rng = np.random.default_rng(0)
    stack = np.stack(
        [rng.poisson(np.maximum(synth.fourier_shift(image, velocity[0] * k, velocity[1] * k), 0)) for k in range(30)]
    )
    path, measured = burst_drift(stack)
    assert path.shape == (30, 2)
    np.testing.assert_allclose(measured, velocity, atol=0.004)
    _, still = burst_drift(np.stack([rng.poisson(image) for _ in range(30)]))
    assert np.abs(still).max() < 0.004  # no drift reads as none


def test_constant_line_shift(synth) -> None:
    # Exact content, odd lines moved by linear interpolation (smooth blobs: its error is far below 0.02 px).
    image = synth.blobs(96, 60, seed=3)
    for shift in (0.8, -1.7, 0.0):
        whole, centres, segments = line_shift_profile(synth.shift_odd_lines(image, shift), segments=3)
        assert whole == pytest.approx(shift, abs=0.03)
        np.testing.assert_allclose(segments, shift, atol=0.05)
        assert len(centres) == 3


def test_line_shift_varying_along_the_line(synth) -> None:
    # The shift grows linearly from -0.5 px at x = 0 to +1.5 px at x = 127 (a scan speed changing along the
    # line); each segment must read the shift at its centre. Tolerance 0.08 px: the shift varies by 0.5 px
    # across a 32-px segment, and the segment's estimate is its content-weighted average, not its centre's value.
    image = synth.blobs(128, 100, seed=5)

    def shift_at(x: np.ndarray) -> np.ndarray:
        return -0.5 + 2.0 * x / 127.0

    _, centres, segments = line_shift_profile(synth.shift_odd_lines(image, shift_at), segments=4)
    np.testing.assert_allclose(segments, shift_at(np.asarray(centres)), atol=0.08)
    assert np.polyfit(centres, segments, 1)[0] == pytest.approx(2.0 / 127.0, rel=0.15)
