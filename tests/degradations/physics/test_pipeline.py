"""The physics degradation: outputs, seeding, the detector's closed form, calibrated synthesis against a
NumPy-built instrument it was calibrated on (never the simulator), the RESRGan-S hook, ``physics_degrade_pair`` and
errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from baselines.realesrgan.data import make_synthesis
from microsr_bench.degradations.physics import (
    LRCalibration,
    PhysicsDegradation,
    PhysicsParams,
    calibrate,
    calibrate_from_realism,
    physics_degrade_pair,
)
from microsr_bench.errors import ConfigError, InvalidArgumentError
from microsr_bench.realism import build_report

GENERIC = PhysicsParams()


def _cells(size: int = 64, batch: int = 3) -> torch.Tensor:
    """Bright Gaussian blobs on a dim background, in [0, 1]."""
    rng = np.random.default_rng(42)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    images = np.full((batch, size, size), 0.05)
    for b in range(batch):
        for cy, cx, r in rng.uniform([0, 0, 2], [size, size, 6], size=(8, 3)):
            images[b] += 0.5 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r**2))
    return torch.from_numpy(np.clip(images, 0, 1).astype(np.float32))[:, None]


def test_output_shape_range_dtype_and_grey_levels() -> None:
    hr = _cells()
    lr = PhysicsDegradation("MITO")(hr, generator=0)
    assert lr.shape == (3, 1, 32, 32) and lr.dtype == torch.float32 and lr.device == hr.device
    assert float(lr.min()) >= 0.0 and float(lr.max()) <= 1.0
    grey = lr.double().numpy() * 4095  # digitised values divided by the 12-bit maximum
    np.testing.assert_allclose(grey, np.round(grey), atol=1e-3)
    assert PhysicsDegradation("MITO")(hr.double(), generator=0).dtype == torch.float64


def test_seeded_and_drawn_per_image() -> None:
    hr = _cells()
    degrade = PhysicsDegradation("MITO")
    a = degrade(hr, generator=7)
    assert torch.equal(a, degrade(hr, generator=np.random.default_rng(7)))
    assert not torch.equal(a, degrade(hr, generator=8))
    twins = degrade(hr[:1].repeat(2, 1, 1, 1), generator=1)
    assert not torch.equal(twins[0], twins[1])  # each image has its own geometry and noise


def test_flat_image_matches_the_detector_closed_form() -> None:
    # A flat HR value h gives lambda_0 = signal_scale * (h - hr_zero_level) + dark_signal photo-electrons (the
    # generic PhysicsParams); frame k of F bleaches by b_k = (1 - bleach)^(k / (F - 1)), k uniform. Per frame:
    # mean o + g lambda_k, variance F_x g^2 lambda_k + r^2 + 1/12; over the random k:
    #   mean = o + g E[lambda_k],   var = F_x g^2 E[lambda_k] + r^2 + 1/12 + g^2 Var[lambda_k].
    h, frames, p = 0.3, 100, GENERIC
    lam0 = p.signal_scale * (h - p.hr_zero_level) + p.dark_signal
    lam = lam0 * (1 - p.bleach_fraction) ** (np.arange(frames) / (frames - 1))
    g, o, r, excess = p.gain, p.offset, p.read_noise, p.excess_noise_factor
    mean = o + g * lam.mean()
    var = excess * g**2 * lam.mean() + r**2 + 1 / 12 + g**2 * lam.var()
    lr = PhysicsDegradation("MITO")(torch.full((8, 1, 256, 256), h, dtype=torch.float64), generator=0)
    values = lr.numpy().ravel() * 4095
    n = values.size
    # Errors from the sample size: sd / sqrt(n) for the mean; for the variance sqrt((2 + kurtosis) / n)
    # relative, with the compound-Poisson excess kurtosis k4 / k2^2 (k4 = lambda E[X^4], X ~ Gamma(1/(F-1),
    # g (F-1))); allow 4 of each. Neighbouring frames of the batch are independent images.
    k, theta = 1 / (excess - 1), g * (excess - 1)
    kurtosis = lam.mean() * theta**4 * k * (k + 1) * (k + 2) * (k + 3) / var**2
    assert values.max() < 4095  # no clipping in this test
    assert values.mean() == pytest.approx(mean, abs=4 * math.sqrt(var / n))
    assert values.var() == pytest.approx(var, rel=4 * math.sqrt((2 + kurtosis) / n))


def test_line_shift_and_drift_move_the_content() -> None:
    # One bright column: odd lines carry it line_shift px to the right (linear interpolation splits a 0.5 px
    # shift over two columns); a drift of 0.1 px/frame moves frame 20 by 2 px. Read noise 0 and a high gain
    # make the expectation visible through the noise of a 40-frame mean.
    hr = np.zeros((64, 64))
    hr[:, 30:32] = 1.0  # LR column 15
    params = PhysicsParams(read_noise=0.0, signal_scale=200.0, dark_signal=0.0, line_shift=1.0, bleach_fraction=0)
    stack = PhysicsDegradation(params=params).degrade_stack(hr, generator=0, frames=40).astype(float) - 100.0
    profile_even, profile_odd = stack[:, 0::2].mean(axis=(0, 1)), stack[:, 1::2].mean(axis=(0, 1))
    assert int(np.argmax(profile_even)) == 15 and int(np.argmax(profile_odd)) == 16
    # Drift: no read noise and no dark signal, so the background is exactly the offset and the centre of mass
    # of the signal is the square's; the means of frames 0-4 and 16-20 lie 16 frames = 1.6 px apart. The
    # tolerance, 0.1 px, is ~4x the centre-of-mass error of ~1,000 photo-electrons per 5-frame mean.
    still = {"line_shift": 0.0, "read_noise": 0.0, "dark_signal": 0.0, "signal_scale": 50.0}
    moving = PhysicsDegradation(params=PhysicsParams(drift_speed=0.1, **still))
    frames = moving.degrade_stack(np.pad(np.ones((8, 8)), 28), generator=1, frames=21).astype(float) - 100.0
    first = np.array(ndimage.center_of_mass(frames[:5].mean(0)))
    last = np.array(ndimage.center_of_mass(frames[-5:].mean(0)))
    assert np.hypot(*(last - first)) == pytest.approx(0.1 * 16, abs=0.1)


# -- calibrated synthesis ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def measured(instrument) -> tuple[list, LRCalibration]:
    fields = [instrument.field(i, frames=40) for i in range(3)]
    cal = calibrate(
        [f.lr for f in fields],
        max_value=4095,
        hr_images=[f.hr for f in fields],
        dataset="MITO",
        excess_noise_factor=1.3,
    )
    return fields, cal


def test_calibrated_pipeline_reproduces_the_instrument(measured: tuple[list, LRCalibration]) -> None:
    fields, cal = measured
    # The point of the exercise: LR synthesised from the HR images with the calibration has the real stacks'
    # photon transfer curve and brightness. Same PTC slope within 4 combined standard errors + 1 % (the line
    # comb); same mean grey level within 3 % (the signal scale's tolerance in physics/test_calibration.py, plus
    # HR noise carried over).
    degrade = PhysicsDegradation(calibration=cal)
    synthetic = [degrade.degrade_stack(f.hr, generator=i) for i, f in enumerate(fields)]
    assert synthetic[0].shape == (40, 96, 96)
    again = calibrate(synthetic, max_value=4095, hr_images=[f.hr for f in fields], dataset="MITO")
    tolerance = 4 * math.hypot(cal.effective_gain_se, again.effective_gain_se) + 0.01 * cal.effective_gain
    assert again.effective_gain == pytest.approx(cal.effective_gain, abs=tolerance)
    assert again.offset == pytest.approx(cal.offset, abs=4 * math.hypot(cal.offset_se, again.offset_se))
    assert again.line_phase_px == pytest.approx(cal.line_phase_px, abs=0.1)
    real_mean = np.mean([f.lr.mean() for f in fields])
    assert np.mean([s.mean() for s in synthetic]) == pytest.approx(real_mean, rel=0.03)
    frames = degrade(torch.from_numpy(np.stack([f.hr for f in fields]).astype(np.float32) / 4095)[:, None], generator=0)
    assert float(frames.mean()) * 4095 == pytest.approx(real_mean, rel=0.03)
    # Uncalibrated, the generic defaults are another instrument (F * gain 60, not 260): the calibration matters.
    default = calibrate(
        [PhysicsDegradation("MITO").degrade_stack(f.hr, generator=0, frames=40) for f in fields],
        max_value=4095,
        line_phase=False,
    )
    assert default.effective_gain < 0.5 * cal.effective_gain


def test_realism_calibrated_pipeline_reproduces_the_instrument(measured: tuple[list, LRCalibration]) -> None:
    # The same, calibrated from the realism report of the stacks; the report of the synthetic stacks must
    # agree with the report of the real ones: gain and F * gain within 5 % (twice the 2.5 % recovery tolerance
    # of tests/realism/test_photon.py: two measurements), offset within 2 grey, line shift within 0.15 px,
    # mean brightness within 3 %.
    fields, _ = measured
    real = build_report(
        [(f"f{i}", f.lr, f.hr) for i, f in enumerate(fields)], max_value=4095, dataset="MITO", source="x"
    )
    degrade = PhysicsDegradation(calibration=calibrate_from_realism(real))
    synthetic = [(f"f{i}", degrade.degrade_stack(f.hr, generator=i), f.hr) for i, f in enumerate(fields)]
    fake = build_report(synthetic, max_value=4095, dataset="MITO", source="x")
    a, b = real["summary"], fake["summary"]
    assert b["effective_gain"]["mean"] == pytest.approx(a["effective_gain"]["mean"], rel=0.05)
    assert b["lr_gain"]["mean"] == pytest.approx(a["lr_gain"]["mean"], rel=0.05)
    assert b["lr_offset"]["mean"] == pytest.approx(a["lr_offset"]["mean"], abs=2.0)
    assert b["line_shift"]["mean"] == pytest.approx(a["line_shift"]["mean"], abs=0.15)
    assert np.mean([s.mean() for _, s, _ in synthetic]) == pytest.approx(
        np.mean([f.lr.mean() for f in fields]), rel=0.03
    )


def test_calibration_overrides_explicit_params(measured: tuple[list, LRCalibration]) -> None:
    _, cal = measured
    base = PhysicsParams(line_shift_slope=0.01)
    degrade = PhysicsDegradation(params=base, calibration=cal, frames=10)
    assert degrade.params.offset == cal.offset and degrade.params.line_shift_slope == 0.01
    assert degrade.frames == 10 and degrade.dataset == "MITO"
    assert repr(degrade) == "PhysicsDegradation(dataset='MITO', calibrated, frames=10)"
    assert PhysicsDegradation("NUC").dataset == "NUC" and PhysicsDegradation("NUC").frames == 100
    assert PhysicsDegradation().params == GENERIC  # no dataset, no calibration: the generic defaults


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"max_value": 4000}, r"2\*\*bits - 1"),
        ({"gain": 0.0}, "gain=0.0"),
        ({"excess_noise_factor": 0.5}, "excess_noise_factor=0.5"),
        ({"offset": 5000.0}, "offset=5000.0"),
        ({"bleach_fraction": 1.0}, "bleach_fraction=1.0"),
        ({"frames": 0}, "frames must be a positive int"),
        ({"read_noise": float("nan")}, "finite number"),
    ],
)
def test_invalid_params_are_refused(change: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        PhysicsParams(**change)


# -- entry points ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["MITO", "MPM"])
def test_make_synthesis_physics(dataset: str) -> None:
    synthesis = make_synthesis("physics", dataset=dataset)
    hr = _cells(80, 1)
    a = synthesis(hr, np.random.default_rng(3))
    assert a.shape == (1, 1, 40, 40) and torch.equal(a, synthesis(hr, np.random.default_rng(3)))
    assert not torch.equal(a, synthesis(hr, np.random.default_rng(4)))


def test_degrade_pair_returns_the_digitised_frame() -> None:
    hr = np.round(_cells(64, 1)[0, 0].double().numpy() * 4095).astype(np.uint16)
    lr = physics_degrade_pair(hr, 4095, seed=5, dataset="MITO")
    assert lr.dtype == np.uint16 and lr.shape == (32, 32)
    expected = PhysicsDegradation("MITO")(torch.from_numpy(hr / 4095.0)[None, None], generator=5)[0, 0].numpy()
    np.testing.assert_array_equal(lr, np.round(expected * 4095).astype(np.uint16))
    np.testing.assert_array_equal(lr, physics_degrade_pair(hr, 4095, seed=5, dataset="MITO"))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: physics_degrade_pair(np.zeros((8, 8), np.float32), 4095, seed=0, dataset="MITO"), "uint8 or uint16"),
        (lambda: physics_degrade_pair(np.zeros((8, 8), np.uint16), 0, seed=0, dataset="MITO"), r"max_value must be"),
        (lambda: physics_degrade_pair(np.full((8, 8), 5000, np.uint16), 4095, seed=0, dataset="MITO"), "above max"),
        (lambda: PhysicsDegradation("MITO")(np.zeros((1, 1, 8, 8)), generator=0), "must be a torch.Tensor"),  # type: ignore[arg-type]
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 3, 8, 8), generator=0), "one channel"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(0, 1, 8, 8), generator=0), "B >= 1"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 1, 8, 8, dtype=torch.int32), generator=0), "float"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 1, 9, 8), generator=0), "even and at least 8"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 1, 6, 6), generator=0), "even and at least 8"),
        (lambda: PhysicsDegradation("MITO")(torch.full((1, 1, 8, 8), 2.0), generator=0), r"lie in \[0, 1\]"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 1, 8, 8), generator=-1), "generator must be"),
        (lambda: PhysicsDegradation("MITO", params="x"), "params must be a PhysicsParams"),  # type: ignore[arg-type]
        (lambda: PhysicsDegradation("MITO", calibration={}), "calibration must be an LRCalibration"),  # type: ignore[arg-type]
        (lambda: PhysicsDegradation("MITO", frames=0), "frames must be a positive int"),
        (lambda: PhysicsDegradation("MITO").degrade_stack(np.zeros((8, 8)), generator=0, frames=0), "positive int"),
        (lambda: PhysicsDegradation("MITO").degrade_stack(np.zeros((7, 8)), generator=0), "even height and width"),
        (lambda: PhysicsDegradation("MITO").degrade_stack([[0]], generator=0), "2-D image"),  # type: ignore[arg-type]
        (lambda: PhysicsDegradation("MTO"), "Did you mean 'MITO'"),
    ],
)
def test_errors(call: object, match: str) -> None:
    with pytest.raises((InvalidArgumentError, LookupError), match=match):
        call()  # type: ignore[operator]


@pytest.mark.gpu
def test_runs_on_cuda_with_the_cpu_result() -> None:
    # The model draws on the CPU from the seeded generator, so the device only moves the tensors: the CUDA
    # output must equal the CPU output exactly and stay on the input's device.
    if not torch.cuda.is_available():
        pytest.fail("marked gpu but CUDA is not available")
    hr = _cells()
    degradation = PhysicsDegradation("MITO")
    on_gpu = degradation(hr.cuda(), generator=3)
    assert on_gpu.is_cuda and on_gpu.shape == (3, 1, 32, 32)
    assert torch.equal(on_gpu.cpu(), degradation(hr, generator=3))
