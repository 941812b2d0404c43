"""Photon-transfer calibration of LR stacks: flat fields of known parameters, structured fields of a NumPy-built
instrument (conftest.py; never the simulator), drift and bleaching, saturation, the calibration record (JSON,
model parameters), calibration from a realism report, and every error path."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from microsr_bench.data import BenchmarkDict, load_benchmark
from microsr_bench.degradations.physics import (
    LRCalibration,
    PhysicsParams,
    calibrate,
    calibrate_from_benchmark,
    calibrate_from_realism,
)
from microsr_bench.errors import ConfigError, InvalidArgumentError, NotFoundError
from microsr_bench.realism import build_report

# A flat-field stack made here with a NumPy PMT chain: 8 vertical bands of known photo-electron counts.
GAIN, EXCESS, OFFSET, READ = 150.0, 1.3, 60.0, 20.0
LEVELS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 7.0)
ROWS, BAND, FRAMES = 64, 16, 20


def _digitise(photons: np.ndarray, rng: np.random.Generator, gain: float) -> np.ndarray:
    n = rng.poisson(photons)
    charge = np.where(n > 0, rng.gamma(np.maximum(n / (EXCESS - 1.0), 1e-12), gain * (EXCESS - 1.0)), 0.0)
    return np.clip(np.rint(OFFSET + charge + READ * rng.standard_normal(photons.shape)), 0, 4095).astype(np.uint16)


def _flat_stack(seed: int, levels: tuple[float, ...] = LEVELS, gain: float = GAIN) -> np.ndarray:
    expected = np.tile(np.repeat(np.array(levels), BAND), (ROWS, 1))
    rng = np.random.default_rng(seed)
    return np.stack([_digitise(expected, rng, gain) for _ in range(FRAMES)])


def _variance_se(photons: float, samples: int) -> float:
    """Standard error of the difference-based variance of one band (closed form, from the pixel count).

    A difference ``d`` of two frames has variance ``2 k2`` and excess kurtosis ``g = k4 / (2 k2^2)``, where the
    compound-Poisson cumulants are ``k2 = F g^2 lambda + r^2`` and ``k4 = lambda E[X^4]`` with the single-electron
    charge ``X ~ Gamma(1 / (F - 1), gain (F - 1))``, so one ``d^2 / 2`` estimates ``k2`` with relative variance
    ``2 + g``. Consecutive differences share a frame (correlation 1/4 between their squares for Gaussian
    noise), which inflates the variance of their mean by ~1.5.
    """
    k, theta = 1.0 / (EXCESS - 1.0), GAIN * (EXCESS - 1.0)
    k2 = EXCESS * GAIN**2 * photons + READ**2
    k4 = photons * theta**4 * k * (k + 1) * (k + 2) * (k + 3)
    return k2 * math.sqrt(1.5 * (2.0 + k4 / (2.0 * k2**2)) / samples)


@pytest.fixture(scope="module")
def flat() -> LRCalibration:
    return calibrate(_flat_stack(0), max_value=4095, line_phase=False)


def test_flat_field_recovers_gain_offset_and_read_noise(flat: LRCalibration) -> None:
    # Each band holds BAND * ROWS pixels; each contributes FRAMES - 2 differences (two halves of FRAMES / 2).
    # Bound on the slope's error: the two-point slope between the darkest and brightest band.
    samples = BAND * ROWS * (FRAMES - 2)
    bound = math.hypot(_variance_se(LEVELS[-1], samples), _variance_se(0.0, samples)) / (GAIN * LEVELS[-1])
    assert flat.effective_gain_se <= bound  # using every band can only do better than two
    assert flat.effective_gain == pytest.approx(EXCESS * GAIN, abs=4.0 * bound)
    # Offset and read noise: ~10 % of the pixels x FRAMES/2 values; a Gaussian of n samples gives the mean to
    # r / sqrt(n) and the width to r / sqrt(2 n); the one-sided peak fit uses about half of them, and the
    # vertex is extrapolated, so allow up to 3x those errors, then 4 of the fit's own errors.
    n = 0.1 * LEVELS.__len__() * BAND * ROWS * FRAMES / 2
    assert flat.offset_se <= 3.0 * READ * math.sqrt(2.0 / n)
    assert flat.read_noise_se <= 3.0 * READ * math.sqrt(1.0 / n)
    assert flat.offset == pytest.approx(OFFSET, abs=4.0 * flat.offset_se)
    assert flat.read_noise == pytest.approx(READ, abs=4.0 * flat.read_noise_se)
    # The intercept is what the model predicts from the three: r^2 + 1/12 - G_eff * offset.
    predicted = READ**2 + 1.0 / 12.0 - EXCESS * GAIN * OFFSET
    assert flat.ptc_intercept == pytest.approx(predicted, abs=4.0 * flat.ptc_intercept_se)
    assert flat.gain == pytest.approx(flat.effective_gain / 1.2)  # F assumed: the generic PhysicsParams value
    assert flat.bleach_fraction == pytest.approx(0.0, abs=4.0 * flat.bleach_fraction_se)


def test_known_offset_gives_read_noise_from_the_ptc(flat: LRCalibration) -> None:
    given = calibrate(_flat_stack(0), max_value=4095, offset=OFFSET, line_phase=False)
    assert given.offset == OFFSET and given.offset_se == 0.0
    # Variance at the offset, extrapolated by the line: far less precise than the dark peak.
    assert given.read_noise_se > flat.read_noise_se
    assert given.read_noise == pytest.approx(READ, abs=4.0 * given.read_noise_se)


def test_saturated_band_is_left_out() -> None:
    # A band at 40 photo-electrons expects 60 + 150 * 40 = 6060 > 4095 (clipped in > 90 % of frames); one at 22
    # expects 3360 with a standard deviation of ~800 (clipped now and then). Clipping flattens the variance;
    # pixels clipped in a frame and bins within 4 standard deviations of 4095 must be left out.
    stack = _flat_stack(1, levels=(*LEVELS, 22.0, 40.0))
    assert np.mean(stack[..., -BAND:] == 4095) > 0.9
    assert 0.05 < np.mean(stack[..., -2 * BAND : -BAND] == 4095) < 0.5
    cal = calibrate(stack, max_value=4095, line_phase=False)
    assert cal.effective_gain == pytest.approx(EXCESS * GAIN, abs=4.0 * cal.effective_gain_se)


# -- structured fields of a known instrument ------------------------------------------------------------------


def _fields(instrument, n: int = 3, frames: int = 40, **changes: float) -> list:
    return [instrument.field(i, frames=frames, **changes) for i in range(n)]


@pytest.fixture(scope="module")
def mito_fields(instrument) -> list:
    return _fields(instrument)


@pytest.fixture(scope="module")
def mito(mito_fields: list) -> LRCalibration:
    return calibrate(
        [f.lr for f in mito_fields],
        max_value=4095,
        hr_images=[f.hr for f in mito_fields],
        dataset="MITO",
        excess_noise_factor=1.3,
    )


def test_structured_fields_give_the_detector(mito: LRCalibration, instrument) -> None:
    # Truth: conftest.INSTRUMENT: F = 1.3, gain 200, offset 120, read noise 12, 3 % bleaching.
    # Tolerance: 4 standard errors of the fit, plus 1 % for the line comb (odd lines shifted 1.5 px), which
    # the mean over a stack does not blur but whose edges add nothing to the temporal variance.
    truth = instrument.INSTRUMENT
    true_gain = truth["excess"] * truth["gain"]
    assert mito.effective_gain == pytest.approx(true_gain, abs=4.0 * mito.effective_gain_se + 0.01 * true_gain)
    assert mito.effective_gain_se < 0.02 * true_gain
    assert mito.offset == pytest.approx(truth["offset"], abs=4.0 * mito.offset_se)
    assert mito.read_noise == pytest.approx(truth["read"], abs=4.0 * mito.read_noise_se)
    assert mito.bleach_fraction == pytest.approx(truth["bleach"], abs=4.0 * mito.bleach_fraction_se)
    assert (mito.dataset, mito.stacks, mito.frames) == ("MITO", 3, 40)


def test_structured_fields_give_the_photon_budget(mito: LRCalibration, instrument) -> None:
    # The LR pixel expects photons * content; the HR reads hr_offset + hr_scale * content: per unit normalised
    # HR, photons * 4095 / hr_scale LR photo-electrons, zero at hr_offset / 4095. Tolerance: 4 standard errors
    # (between fields) plus 2 % for what differs between the LR and HR images (pixel boxes, the line comb).
    truth = instrument.INSTRUMENT
    expected = truth["photons"] * 4095 / truth["hr_scale"]
    assert mito.signal_scale is not None and mito.signal_scale_se is not None
    assert mito.signal_scale == pytest.approx(expected, abs=4.0 * mito.signal_scale_se + 0.02 * expected)
    assert mito.hr_zero_level is not None and mito.hr_zero_level_se is not None
    assert mito.hr_zero_level == pytest.approx(truth["hr_offset"] / 4095, abs=4.0 * mito.hr_zero_level_se + 0.001)
    assert mito.lr_grey_per_hr == pytest.approx(expected * truth["gain"], rel=0.04)


def test_line_phase_is_the_injected_one(mito: LRCalibration) -> None:
    # Every field samples its odd lines 1.5 px to the right; no spread between fields.
    assert mito.line_phase_px == pytest.approx(1.5, abs=0.1)
    assert mito.line_phase_spread_px == pytest.approx(0.0, abs=0.15)


def test_gain_is_robust_to_drift_and_bleaching(instrument) -> None:
    still = calibrate([f.lr for f in _fields(instrument, bleach=0.0)], max_value=4095, line_phase=False)
    mild = calibrate([f.lr for f in _fields(instrument, drift_px=0.25)], max_value=4095, line_phase=False)
    tolerance = 4.0 * math.hypot(still.effective_gain_se, mild.effective_gain_se)
    assert mild.effective_gain == pytest.approx(still.effective_gain, abs=tolerance)
    # Strong: 30 % bleaching and 2 LR px of drift. The plain per-pixel variance over the stack absorbs the
    # trend (here 9 % too high: 283 against 260); differences of consecutive frames do not.
    fields = _fields(instrument, bleach=0.3, drift_px=2.0)
    strong = calibrate([f.lr for f in fields], max_value=4095, line_phase=False, excess_noise_factor=1.3)
    true_gain = 1.3 * 200.0
    assert strong.effective_gain == pytest.approx(true_gain, abs=4.0 * strong.effective_gain_se + 0.01 * true_gain)
    assert strong.bleach_fraction == pytest.approx(0.3, abs=4.0 * strong.bleach_fraction_se)
    means = np.concatenate([f.lr.mean(axis=0).ravel() for f in fields])
    variances = np.concatenate([f.lr.astype(float).var(axis=0, ddof=1).ravel() for f in fields])
    naive = np.polyfit(means[means < 2000], variances[means < 2000], 1)[0]
    assert naive > 1.05 * true_gain


# -- the calibration record ---------------------------------------------------------------------------------


def test_round_trips_through_dict_and_json(mito: LRCalibration, tmp_path: Path) -> None:
    assert LRCalibration.from_dict(mito.to_dict()) == mito
    path = mito.save(tmp_path / "cal.json")
    assert LRCalibration.load(path) == mito
    assert json.loads(path.read_text())["format"] == "microsr-bench/lr-calibration/1"


def test_to_params_puts_the_measurements_in_the_model(mito: LRCalibration) -> None:
    params = mito.to_params()
    assert params.gain == pytest.approx(mito.effective_gain / mito.excess_noise_factor)
    assert (params.offset, params.read_noise) == (mito.offset, mito.read_noise)
    assert params.line_shift == -mito.line_phase_px  # type: ignore[operator]  # sampling vs content shift
    assert params.bleach_fraction == pytest.approx(mito.bleach_fraction)
    assert (params.signal_scale, params.hr_zero_level) == (mito.signal_scale, mito.hr_zero_level)
    base = PhysicsParams(dark_signal=0.4, line_shift_slope=0.01)
    kept = mito.to_params(base)
    assert kept.line_shift_slope == 0.01  # not measured by calibrate(): the base's
    assert kept.dark_signal == 0.0  # the measured HR-to-LR map includes the LR background already


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"max_value": 4000}, r"2\*\*bits - 1"),
        ({"effective_gain": -1.0}, "effective_gain must be > 0"),
        ({"offset_se": -0.1}, "standard error"),
        ({"read_noise": float("nan")}, "finite number"),
        ({"frames": 0}, "positive int"),
        ({"excess_noise_factor": 4.0}, r"in \[1, 3\]"),
        ({"signal_scale": 0.0}, "signal_scale must be > 0"),
        ({"offset": 5000.0}, r"offset must lie in \[0, 4095\)"),
        ({"source": 3}, "must be a string"),
    ],
)
def test_invalid_calibration_values_are_refused(mito: LRCalibration, change: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        dataclasses.replace(mito, **change)


def test_bad_calibration_files_are_refused(mito: LRCalibration, tmp_path: Path) -> None:
    data = mito.to_dict()
    with pytest.raises(ConfigError, match=r"Unknown LR calibration key\(s\) \['gian'\]"):
        LRCalibration.from_dict({**data, "gian": 1.0})
    with pytest.raises(ConfigError, match="Not an LR calibration of this version"):
        LRCalibration.from_dict({**data, "format": "other/2"})
    with pytest.raises(ConfigError, match=r"missing key\(s\) \['offset'\]"):
        LRCalibration.from_dict({k: v for k, v in data.items() if k != "offset"})
    with pytest.raises(ConfigError, match="must be a JSON object"):
        LRCalibration.from_dict([1, 2])  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="No LR calibration file"):
        LRCalibration.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="is not valid JSON"):
        LRCalibration.load(tmp_path / "bad.json")
    with pytest.raises(InvalidArgumentError, match="base must be a PhysicsParams"):
        mito.to_params(base="MITO")  # type: ignore[arg-type]


# -- errors of calibrate ------------------------------------------------------------------------------------

STACK = _flat_stack(2)


@pytest.mark.parametrize(
    ("stacks", "kwargs", "match"),
    [
        ([], {}, "stacks is empty"),
        (STACK[0], {}, r"got an array of shape \(64, 128\)"),
        ("frames", {}, "must be a NumPy array or a list"),
        ([STACK[0]], {}, r"stacks\[0\] must be an array \[F, h, w\]"),
        (STACK.astype(np.float32) / 4095, {}, "raw digitised integers"),
        (STACK[:3], {}, "has 3 frame"),
        (STACK[:, :8], {}, "sides of at least 16"),
        (STACK, {"max_value": 1023}, r"outside \[0, max_value=1023\]"),
        (STACK, {"max_value": 4000}, r"2\*\*bits - 1"),
        (STACK, {"bins": 2}, "bins must be an int >= 4"),
        (STACK, {"dark_fraction": 0.9}, r"dark_fraction must lie in \(0, 0.5\]"),
        (STACK, {"smoothing_px": 0.0}, "smoothing_px must lie in"),
        (STACK, {"excess_noise_factor": 5.0}, "excess_noise_factor must be a number in"),
        (STACK, {"offset": 5000.0}, r"offset must lie in \[0, 4095\)"),
        (STACK, {"offset": 0.0}, "given offset is too low"),
        (STACK, {"offset": 3000.0}, "at or below the offset 3000"),
        (STACK, {"hr_images": [np.full((128, 256), 7, np.uint16)]}, r"hr_images\[0\] is flat"),
        (STACK, {"hr_images": [np.zeros((128, 256), np.float32)]}, r"must be an integer image of shape \(128, 256\)"),
        (STACK, {"hr_images": [np.full((128, 256), 5000, np.uint16)]}, r"hr_images\[0\] holds values outside"),
        (STACK, {"dataset": "MIT"}, "Did you mean 'MITO'"),
        (np.full((8, 32, 32), 4095, dtype=np.uint16), {}, "saturated or underexposed"),
        (np.full((8, 32, 32), 500, dtype=np.uint16), {}, "populated intensity bins"),
    ],
)
def test_calibrate_rejects_bad_input(stacks: object, kwargs: dict, match: str) -> None:
    call = {"max_value": 4095, "line_phase": False, **kwargs}
    with pytest.raises(Exception, match=match) as info:
        calibrate(stacks, **call)  # type: ignore[arg-type]
    assert isinstance(info.value, (InvalidArgumentError, LookupError))


def test_no_dark_peak_is_reported() -> None:
    # Every pixel sees 4-8 photo-electrons: no pixel ever reads the bare offset, so the peak found in the
    # darkest pixels is a photon distribution, as wide as several photo-electrons.
    stack = _flat_stack(3, levels=(4.0, 5.0, 6.0, 7.0, 8.0))
    with pytest.raises(InvalidArgumentError, match="no resolvable zero-photo-electron peak"):
        calibrate(stack, max_value=4095, line_phase=False)
    assert calibrate(stack, max_value=4095, line_phase=False, offset=OFFSET).effective_gain > 0


def test_hr_images_must_match_the_stacks(mito_fields: list) -> None:
    stacks = [f.lr for f in mito_fields[:2]]
    with pytest.raises(InvalidArgumentError, match="one HR image per stack"):
        calibrate(stacks, max_value=4095, hr_images=[mito_fields[0].hr])
    with pytest.raises(InvalidArgumentError, match=r"twice its stack's frames"):
        calibrate(stacks, max_value=4095, hr_images=[f.hr[:100] for f in mito_fields[:2]])
    with pytest.raises(InvalidArgumentError, match="does not look like the field"):
        calibrate(stacks, max_value=4095, hr_images=[mito_fields[1].hr, mito_fields[0].hr], line_phase=False)


def test_photon_free_data_are_refused() -> None:
    # Averaged (denoised) frames: a fixed image repeated, plus independent read noise only. No photon noise.
    rng = np.random.default_rng(0)
    image = np.tile(np.linspace(100, 2000, 64), (64, 1))
    stack = np.rint(image + 5.0 * rng.standard_normal((10, 64, 64))).astype(np.uint16)
    with pytest.raises(InvalidArgumentError, match="does not grow with the signal"):
        calibrate(stack, max_value=4095, line_phase=False)


# -- from a loaded benchmark --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> BenchmarkDict:
    """The simulated tiny MITO (96 x 96 -> 192 x 192, 4 frames, 2 validation fields)."""
    root = tmp_path_factory.mktemp("tiny-physics")
    return load_benchmark("MITO", source="simulated", size="tiny", cache_dir=root, progress=False)


def test_calibrate_from_the_validation_split(tiny: BenchmarkDict) -> None:
    cal = calibrate_from_benchmark(tiny, dataset="MITO")
    assert (cal.stacks, cal.frames, cal.dataset) == (2, 4, "MITO")
    assert "validation" in cal.source and "simulated" in cal.source
    # The plumbing: the same numbers as calibrate() on the split's bursts, grouped by field in frame order,
    # with their HR images (the fit itself is checked against known instruments above; the simulator's own
    # parameters are deliberately not the reference here).
    table = tiny["validation"].with_format("numpy")
    ids = sorted(set(table["hr_id"]))
    stacks = [np.stack([r["lr"] for r in table if r["hr_id"] == i and True]) for i in ids]
    order = [np.argsort([r["frame"] for r in table if r["hr_id"] == i]) for i in ids]
    stacks = [s[o] for s, o in zip(stacks, order, strict=True)]
    hrs = [next(r["hr"] for r in table if r["hr_id"] == i) for i in ids]
    direct = calibrate(stacks, max_value=4095, hr_images=hrs, dataset="MITO")
    assert cal.effective_gain == direct.effective_gain and cal.offset == direct.offset
    assert cal.signal_scale == direct.signal_scale and cal.signal_scale is not None
    one = calibrate_from_benchmark(tiny["validation"], dataset="MITO", max_fields=1)
    assert one.stacks == 1 and one.signal_scale_se is None and one.line_phase_spread_px is None


def test_calibrate_from_benchmark_errors(tiny: BenchmarkDict) -> None:
    with pytest.raises(InvalidArgumentError, match="holds no rows of NUC"):
        calibrate_from_benchmark(tiny, dataset="NUC")
    with pytest.raises(InvalidArgumentError, match=r"lacks \['frame', 'lr'\]"):
        calibrate_from_benchmark(tiny.hr_images("validation"), dataset="MITO")
    with pytest.raises(InvalidArgumentError, match="split must be one of"):
        calibrate_from_benchmark(tiny, dataset="MITO", split="dev")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="max_fields must be a positive int"):
        calibrate_from_benchmark(tiny, dataset="MITO", max_fields=0)
    with pytest.raises(InvalidArgumentError, match="what load_benchmark returns"):
        calibrate_from_benchmark([1, 2], dataset="MITO")


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (np.zeros(100, dtype=np.int64), "every dark pixel value is 0 or 4095"),
        (np.full(30, 100, dtype=np.int64), "no resolvable zero-photo-electron peak"),
        # Counts rising ever faster towards the top of the range (a convex histogram): no peak to fit.
        (
            np.repeat(np.arange(3994, 4095), np.rint(np.exp((np.arange(101) / 30.0) ** 2 / 2) * 20).astype(int)),
            "is not peaked",
        ),
        # Nearly all values on one grey level: narrower than rounding a continuous signal could give.
        (np.repeat([98, 99, 100, 101], [1, 3, 10000, 3]), "narrower than rounding alone"),
    ],
)
def test_dark_peak_fit_errors(values: np.ndarray, match: str) -> None:
    from microsr_bench.realism.ptc import fit_dark_peak

    with pytest.raises(InvalidArgumentError, match=match):
        fit_dark_peak(values.astype(np.int64), 4095)


def test_public_names_are_pinned() -> None:
    from microsr_bench.degradations import physics

    assert physics.__all__ == sorted(physics.__all__)
    assert set(physics.__all__) == {
        "CALIBRATION_FORMAT",
        "LRCalibration",
        "PhysicsDegradation",
        "PhysicsParams",
        "calibrate",
        "calibrate_from_benchmark",
        "calibrate_from_realism",
        "physics_degrade_pair",
    }


# -- from a realism report ------------------------------------------------------------------------------------


def test_calibrate_from_a_realism_report(mito_fields: list, mito: LRCalibration, instrument, tmp_path: Path) -> None:
    # The realism report measures the same stacks its own way (second differences, F from the third cumulant);
    # its calibration must give the instrument, within the recovery tolerances of tests/realism (4 sd there):
    # F * gain 2.5 %, F 0.13, offset 1.8 grey; the line shift as content shift (-1.5 px) to 0.1 px; the photon
    # budget as the PTC calibration's within 4 % (both measure the same moments).
    from microsr_bench.realism import write_report

    fields = [(f"f{i:04d}", f.lr, f.hr) for i, f in enumerate(mito_fields)]
    report = build_report(fields, max_value=4095, dataset="MITO", source="numpy instrument", fingerprint=None)
    cal = calibrate_from_realism(write_report(report, tmp_path, figure=False))
    truth = instrument.INSTRUMENT
    assert cal == calibrate_from_realism(report)
    assert cal.effective_gain == pytest.approx(truth["excess"] * truth["gain"], rel=0.025)
    assert cal.excess_noise_factor == pytest.approx(truth["excess"], abs=0.13)
    assert cal.offset == pytest.approx(truth["offset"], abs=1.8)
    assert cal.line_phase_px == pytest.approx(truth["line_phase"], abs=0.1)
    assert cal.signal_scale == pytest.approx(mito.signal_scale, rel=0.04)
    assert (cal.frames, cal.stacks, cal.dataset) == (40, 3, "MITO") and "realism report" in cal.source
    assert cal.to_params().line_shift == pytest.approx(-1.5, abs=0.1)
    assert calibrate_from_realism(report, excess_noise_factor=1.5).excess_noise_factor == 1.5


def test_calibrate_from_realism_errors(mito_fields: list, tmp_path: Path) -> None:
    short = build_report([("f0", mito_fields[0].lr[:4], mito_fields[0].hr)], max_value=4095, dataset="MITO", source="x")
    with pytest.raises(InvalidArgumentError, match="too short or had no dark pixels"):
        calibrate_from_realism(short)
    with pytest.raises(ConfigError, match="not a realism report"):
        calibrate_from_realism({"format": "x"})
    with pytest.raises(NotFoundError, match="No realism report"):
        calibrate_from_realism(tmp_path)
