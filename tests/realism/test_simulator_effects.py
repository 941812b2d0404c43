"""Each simulator 2.0 effect switched off and on moves the statistic the realism report measures on it, in the
right direction and by the amount its parameter sets (issue 12, "Must show").

Every test simulates the same small field twice, from a *quiet* field (every 2.0 effect off) with and without
one effect, and runs the report's own ``measure_field`` on both. The two simulations share every random
stream (content, noise), so the *difference* of a statistic between them is the effect, with most of the
field's own scatter cancelled. Expected amounts follow from the parameter in closed form where one exists;
where the measurement is biased by design (the integrator and photon transfer) the biased value is expected,
and the comment says why. Tolerances are about 3 x the largest deviation seen over the fields each test names
(measured once with this module's helpers; the numbers are in each test). Fields are 256 x 256 HR with 24 LR
frames (~0.7 s each); the line-shift and registration tests use the full 512 x 512, as the report's column
segments and 4 x 4 registration tiles are sized for it. The module runs in ~30 s on one core.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np
import pytest
from scipy.stats import norm

from microsr_bench.realism import measure_field
from microsr_bench.simulate import (
    CalibrationParams,
    MotionParams,
    PmtParams,
    SimulationParams,
    VarietyParams,
    default_params,
    simulate_field,
)
from microsr_bench.simulate.live import build_live_model

#: HR side of most fields; the line-shift profile and the registration need the full 512 (see their tests).
SIDE, FULL, FRAMES, MAX_VALUE = 256, 512, 24, 4095
#: LR pixel (um), LR frame period (s) and LR dwell (us) of the 2.0 defaults (docs/simulator.md).
LR_PIXEL_UM, FRAME_S, LR_DWELL_US = 0.2, 0.05, 0.76
QUIET_MOTION = MotionParams(stage_drift_um_per_s=0.0, focus_drift_um_per_s=0.0, deform_um_per_s=0.0)
QUIET_CAL = CalibrationParams(
    scale=0.0, scale_spread=0.0, rotation_deg=0.0, rotation_spread_deg=0.0, offset_um=(0.0, 0.0), offset_spread_um=0.0
)


def quiet(name: str = "NUC") -> SimulationParams:
    """2.0 defaults with every effect off: no motion, calibration mismatch, line phase, integrator, haze,
    vignetting, variety, bleaching or dark counts. The LR offset is raised from 40 to 500 grey levels so that
    nothing clips at zero (clipping biases the photon transfer and the bleaching fit); the zero-fraction tests
    set it back. The amplifier noise stays on (the report's dark peak needs an electronic floor)."""
    base = default_params(name)
    assert base.live is not None
    live = dataclasses.replace(
        base.live,
        motion=QUIET_MOTION,
        calibration=QUIET_CAL,
        lr_chain=dataclasses.replace(
            base.live.lr_chain, integrator_tau_us=0.0, backward_gain_mismatch=0.0, line_shift_edge_px=0.0, offset=500.0
        ),
        optics=dataclasses.replace(base.live.optics, haze_fraction=0.0, vignetting=0.0),
        variety=VarietyParams(0.0, 0.0, 0.0),
    )
    scan = dataclasses.replace(base.lr_scan, line_phase_px=0.0, line_phase_spread_px=0.0, line_jitter_px=0.0)
    return dataclasses.replace(
        base,
        live=live,
        lr_scan=scan,
        stack=dataclasses.replace(base.stack, bleach_fraction=0.0),
        detector=dataclasses.replace(base.detector, dark_count_rate_hz=0.0),
    )


def with_live(params: SimulationParams, part: str, **changes: Any) -> SimulationParams:
    """``params`` with fields of ``live.<part>`` (``lr_chain``, ``motion``, ``calibration``) changed."""
    assert params.live is not None
    new = dataclasses.replace(getattr(params.live, part), **changes)
    return dataclasses.replace(params, live=dataclasses.replace(params.live, **{part: new}))


def simulate(params: SimulationParams, name: str = "NUC", index: int = 0, side: int = SIDE) -> Any:
    return simulate_field(
        name, index, hr_shape=(side, side), lr_shape=(side // 2, side // 2), frames=FRAMES, params=params
    )


@functools.lru_cache(maxsize=16)
def report(params: SimulationParams, name: str = "NUC", index: int = 0, side: int = SIDE) -> dict[str, Any]:
    """``measure_field`` of one simulated field; cached, so the quiet field is simulated once per size."""
    field = simulate(params, name, index, side)
    return measure_field(field.lr, field.hr, MAX_VALUE)


def pair(
    on: SimulationParams, *, off: SimulationParams | None = None, side: int = SIDE, name: str = "NUC", index: int = 0
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report of the field with the effect off (``off``, default the quiet field) and on."""
    return report(quiet(name) if off is None else off, name, index, side), report(on, name, index, side)


def test_line_phase_moves_line_shift_by_minus_the_phase() -> None:
    # Backward lines sample the sample `phase` LR px further right, so their content appears `phase` px to the
    # left: line_shift (odd minus even) reads -phase (docs/realism.md's 1.0 check: "the simulator's phase,
    # negated"). Full-size field (the shift is fitted over 250 columns). Seen on NUC fields 0-3: within
    # 0.12 px (0.17 px on 256 x 256 HR, fields 0-5); tolerance 0.35 px.
    params = quiet()
    on = dataclasses.replace(params, lr_scan=dataclasses.replace(params.lr_scan, line_phase_px=1.5))
    off, lit = pair(on, side=FULL)
    assert lit["line_shift"] - off["line_shift"] == pytest.approx(-1.5, abs=0.35)


def _segment_means(edge: float, width: int, segments: int = 4, margin: int = 6) -> np.ndarray:
    """Mean of ``edge (2u - 1)^2`` (the simulator's extra backward-line shift, u = (x + 0.5) / width) over the
    report's column segments: ``line_shift_profile``'s default max_shift 4 leaves a margin of 6 columns."""
    u = (np.arange(margin, width - margin) + 0.5) / width
    return np.array([float(np.mean(p)) for p in np.array_split(edge * (2 * u - 1) ** 2, segments)])


def test_line_shift_edge_makes_the_shift_vary_along_the_line() -> None:
    # shift(u) = phase + edge (2u - 1)^2 on backward lines: the outer quarters of the line shift more than the
    # centre. Closed form: the report's outer segments minus its inner ones should move by minus the difference
    # of the profile's segment means, -0.91 px at edge = 2 on 256 LR columns; the symmetric profile leaves the
    # linear slope at ~0. Full-size field: on 128 columns the segments scattered by +-0.4 px. Seen on NUC
    # fields 0-2: contrast within 0.10 px (MEM fields, with less structure per segment: 0.36); tolerance 0.3.
    on = with_live(quiet(), "lr_chain", line_shift_edge_px=2.0)
    off, lit = pair(on, side=FULL)
    moved = np.subtract(lit["line_shift_segments"], off["line_shift_segments"])
    expected = -_segment_means(2.0, FULL // 2)
    contrast = lambda v: 0.5 * (v[0] + v[3]) - 0.5 * (v[1] + v[2])  # noqa: E731
    assert contrast(moved) == pytest.approx(contrast(expected), abs=0.3)
    assert np.all(moved < 0.0)  # every part of the backward lines moved the same way
    assert abs(lit["line_shift_slope"] - off["line_shift_slope"]) < 0.005


def test_integrator_sets_fast_axis_autocorrelation_and_biases_photon_transfer() -> None:
    # A one-pole low-pass of pole a = exp(-dwell / tau) = 0.28 gives the noise a, a^2, a^3 along x (closed
    # form; off: 0). Known bias of photon transfer (docs/realism.md, Assumptions): the per-pixel variance of
    # uncorrelated noise falls by (1 - a) / (1 + a), so effective_gain and read_noise^2 fall by that factor.
    # The filter also delays each line in its scan direction, so the odd-even line shift moves negative: by
    # 2a / (1 - a) = 0.78 px at zero frequency (docs/simulator.md), less for finer content, since a one-pole
    # filter's phase delay atan(a sin w / (1 - a cos w)) / w falls with frequency (0.17 px at w = pi / 2,
    # 0.25 cycles/px); the report's fit weights the content's frequencies, so it must read between the two.
    # Seen (NUC and MEM, fields 0-2): autocorrelation within 0.008 of a^lag, gain ratio within 4 % of the
    # factor, read-noise ratio within 2 % on NUC (10 % on MEM, whose dark peak is less clean), line shift
    # -0.34 to -0.70 px; tolerances 0.03, 8 %, 5 % and the bracket widened by 0.1 px.
    a = math.exp(-LR_DWELL_US / 0.6)
    off, lit = pair(with_live(quiet(), "lr_chain", integrator_tau_us=0.6))
    np.testing.assert_allclose(off["fast_axis_autocorr"], 0.0, atol=0.03)
    np.testing.assert_allclose(lit["fast_axis_autocorr"], [a, a**2, a**3], atol=0.03)
    assert abs(lit["slow_axis_autocorr"]) < 0.03  # between lines nothing is correlated
    factor = (1 - a) / (1 + a)
    assert lit["effective_gain"] / off["effective_gain"] == pytest.approx(factor, rel=0.08)
    assert lit["read_noise"] / off["read_noise"] == pytest.approx(math.sqrt(factor), rel=0.05)
    delay = math.atan(a) / (math.pi / 2)  # phase delay per line direction at 0.25 cycles/px
    assert -2 * a / (1 - a) - 0.1 < lit["line_shift"] - off["line_shift"] < -2 * delay + 0.1


def test_amplifier_noise_sets_the_dark_floor() -> None:
    # White amplifier noise of 90 grey levels for 1 us falls as 1/sqrt(dwell): 90 / sqrt(0.76) = 103.2 grey
    # rms, which read_noise reads (rounding removed). Off, the floor is rounding only and the zero-photo-
    # electron peak one grey level wide: read_noise reads 0, or up to 12 grey where the fit falls back to the
    # skewness line. Seen (NUC fields 0-5): on within 2.8 %, off 0-12.4 grey; tolerances 8 % and 20 grey.
    on = quiet()
    off, lit = pair(on, off=with_live(quiet(), "lr_chain", amp_noise_grey_1us=0.0))
    assert lit["read_noise"] == pytest.approx(90.0 / math.sqrt(LR_DWELL_US), rel=0.08)
    assert off["read_noise"] < 20.0
    assert lit["read_noise_e"] > 4 * off["read_noise_e"]


def test_amplifier_noise_clips_dark_pixels_at_zero() -> None:
    # Offset 40 (the 2.0 default): without amplifier noise no value falls below the offset, so zero_fraction
    # is 0; with noise of sigma = 103.2 grey, a value v of the noiseless chain reads 0 with probability
    # Phi((0.5 - v) / sigma) (rounding to 0 below 0.5): the closed form, averaged over the off field's values
    # (same Poisson and Gamma draws, the Normal is drawn last). Seen (NUC fields 0-5): within 0.0007;
    # tolerance 0.005.
    base = with_live(quiet(), "lr_chain", offset=40.0)
    silent = with_live(base, "lr_chain", amp_noise_grey_1us=0.0)
    values = simulate(silent).lr.astype(np.float64)
    off, lit = pair(base, off=silent)
    sigma = 90.0 / math.sqrt(LR_DWELL_US)
    assert off["zero_fraction"] == 0.0
    assert lit["zero_fraction"] == pytest.approx(float(norm.cdf((0.5 - values) / sigma).mean()), abs=0.005)


def test_dark_counts_raise_the_dark_signal_and_fill_zeros() -> None:
    # 2e5 dark counts per second (100 x the default, so the change stands out of the noise) give
    # lambda = 0.2 e-/us x 0.76 us = 0.152 photo-electrons per LR pixel.
    # (1) A pixel reads 0 (offset 40) only without a photo-electron, so zero_fraction falls by the Poisson factor
    # exp(-lambda) = 0.859. Seen (fields 0-2): 0.865-0.869; tolerance 0.03.
    # (2) dark_signal_e (the darkest 5 % of the mean frame above the offset, e-; offset 500, as clipping at 0
    # spoils the dark-peak offset) rises by lambda less a known bias: the counts also widen the noise of the mean
    # frame, which lowers its 5 % quantile by 1.645 (sqrt(r^2 + F g^2 lambda) - r) / sqrt(frames) / g = 0.070 e-
    # for a Gaussian (r = 103.2 grey, g = 300, F = 1.25, 24 frames); the Poisson lower tail is shorter, so the
    # true lowering is smaller and the rise lies between lambda - 0.070 and lambda. Seen: 0.095-0.110.
    rate, lam = 2e5, 2e5 * 1e-6 * LR_DWELL_US
    pmt, r = PmtParams(), 90.0 / math.sqrt(LR_DWELL_US)

    def counting(params: SimulationParams) -> SimulationParams:
        return dataclasses.replace(params, detector=dataclasses.replace(params.detector, dark_count_rate_hz=rate))

    clipped = with_live(quiet(), "lr_chain", offset=40.0)
    off, lit = pair(counting(clipped), off=clipped)
    assert lit["zero_fraction"] / off["zero_fraction"] == pytest.approx(math.exp(-lam), abs=0.03)
    off, lit = pair(counting(quiet()))
    g, f = pmt.grey_per_electron(780.0), pmt.excess_noise_factor(780.0)
    widening = 1.645 * (math.sqrt(r * r + f * g * g * lam) - r) / math.sqrt(FRAMES) / g
    assert lam - widening - 0.02 < lit["dark_signal_e"] - off["dark_signal_e"] < lam + 0.02


def test_stage_drift_sets_frame_drift() -> None:
    # Content moves with the stage: v um/s is v * 0.05 s / 0.2 um LR px per frame along the direction drawn
    # for the field (the model's drift_velocity, [dy, dx] um/s). 0.4 um/s -> 0.1 LR px/frame. Seen (NUC
    # fields 0-5): on within 0.005, off within 0.0042 px/frame; tolerance 0.015.
    on = with_live(quiet(), "motion", stage_drift_um_per_s=0.4)
    off, lit = pair(on)
    velocity = build_live_model("NUC", 0, (SIDE, SIDE), FRAMES, on).motion.drift_velocity
    expected = np.asarray(velocity) * FRAME_S / LR_PIXEL_UM
    assert float(np.hypot(*expected)) == pytest.approx(0.1, rel=1e-3)
    np.testing.assert_allclose(off["frame_drift"], 0.0, atol=0.015)
    np.testing.assert_allclose(lit["frame_drift"], expected, atol=0.015)


def test_scan_calibration_offset_moves_hr_lr_shift() -> None:
    # The LR scan points (0.3, -0.2) um further, so the LR content sits (3, -2) HR px earlier and HR relative
    # to LR reads +(3, -2) HR px. The report cuts the images into 4 x 4 tiles: full size (128 px tiles), as
    # on a real field; on 256 x 256 HR (64 px tiles) it read 10 % short on NUC, and off by 3 px on one MITO
    # field. Seen (NUC and MEM, fields 0-2): within 0.09 px; tolerance 0.2 px.
    off, lit = pair(with_live(quiet(), "calibration", offset_um=(0.3, -0.2)), side=FULL)
    np.testing.assert_allclose(np.subtract(lit["hr_lr_shift"], off["hr_lr_shift"]), [3.0, -2.0], atol=0.2)


def test_scan_calibration_scale_moves_hr_lr_scale() -> None:
    # The LR scan spans 2 % more of the sample per pixel, so the HR content is 2 % larger than the LR content:
    # hr_lr_scale 1.02 to first order (the fitted displacement (s - 1)(p - c) is taken at HR positions, a
    # second-order difference of (s - 1)^2 = 0.0004). Full-size field, as above. Seen (NUC and MEM,
    # fields 0-2): within 0.0007; tolerance 0.002.
    off, lit = pair(with_live(quiet(), "calibration", scale=0.02), side=FULL)
    assert off["hr_lr_scale"] == pytest.approx(1.0, abs=0.002)
    assert lit["hr_lr_scale"] - off["hr_lr_scale"] == pytest.approx(0.02, abs=0.002)


def test_scan_calibration_rotation_moves_hr_lr_rotation() -> None:
    # The LR scan is rotated by +1 degree (x towards y) on the sample, so the HR content is rotated by +1 degree
    # against the LR content. Full-size field, as above. Seen (NUC and MEM, fields 0-2): within
    # 0.035 degrees; tolerance 0.1.
    off, lit = pair(with_live(quiet(), "calibration", rotation_deg=1.0), side=FULL)
    assert lit["hr_lr_rotation_deg"] - off["hr_lr_rotation_deg"] == pytest.approx(1.0, abs=0.1)


def test_bleaching_sets_bleach_fraction() -> None:
    # The fluorescence falls as (1 - b)^(k / (frames - 1)) over the burst: a log-linear decay losing exactly b by the
    # last frame, what bleach_fraction reads (offset 500: nothing clips, no dark counts, which do not bleach).
    # Seen (NUC fields 0-5): within 0.0067 on, 0.0036 off; tolerance 0.02.
    base = quiet()
    on = dataclasses.replace(base, stack=dataclasses.replace(base.stack, bleach_fraction=0.3))
    off, lit = pair(on)
    assert off["bleach_fraction"] == pytest.approx(0.0, abs=0.02)
    assert lit["bleach_fraction"] == pytest.approx(0.3, abs=0.02)


def test_pmt_high_voltage_sets_lr_gain() -> None:
    # G ~ V^(k n) = V^6.75 (Hamamatsu; PmtParams): 780 V -> 700 V lowers the gain to (700/780)^6.75 = 0.48 and
    # raises F a little (fewer electrons per dynode). effective_gain = F G is the well-measured line (closed
    # form ratio F(700) G(700) / F(780) G(780)); lr_gain = G needs F from the third cumulant and scatters
    # more. Seen (NUC fields 0-5): effective ratio within 1.7 %, lr_gain within 4.6 % of G; tolerances 5 % and
    # 14 %.
    pmt = PmtParams()
    off, lit = pair(with_live(quiet(), "lr_chain", hv_volts=700.0))

    def fg(volts: float) -> float:
        return pmt.excess_noise_factor(volts) * pmt.grey_per_electron(volts)

    assert lit["effective_gain"] / off["effective_gain"] == pytest.approx(fg(700.0) / fg(780.0), rel=0.05)
    assert lit["lr_gain"] == pytest.approx(pmt.grey_per_electron(700.0), rel=0.14)
    assert off["lr_gain"] == pytest.approx(pmt.grey_per_electron(780.0), rel=0.14)
