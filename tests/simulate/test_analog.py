"""The analog chain of simulator 2.0 against closed forms: PMT gain and excess noise per HV, amplifier noise,
the integrator's correlation along x, offset and clipping, backward-line gain, and line-shift direction."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microsr_bench.errors import ConfigError
from microsr_bench.simulate import AnalogParams, PmtParams
from microsr_bench.simulate.analog import chain_settings, digitise_analog

PMT = PmtParams()
LR_DWELL = 0.76


def _chain(**changes: float) -> AnalogParams:
    values = {"hv_volts": 780.0, "amp_noise_grey_1us": 0.0, "integrator_tau_us": 0.0, "offset": 500.0}
    values.update(changes)
    return AnalogParams(**values)  # type: ignore[arg-type]


def _draw(chain: AnalogParams, expected: float, shape=(400, 256), seed=0, bidirectional=True) -> np.ndarray:
    settings = chain_settings(chain, PMT, LR_DWELL, bidirectional=bidirectional, saturation=65535)
    image = digitise_analog(np.full(shape, expected), settings, np.random.default_rng(seed))
    return image.astype(np.float64)


def _lag1(image: np.ndarray) -> float:
    centred = image - image.mean(axis=1, keepdims=True)
    return float((centred[:, 1:] * centred[:, :-1]).mean() / (centred * centred).mean())


def test_gain_and_excess_noise_follow_the_high_voltage() -> None:
    # Closed form: G = 1e7 (V/1000)^(0.75*9); F = delta/(delta-1) with delta = G^(1/9) (Hamamatsu PMT handbook).
    for volts in (470.0, 780.0):
        g = 1e7 * (volts / 1000.0) ** 6.75
        assert PMT.grey_per_electron(volts) == pytest.approx(g * 1.6e-4, rel=1e-12)
        delta = g ** (1 / 9)
        assert PMT.excess_noise_factor(volts) == pytest.approx(delta / (delta - 1.0), rel=1e-12)
    assert PMT.grey_per_electron(780.0) == pytest.approx(300.0, rel=0.02)  # 1.0's LR gain
    assert PMT.grey_per_electron(470.0) == pytest.approx(10.0, rel=0.03)  # 1.0's HR gain
    assert 1.2 < PMT.excess_noise_factor(780.0) < PMT.excess_noise_factor(470.0) < 1.5  # DESIGN.md: 1.2-1.5


def test_compound_poisson_mean_and_variance() -> None:
    # mean = offset + G lambda; variance = F G^2 lambda (+1/12 rounding), no amplifier noise, no low-pass.
    lam = 4.0
    image = _draw(_chain(), lam, seed=1)
    g, f = PMT.grey_per_electron(780.0), PMT.excess_noise_factor(780.0)
    assert image.mean() == pytest.approx(500.0 + g * lam, rel=0.01)
    assert image.var() == pytest.approx(f * g * g * lam, rel=0.03)


def test_amplifier_noise_scales_with_dwell_and_is_smoothed_by_the_integrator() -> None:
    # Zero signal: variance = (amp / sqrt(dwell))^2 * (1 - a) / (1 + a) for a first-order low-pass of pole a.
    chain = _chain(amp_noise_grey_1us=90.0, integrator_tau_us=0.6)
    image = _draw(chain, 0.0, seed=2)
    a = math.exp(-LR_DWELL / 0.6)
    expected = (90.0 / math.sqrt(LR_DWELL)) ** 2 * (1 - a) / (1 + a) + 1 / 12
    assert image.var() == pytest.approx(expected, rel=0.03)
    assert _draw(_chain(amp_noise_grey_1us=90.0), 0.0).var() > 1.5 * image.var()


def test_integrator_on_raises_lag1_autocorrelation_along_x_to_its_pole() -> None:
    # White noise through y[n] = (1-a) x[n] + a y[n-1] has lag-1 autocorrelation exactly a.
    on = _draw(_chain(amp_noise_grey_1us=90.0, integrator_tau_us=0.6), 0.0, seed=3)
    off = _draw(_chain(amp_noise_grey_1us=90.0), 0.0, seed=3)
    assert _lag1(on) == pytest.approx(math.exp(-LR_DWELL / 0.6), abs=0.02)
    assert abs(_lag1(off)) < 0.02
    # Along y (between lines) nothing is correlated either way.
    assert abs(_lag1(on.T.copy())) < 0.02


def test_dark_counts_raise_the_zero_signal_variance() -> None:
    # Dark counts are Poisson photo-electrons: variance F G^2 lambda_dark above the amplifier floor.
    quiet = _draw(_chain(amp_noise_grey_1us=30.0), 0.0, seed=4)
    dark = _draw(_chain(amp_noise_grey_1us=30.0), 0.05, seed=4)
    g, f = PMT.grey_per_electron(780.0), PMT.excess_noise_factor(780.0)
    assert dark.var() - quiet.var() == pytest.approx(f * g * g * 0.05, rel=0.1)


def test_offset_near_zero_clips_the_dark_background_to_zero() -> None:
    # Gaussian floor of sigma s around offset o: a fraction Phi(-o/s) reads 0 (plus rounding of [-0.5, 0.5)).
    sigma = 90.0 / math.sqrt(LR_DWELL)
    for offset in (0.0, 40.0, 3 * sigma):
        image = _draw(_chain(amp_noise_grey_1us=90.0, offset=offset), 0.0, seed=5)
        expected = 0.5 * math.erfc((offset + 0.5) / sigma / math.sqrt(2))
        assert (image == 0).mean() == pytest.approx(expected, abs=0.01)


def test_backward_lines_have_their_own_gain() -> None:
    image = _draw(_chain(offset=0.0, backward_gain_mismatch=0.05), 3.0, seed=6)
    ratio = image[1::2].mean() / image[0::2].mean()
    assert ratio == pytest.approx(1.05, abs=0.01)
    uni = _draw(_chain(offset=0.0, backward_gain_mismatch=0.05), 3.0, seed=6, bidirectional=False)
    assert uni[1::2].mean() / uni[0::2].mean() == pytest.approx(1.0, abs=0.01)


def test_integrator_delays_each_line_in_its_scan_direction() -> None:
    # The low-pass delays a line by the centroid of its impulse response, sum n (1-a) a^n = a / (1 - a) pixels:
    # to the right on forward lines, to the left on backward lines; the comb between them is 2 a / (1 - a).
    expected = np.zeros((4096, 256))
    expected[:, 128:] = 150.0
    chain = chain_settings(_chain(integrator_tau_us=0.6), PMT, LR_DWELL, bidirectional=True, saturation=65535)
    image = digitise_analog(expected, chain, np.random.default_rng(7)).astype(np.float64)
    a = math.exp(-LR_DWELL / 0.6)

    def centre(rows: np.ndarray) -> float:
        edge = np.diff(rows.mean(axis=0))[122:134]  # the step's derivative: the line's impulse response
        return float((np.arange(122, 134) * edge).sum() / edge.sum())

    assert centre(image[0::2]) - centre(image[1::2]) == pytest.approx(2 * a / (1 - a), abs=0.15)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: AnalogParams(hv_volts=100.0), r"AnalogParams.hv_volts must be in \[200.0, 1250.0\]"),
        (lambda: AnalogParams(hv_volts=700.0, integrator_tau_us=-1.0), r"integrator_tau_us must be in"),
        (lambda: PmtParams(dynodes=3), r"PmtParams.dynodes must be an int in \[4, 14\], got 3"),
    ],
)
def test_invalid_chain_parameters_are_refused(make: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        make()  # type: ignore[operator]
