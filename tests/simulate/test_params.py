"""Parameter dataclasses: defaults per dataset, closed-form optics, and every validation error."""

from __future__ import annotations

import dataclasses
import math

import pytest

from microsr_bench.errors import ConfigError, UnknownNameError
from microsr_bench.simulate import (
    BackgroundParams,
    DetectorParams,
    MembraneParams,
    MitochondriaParams,
    NucleiParams,
    OpticsParams,
    ScanParams,
    SignalParams,
    SimulationParams,
    StackParams,
    default_params,
)
from microsr_bench.simulate.params import _hr_scan

DATASETS = ("MITO", "MPM", "MEM", "NUC")


@pytest.mark.parametrize("name", DATASETS)
def test_defaults_are_physical(name: str) -> None:
    # Ranges from the brief and DESIGN.md: HR pixel ~0.1 um, 12-bit converter, F in 1.2-1.5, LR pixel
    # dwell 1/60-ish of HR (0.76 us / 48 us), HR photon budget 100-300 at bright structures.
    p = default_params(name)
    assert p.optics.hr_pixel_size_um == pytest.approx(0.1)
    assert p.detector.max_value == 4095
    assert 1.2 <= p.detector.excess_noise_factor <= 1.5
    assert p.dwell_ratio == pytest.approx(0.76 / 48.0)
    assert 100 <= p.signal.peak_photons_hr <= 300
    assert p.lr_scan.bidirectional and not p.hr_scan.bidirectional
    assert p.optics.psf_fwhm_um >= p.optics.diffraction_limit_um


def test_mpm_is_broader_dimmer_and_more_scattered() -> None:
    mito, mpm = default_params("MITO"), default_params("MPM")
    assert 0.3 <= mpm.optics.psf_fwhm_um <= 0.4  # DESIGN.md: multiphoton PSF ~0.3-0.4 um
    assert mpm.signal.peak_photons_hr < mito.signal.peak_photons_hr
    assert mpm.background.scatter_fraction > mito.background.scatter_fraction


def test_confocal_fwhm_is_near_textbook() -> None:
    # Confocal lateral FWHM ~0.51 lambda_exc / NA for a 1-AU pinhole (Zeiss, Wilhelm et al.): 0.178 um
    # at 488 nm and NA 1.4; the default is within 15 %.
    p = default_params("MITO").optics
    assert p.psf_fwhm_um == pytest.approx(0.51 * 0.488 / 1.4, rel=0.15)


def test_diffraction_limits_closed_form() -> None:
    one = OpticsParams("one-photon", 0.488, 0.52, numerical_aperture=1.4, psf_fwhm_um=0.2)
    assert one.diffraction_limit_um == pytest.approx(0.37 * 0.488 / 1.4)
    two = OpticsParams("multiphoton", 0.9, 0.58, numerical_aperture=1.05, psf_fwhm_um=0.35)
    # Zipfel et al. 2003: w = 0.325 lambda / (sqrt(2) NA^0.91), FWHM = w sqrt(2 ln 2) -> 0.233 um.
    assert two.diffraction_limit_um == pytest.approx(0.2330, abs=5e-4)


def test_unknown_dataset_suggests_closest() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'MITO'"):
        default_params("mito")


