"""Simulator 2.0 effects switched on and off one at a time: each moves the statistic a microscopist (and the
realism report) would measure, in the right direction and by the amount its parameter sets.

Every test starts from a *quiet* field (all 2.0 effects off) and switches one on; fields are small
(128 x 128 or 256 x 256 HR) with few frames so that the file runs in seconds.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from skimage.registration import phase_cross_correlation

from microsr_bench.data.cards import get_card
from microsr_bench.errors import ConfigError
from microsr_bench.simulate import (
    AnalogParams,
    CalibrationParams,
    LiveOpticsParams,
    MotionParams,
    SimulationParams,
    VarietyParams,
    default_params,
    simulate_field,
)
from microsr_bench.simulate._numerics import stream
from microsr_bench.simulate.live_optics import draw_depth, vignetting
from microsr_bench.simulate.variety import vary_phantom

QUIET_MOTION = MotionParams(stage_drift_um_per_s=0.0, focus_drift_um_per_s=0.0, deform_um_per_s=0.0)
QUIET_CAL = CalibrationParams(
    scale=0.0, scale_spread=0.0, rotation_deg=0.0, rotation_spread_deg=0.0, offset_um=(0.0, 0.0), offset_spread_um=0.0
)


def quiet(name: str, **live_changes: object) -> SimulationParams:
    """2.0 defaults with every 2.0 effect off (and 1.0's line phase and jitter off), then ``live_changes``."""
    base = default_params(name)
    assert base.live is not None
    live = dataclasses.replace(
        base.live,
        motion=QUIET_MOTION,
        calibration=QUIET_CAL,
        lr_chain=dataclasses.replace(
            base.live.lr_chain, integrator_tau_us=0.0, backward_gain_mismatch=0.0, line_shift_edge_px=0.0
        ),
        optics=dataclasses.replace(base.live.optics, haze_fraction=0.0, vignetting=0.0),
        variety=VarietyParams(0.0, 0.0, 0.0),
    )
    live = dataclasses.replace(live, **live_changes)  # type: ignore[arg-type]
    scan = dataclasses.replace(base.lr_scan, line_phase_px=0.0, line_phase_spread_px=0.0, line_jitter_px=0.0)
    return dataclasses.replace(base, live=live, lr_scan=scan)


def field(name: str, params: SimulationParams, side: int = 128, frames: int = 4, index: int = 0):
    shapes = {"hr_shape": (side, side), "lr_shape": (side // 2, side // 2)}
    return simulate_field(name, index, frames=frames, params=params, **shapes)  # type: ignore[arg-type]


def _with_scan(params: SimulationParams, **changes: float) -> SimulationParams:
    return dataclasses.replace(params, lr_scan=dataclasses.replace(params.lr_scan, **changes))


def _with_chain(params: SimulationParams, **changes: float) -> SimulationParams:
    assert params.live is not None
    chain = dataclasses.replace(params.live.lr_chain, **changes)
    return dataclasses.replace(params, live=dataclasses.replace(params.live, lr_chain=chain))


def _shift(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Translation (dy, dx) that registers ``b`` onto ``a`` (scikit-image phase correlation, 1/50 px)."""
    return np.asarray(phase_cross_correlation(a, b, upsample_factor=50, normalization=None)[0])


def _line_shift(image: np.ndarray, columns: slice = slice(None)) -> float:
    """How far (LR px, + = right) the content of odd lines sits against the even lines around them.

    Each odd line is compared with the mean of the even lines above and below (same height, so oblique edges
    do not bias it), shifted by s along x (Fourier shift) for s on a 0.02 px grid; the best s is returned
    negated. Only ``columns`` are compared, 6 px away from the line ends (the shift wraps there).
    """
    odd = image[1:-1:2].astype(np.float64)
    between = 0.5 * (image[0:-2:2] + image[2::2]).astype(np.float64)
    k = np.fft.fftfreq(odd.shape[1])
    spectrum = np.fft.fft(odd, axis=1)
    cols = np.arange(odd.shape[1])[columns]
    cols = cols[(cols >= 6) & (cols < odd.shape[1] - 6)]
    steps = np.arange(-4.0, 4.0001, 0.02)
    errors = [
        ((np.fft.ifft(spectrum * np.exp(-2j * np.pi * k * s), axis=1).real - between)[:, cols] ** 2).mean()
        for s in steps
    ]
    return -float(steps[int(np.argmin(errors))])


def test_line_phase_moves_the_odd_even_cross_correlation_peak() -> None:
    # Backward lines sample the sample at x + phase (LR px): their content appears `phase` pixels to the left.
    off = field("MEM", quiet("MEM"), side=256, frames=8).lr.mean(axis=0)
    on = field("MEM", _with_scan(quiet("MEM"), line_phase_px=1.5), side=256, frames=8).lr.mean(axis=0)
    assert abs(_line_shift(off)) < 0.2
    assert _line_shift(on) == pytest.approx(-1.5, abs=0.3)


def test_line_shift_varies_along_the_line() -> None:
    # shift(u) = phase + edge (2u - 1)^2: the outer quarters average edge * 7/12, the centre half edge * 1/12.
    params = _with_chain(quiet("MEM"), line_shift_edge_px=2.0)
    image = field("MEM", params, side=256, frames=8).lr.mean(axis=0)
    outer = 0.5 * (_line_shift(image, slice(0, 32)) + _line_shift(image, slice(96, 128)))
    centre = _line_shift(image, slice(32, 96))
    assert centre - outer == pytest.approx(2.0 * (7 / 12 - 1 / 12), abs=0.4)


def _lag1_x(frames: np.ndarray) -> float:
    noise = frames - frames.mean(axis=0)
    return float((noise[:, :, 1:] * noise[:, :, :-1]).mean() / (noise * noise).mean())


def test_integrator_raises_the_lag1_autocorrelation_along_x() -> None:
    # Closed form for white noise: lag-1 = a = exp(-dwell / tau) = 0.28 at 0.76 us / 0.6 us; structure (shot
    # noise after the LR pixel box) adds nothing along x, so off stays near 0.
    off = field("NUC", quiet("NUC"), frames=8).lr.astype(np.float64)
    on = field("NUC", _with_chain(quiet("NUC"), integrator_tau_us=0.6), frames=8).lr.astype(np.float64)
    assert abs(_lag1_x(off)) < 0.05
    assert _lag1_x(on) == pytest.approx(math.exp(-0.76 / 0.6), abs=0.06)


def test_dark_counts_raise_the_variance_where_there_is_no_signal() -> None:
    base = quiet("MITO")
    loud = dataclasses.replace(base, detector=dataclasses.replace(base.detector, dark_count_rate_hz=2e5))
    a, b = field("MITO", base, frames=8), field("MITO", loud, frames=8)
    dark = a.hr[::2, ::2] < np.percentile(a.hr[::2, ::2], 20)  # the dimmest fifth of the field
    assert b.lr[:, dark].astype(float).var() > 1.3 * a.lr[:, dark].astype(float).var()


def test_stage_drift_moves_frames_against_each_other() -> None:
    # 1 um/s: frames 12-15 are 12 frames (0.6 s) after frames 0-3, 0.6 um = 3 LR pixels further.
    moving = quiet("NUC", motion=dataclasses.replace(QUIET_MOTION, stage_drift_um_per_s=1.0))
    for params, expected in ((quiet("NUC"), 0.0), (moving, 3.0)):
        lr = field("NUC", params, frames=16).lr.astype(np.float64)
        shift = _shift(lr[:4].mean(axis=0), lr[12:].mean(axis=0))
        assert float(np.hypot(*shift)) == pytest.approx(expected, abs=0.3)


def test_motion_during_the_hr_scan_shears_it_line_by_line() -> None:
    # The HR scan takes 12.5 s line by line; at 0.02 um/s the bottom half's centre is scanned 6.25 s after the
    # top half's, 0.125 um = 1.25 HR pixels further along the drift.
    static = field("NUC", quiet("NUC")).hr.astype(np.float64)
    moving = field("NUC", quiet("NUC", motion=dataclasses.replace(QUIET_MOTION, stage_drift_um_per_s=0.02))).hr
    top = _shift(static[:64], moving[:64].astype(np.float64))
    bottom = _shift(static[64:], moving[64:].astype(np.float64))
    assert float(np.hypot(*(bottom - top))) == pytest.approx(1.25, abs=0.3)


def test_scan_calibration_offset_shifts_lr_against_hr() -> None:
    # The LR scan points (dy, dx) = (0.3, -0.2) um = (3, -2) HR px further: LR content sits (3, -2) px earlier.
    offset = dataclasses.replace(QUIET_CAL, offset_um=(0.3, -0.2))

    def shift(params: SimulationParams) -> np.ndarray:
        f = field("NUC", params, frames=8)
        up = np.kron(f.lr.astype(np.float64).mean(axis=0), np.ones((2, 2)))
        return _shift(f.hr.astype(np.float64), up)

    np.testing.assert_allclose(shift(quiet("NUC", calibration=offset)) - shift(quiet("NUC")), [3.0, -2.0], atol=0.3)


def _gradient_energy(image: np.ndarray) -> float:
    return float((np.diff(image.astype(np.float64), axis=1) ** 2).mean())


def test_focus_drift_blurs_the_later_hr_scan() -> None:
    # 0.1 um/s puts the HR scan 0.75-2 um out of focus: the defocused blur (weight 1) lowers fine detail.
    drift = quiet("NUC", motion=dataclasses.replace(QUIET_MOTION, focus_drift_um_per_s=0.1))
    assert _gradient_energy(field("NUC", drift).hr) < 0.8 * _gradient_energy(field("NUC", quiet("NUC")).hr)


def test_haze_raises_the_background_against_the_structure() -> None:
    base = quiet("MITO")
    assert base.live is not None
    hazy = quiet("MITO", optics=dataclasses.replace(base.live.optics, haze_fraction=0.5))

    def contrast(params: SimulationParams) -> float:
        hr = field("MITO", params).hr.astype(np.float64)
        return float(np.percentile(hr, 30) / np.percentile(hr, 99.9))

    assert contrast(hazy) > 1.2 * contrast(base)


def test_vignetting_closed_form() -> None:
    y, x = np.array([0.0, 5.0, 10.0]), np.array([0.0, 5.0, 10.0])
    # Quantised to the simulator's 2**-16 grid.
    np.testing.assert_allclose(vignetting(y, x, (10.0, 10.0), 0.2), [0.8, 1.0, 0.8], atol=2.0**-16)


def test_tissue_depth_dims_and_widens() -> None:
    # Two-photon signal falls as exp(-2 dz / l_s) (ballistic excitation squared); the PSF widens (1 + z / z_2).
    params = default_params("MPM")
    assert params.live is not None
    optics = dataclasses.replace(params.live.optics, tissue_depth_um=(100.0, 100.0))
    deep = draw_depth(params, optics, np.random.default_rng(0))
    shallow = draw_depth(params, dataclasses.replace(optics, tissue_depth_um=(0.0, 0.0)), np.random.default_rng(0))
    assert deep.brightness == pytest.approx(1.0, rel=1e-6)  # brightness is relative to the shallowest depth
    ranged = draw_depth(params, dataclasses.replace(optics, tissue_depth_um=(0.0, 100.0)), np.random.default_rng(0))
    z = 100.0 * np.random.default_rng(0).uniform(0.0, 1.0)
    assert ranged.brightness == pytest.approx(math.exp(-2 * z / 150.0), rel=1e-6)
    assert deep.psf_sigma_um == pytest.approx(shallow.psf_sigma_um * (1 + 100 / 250), rel=1e-6)
    assert deep.scatter_fraction > shallow.scatter_fraction


def test_moving_organelles_decorrelate_hr_from_the_burst() -> None:
    # Directed runs of the motile fraction move them between the burst and the HR scan; nothing else moves.
    moving = dataclasses.replace(QUIET_MOTION, motile_fraction=0.4, directed_um_per_s=0.5, run_length_um=1.0)

    def corr(params: SimulationParams) -> float:
        f = field("MITO", params, frames=8)
        up = np.kron(f.lr.astype(np.float64).mean(axis=0), np.ones((2, 2)))
        return float(np.corrcoef(f.hr.astype(np.float64).ravel(), up.ravel())[0, 1])

    assert corr(quiet("MITO", motion=moving)) < corr(quiet("MITO")) - 0.03


def test_membrane_ruffling_changes_the_hr_locally() -> None:
    ruffle = dataclasses.replace(QUIET_MOTION, ruffle_um=0.4, ruffle_period_s=20.0)
    still = field("MEM", quiet("MEM")).hr.astype(np.float64)
    moved = field("MEM", quiet("MEM", motion=ruffle)).hr.astype(np.float64)
    # Same streams: without ruffling the HR is reproduced exactly; with it the membranes move by a fraction
    # of a pixel to a few pixels, which changes the image by a per-cent-level mean against its peak.
    np.testing.assert_array_equal(field("MEM", quiet("MEM")).hr, still)
    assert np.abs(moved - still).mean() > 0.01 * np.percentile(still, 99.9)


def test_variety_varies_the_content_per_field() -> None:
    params = default_params("MITO").phantom
    none = vary_phantom(params, VarietyParams(0.0, 0.0, 0.0), np.random.default_rng(0))
    assert none == params
    densities = {
        vary_phantom(params, VarietyParams(), stream("MITO", i, "variety")).network_density_per_um  # type: ignore[union-attr]
        for i in range(6)
    }
    assert len(densities) == 6


def test_motion_setting_live_or_fixed() -> None:
    assert {get_card(n).motion for n in ("MITO", "MPM", "MEM", "NUC")} == {"live"}
    live, fixed = default_params("MITO").live, default_params("MITO", motion="fixed").live
    assert live is not None and fixed is not None
    assert live.motion.motile_fraction > 0 and fixed.motion.motile_fraction == 0
    assert fixed.motion.stage_drift_um_per_s == live.motion.stage_drift_um_per_s > 0  # the instrument still drifts
    assert default_params("MEM").live.motion.ruffle_um > 0  # type: ignore[union-attr]
    assert default_params("MITO", version="1.0").live is None


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: default_params("MITO", version="3.0"), r"version must be '1.0' or '2.0', got '3.0'"),  # type: ignore[arg-type]
        (lambda: default_params("MITO", version="1.0", motion="live"), r"motion applies to simulator 2.0 only"),
        (lambda: default_params("MITO", motion="frozen"), r"motion must be 'live' or 'fixed', got 'frozen'"),  # type: ignore[arg-type]
        (lambda: MotionParams(directed_um_per_s=-1.0), r"MotionParams.directed_um_per_s must be in"),
        (lambda: LiveOpticsParams(haze_depth_um=(2.0, 1.0)), r"LiveOpticsParams.haze_depth_um must be a \(low"),
        (lambda: CalibrationParams(offset_um=(0.1,)), r"CalibrationParams.offset_um must be a \(dy, dx\)"),  # type: ignore[arg-type]
        (lambda: AnalogParams(hv_volts=700.0, backward_gain_mismatch=0.9), r"backward_gain_mismatch must be in"),
    ],
)
def test_invalid_settings_are_refused(call: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        call()  # type: ignore[operator]
