"""The physics degradation: outputs, seeding, the detector's closed form, calibrated synthesis against the
simulated instrument it was calibrated on, the RESRGan-S hook, ``degrade_pair`` and errors."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from baselines.realesrgan.data import make_synthesis
from microsr_bench.degradations.physics import LRCalibration, PhysicsDegradation, calibrate, degrade_pair
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.simulate import SimulationParams, default_params, simulate_field

MITO = default_params("MITO")


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
    # A flat HR value h gives lambda_0 = (h * 4095 - hr_offset) / hr_gain * dwell_ratio photo-electrons;
    # frame k of F bleaches by b_k = (1 - bleach)^(k / (F - 1)), k uniform; dark counts add
    # rate * dwell. Per frame mean o + g lambda_k, variance F_x g^2 lambda_k + r^2 + 1/12; over the random k:
    #   mean = o + g E[lambda_k],   var = F_x g^2 E[lambda_k] + r^2 + 1/12 + g^2 Var[lambda_k].
    h, frames = 0.3, 100
    lam0 = (h * 4095 - MITO.hr_scan.offset) / MITO.hr_scan.gain * MITO.dwell_ratio
    dark = MITO.detector.dark_count_rate_hz * MITO.lr_scan.pixel_dwell_us * 1e-6
    lam = lam0 * (1 - MITO.stack.bleach_fraction) ** (np.arange(frames) / (frames - 1)) + dark
    g, o, r, excess = MITO.lr_scan.gain, MITO.lr_scan.offset, MITO.lr_scan.read_noise, MITO.detector.excess_noise_factor
    mean = o + g * lam.mean()
    var = excess * g**2 * lam.mean() + r**2 + 1 / 12 + g**2 * lam.var()
    lr = PhysicsDegradation("MITO")(torch.full((8, 1, 256, 256), h, dtype=torch.float64), generator=0)
    values = lr.numpy().ravel() * 4095
    n = values.size
    # Errors from the sample size: sd / sqrt(n) for the mean; for the variance sqrt((2 + kurtosis) / n)
    # relative, with the compound-Poisson excess kurtosis k4 / k2^2 (k4 = lambda E[X^4], X ~ Gamma(1/(F-1),
    # g (F-1))), here ~1.3; allow 4 of each. Neighbouring frames of the batch are independent images.
    k, theta = 1 / (excess - 1), g * (excess - 1)
    kurtosis = lam.mean() * theta**4 * k * (k + 1) * (k + 2) * (k + 3) / var**2
    assert values.max() < 4095  # no clipping in this test
    assert values.mean() == pytest.approx(mean, abs=4 * math.sqrt(var / n))
    assert values.var() == pytest.approx(var, rel=4 * math.sqrt((2 + kurtosis) / n))


# -- calibrated synthesis ------------------------------------------------------------------------------------


def _instrument() -> SimulationParams:
    """MITO with another LR acquisition: gain 200, offset 120, read noise 12, twice the dwell, a large phase."""
    scan = dataclasses.replace(
        MITO.lr_scan,
        gain=200.0,
        offset=120.0,
        read_noise=12.0,
        pixel_dwell_us=1.52,
        line_phase_px=1.5,
        line_phase_spread_px=0.0,
    )
    return dataclasses.replace(MITO, lr_scan=scan)


@pytest.fixture(scope="module")
def instrument() -> tuple[list, LRCalibration]:
    fields = [
        simulate_field("MITO", i, hr_shape=(192, 192), lr_shape=(96, 96), frames=40, params=_instrument())
        for i in range(3)
    ]
    cal = calibrate([f.lr for f in fields], max_value=4095, hr_images=[f.hr for f in fields], dataset="MITO")
    return fields, cal


def test_calibrated_pipeline_reproduces_the_instrument(instrument: tuple[list, LRCalibration]) -> None:
    fields, cal = instrument
    truth = _instrument()
    assert cal.effective_gain == pytest.approx(1.3 * 200.0, abs=4 * cal.effective_gain_se + 0.01 * 260.0)
    assert cal.offset == pytest.approx(120.0, abs=4 * cal.offset_se)
    assert cal.signal_scale == pytest.approx(4095 / truth.hr_scan.gain * truth.dwell_ratio, rel=0.04)
    assert cal.line_phase_px == pytest.approx(1.5, abs=0.1)
    # The point of the exercise: LR synthesised from the HR images with the calibration has the real stacks'
    # photon transfer curve and brightness. Same PTC slope within 4 combined standard errors + 1 % (jitter);
    # same mean grey level within 3 % (the signal scale's tolerance above, plus HR noise carried over).
    degrade = PhysicsDegradation(calibration=cal)
    synthetic = [degrade.degrade_stack(f.hr, generator=i) for i, f in enumerate(fields)]
    assert synthetic[0].shape == (40, 96, 96)
    again = calibrate(synthetic, max_value=4095, hr_images=[f.hr for f in fields], dataset="MITO")
    tolerance = 4 * math.hypot(cal.effective_gain_se, again.effective_gain_se) + 0.01 * cal.effective_gain
    assert again.effective_gain == pytest.approx(cal.effective_gain, abs=tolerance)
    assert again.offset == pytest.approx(cal.offset, abs=4 * math.hypot(cal.offset_se, again.offset_se))
    real_mean = np.mean([f.lr.mean() for f in fields])
    assert np.mean([s.mean() for s in synthetic]) == pytest.approx(real_mean, rel=0.03)
    frames = degrade(torch.from_numpy(np.stack([f.hr for f in fields]).astype(np.float32) / 4095)[:, None], generator=0)
    assert float(frames.mean()) * 4095 == pytest.approx(real_mean, rel=0.03)
    # Uncalibrated, the MITO defaults give another instrument (slope 390, not 260): the calibration matters.
    default = calibrate(
        [PhysicsDegradation("MITO").degrade_stack(f.hr, generator=0, frames=40) for f in fields],
        max_value=4095,
        line_phase=False,
    )
    assert default.effective_gain > 1.3 * cal.effective_gain


def test_calibration_overrides_explicit_params(instrument: tuple[list, LRCalibration]) -> None:
    _, cal = instrument
    base = default_params("NUC")
    degrade = PhysicsDegradation(params=base, calibration=cal, frames=10)
    assert degrade.params.lr_scan.offset == cal.offset and degrade.params.optics == base.optics
    assert degrade.frames == 10 and degrade.dataset == "MITO"
    assert repr(degrade) == "PhysicsDegradation(dataset='MITO', calibrated, frames=10)"
    assert PhysicsDegradation("NUC").dataset == "NUC" and PhysicsDegradation("NUC").frames == 100


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
    lr = degrade_pair(hr, 4095, seed=5, dataset="MITO")
    assert lr.dtype == np.uint16 and lr.shape == (32, 32)
    expected = PhysicsDegradation("MITO")(torch.from_numpy(hr / 4095.0)[None, None], generator=5)[0, 0].numpy()
    np.testing.assert_array_equal(lr, np.round(expected * 4095).astype(np.uint16))
    np.testing.assert_array_equal(lr, degrade_pair(hr, 4095, seed=5, dataset="MITO"))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: degrade_pair(np.zeros((8, 8), np.float32), 4095, seed=0, dataset="MITO"), "uint8 or uint16"),
        (lambda: degrade_pair(np.zeros((8, 8), np.uint16), 0, seed=0, dataset="MITO"), r"max_value must be an int"),
        (lambda: degrade_pair(np.full((8, 8), 5000, np.uint16), 4095, seed=0, dataset="MITO"), "above max_value"),
        (lambda: degrade_pair(np.zeros((8, 8), np.uint16), 4095, seed=0), "needs to know the instrument"),
        (lambda: PhysicsDegradation("MITO")(np.zeros((1, 1, 8, 8)), generator=0), "must be a torch.Tensor"),  # type: ignore[arg-type]
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 3, 8, 8), generator=0), "one channel"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(0, 1, 8, 8), generator=0), "B >= 1"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 1, 8, 8, dtype=torch.int32), generator=0), "float"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 1, 9, 8), generator=0), "even and at least 8"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 1, 6, 6), generator=0), "even and at least 8"),
        (lambda: PhysicsDegradation("MITO")(torch.full((1, 1, 8, 8), 2.0), generator=0), r"lie in \[0, 1\]"),
        (lambda: PhysicsDegradation("MITO")(torch.zeros(1, 1, 8, 8), generator=-1), "generator must be"),
        (lambda: PhysicsDegradation("MITO", params="x"), "params must be a SimulationParams"),  # type: ignore[arg-type]
        (lambda: PhysicsDegradation("MITO", calibration={}), "calibration must be an LRCalibration"),  # type: ignore[arg-type]
        (lambda: PhysicsDegradation("MITO", frames=0), "frames must be a positive int"),
        (lambda: PhysicsDegradation(), "needs to know the instrument"),
        (lambda: PhysicsDegradation("MITO").degrade_stack(np.zeros((8, 8)), generator=0, frames=0), "positive int"),
        (lambda: PhysicsDegradation("MITO").degrade_stack(np.zeros((7, 8)), generator=0), "even height and width"),
        (lambda: PhysicsDegradation("MTO"), "Did you mean 'MITO'"),
    ],
)
def test_errors(call: object, match: str) -> None:
    with pytest.raises((InvalidArgumentError, LookupError), match=match):
        call()  # type: ignore[operator]


@pytest.mark.gpu
def test_runs_on_cuda_with_the_cpu_result() -> None:
    # The simulation draws on the CPU from the seeded generator, so the device only moves the tensors: the CUDA
    # output must equal the CPU output exactly and stay on the input's device.
    if not torch.cuda.is_available():
        pytest.fail("marked gpu but CUDA is not available")
    hr = _cells()
    degradation = PhysicsDegradation("MITO")
    on_gpu = degradation(hr.cuda(), generator=3)
    assert on_gpu.is_cuda and on_gpu.shape == (3, 1, 32, 32)
    assert torch.equal(on_gpu.cpu(), degradation(hr, generator=3))