def test_unknown_keyword_is_an_error() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'psf_fwhm'"):
        OpticsParams("one-photon", 0.488, 0.52, numerical_aperture=1.4, psf_fwhm=0.2)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: OpticsParams("two-photon", 0.9, 0.5, 1.0, 0.4), r"OpticsParams.excitation must be one of"),  # type: ignore[arg-type]
        (lambda: OpticsParams("one-photon", 0.488, 0.52, 2.0, 0.2), r"OpticsParams.numerical_aperture must be in"),
        (lambda: OpticsParams("one-photon", 0.488, 0.52, 1.4, float("nan")), r"psf_fwhm_um must be a finite"),
        (lambda: OpticsParams("one-photon", 0.52, 0.488, 1.4, 0.2), r"emission wavelength must be longer"),
        (lambda: OpticsParams("multiphoton", 0.5, 0.6, 1.0, 0.4), r"emission wavelength must be shorter"),
        (lambda: OpticsParams("one-photon", 0.488, 0.52, 1.4, 0.1), r"below the diffraction limit"),
        (lambda: OpticsParams("one-photon", 0.488, 0.52, 1.4, 0.2, oversampling=3), r"oversampling must be even"),
        (lambda: OpticsParams("one-photon", 0.488, 0.52, 1.4, 0.2, oversampling=True), r"oversampling must be an int"),
        (lambda: OpticsParams("one-photon", 0.488, 0.52, 1.4, 0.2, hr_pixel_size_um=0.5), r"fewer than 2 grid points"),
        (
            lambda: DetectorParams(excess_noise_factor=0.9),
            r"DetectorParams.excess_noise_factor must be in \[1.0, 3.0\]",
        ),
        (
            lambda: DetectorParams(bit_depth=12, saturation_level=5000),
            r"saturation_level must be an int in \[1, 4095\]",
        ),
        (lambda: ScanParams(0.0, True, 300.0, 60.0, 20.0), r"ScanParams.pixel_dwell_us must be in \(0.0"),
        (lambda: ScanParams(1.0, 1, 300.0, 60.0, 20.0), r"bidirectional must be True or False"),  # type: ignore[arg-type]
        (lambda: ScanParams(1.0, False, 3.0, 60.0, 2.0, line_phase_px=1.0), r"must be 0 for a unidirectional scan"),
        (lambda: ScanParams(1.0, True, 3.0, 60.0, 2.0, line_jitter_px=-0.1), r"line_jitter_px must be in"),
        (lambda: StackParams(bleach_fraction=1.0), r"StackParams.bleach_fraction must be in \[0.0, 0.95\]"),
        (lambda: SignalParams(peak_photons_hr=0.0), r"SignalParams.peak_photons_hr must be in \(0.0"),
        (lambda: BackgroundParams(scatter_fraction="0.1"), r"scatter_fraction must be a finite number"),  # type: ignore[arg-type]
        (lambda: MitochondriaParams(tube_diameter_um=(0.5, 0.2)), r"tube_diameter_um must be a \(low, high\)"),
        (lambda: MitochondriaParams(structure="nuclei"), r"MitochondriaParams.structure must be one of"),  # type: ignore[arg-type]
        (lambda: MembraneParams(size_variation=0.6), r"MembraneParams.size_variation must be in"),
        (lambda: NucleiParams(nucleoli=(3, 1)), r"NucleiParams.nucleoli must be a \(low, high\) tuple"),
        (lambda: NucleiParams(coverage=0.0), r"NucleiParams.coverage must be in \(0.0, 0.9\]"),
    ],
)
def test_invalid_values_name_the_field(factory: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        factory()  # type: ignore[operator]


def test_simulation_params_cross_checks() -> None:
    base = default_params("MITO")
    with pytest.raises(ConfigError, match=r"SimulationParams.optics must be a OpticsParams, got dict"):
        dataclasses.replace(base, optics={})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"lr_scan.offset = 4095.0 is at or above the saturation level 4095"):
        dataclasses.replace(base, lr_scan=dataclasses.replace(base.lr_scan, offset=4095.0))
    with pytest.raises(ConfigError, match=r"hr_scan must be unidirectional"):
        dataclasses.replace(base, hr_scan=dataclasses.replace(base.lr_scan))


def test_default_hr_dwell_from_frame_rate() -> None:
    # Section III: 512 x 512 at 0.08 frames/s -> at most 12.5 s / 262144 = 47.7 us per pixel.
    assert _hr_scan().pixel_dwell_us == pytest.approx(12.5 / 512**2 * 1e6, rel=0.01)
    assert default_params("MITO").lr_scan.pixel_dwell_us == pytest.approx(0.05 / 256**2 * 1e6, rel=0.01)
    assert math.isclose(default_params("NUC").dwell_ratio, 0.76 / 48.0)


def test_params_are_frozen() -> None:
    p = default_params("MEM")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.signal.peak_photons_hr = 10.0  # type: ignore[misc]
    assert isinstance(p, SimulationParams)
