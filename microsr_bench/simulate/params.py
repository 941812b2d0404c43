"""Typed, self-validating physical parameters of the simulated acquisition, and the defaults per sub-dataset.

Every number has a unit in its name or its field comment. The defaults are derived in ``docs/simulator.md``:
confocal lateral FWHM ~0.51 lambda_exc / NA (pinhole ~1 Airy unit; Wilhelm et al., *Confocal Laser Scanning
Microscopy*, Zeiss), two-photon lateral FWHM from Zipfel et al., Nat. Biotechnol. 21, 1369 (2003), pixel dwell
times from the frame rates of section III of the paper, PMT excess noise factor 1.2-1.5 (Hamamatsu, *PMT
Handbook* ch. 4), 12-bit converter as on the Olympus FV1000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Literal

from microsr_bench.data.cards import get_card
from microsr_bench.errors import ConfigError
from microsr_bench.simulate._validate import choice, integer, number
from microsr_bench.simulate.live_params import LiveParams
from microsr_bench.simulate.phantom_params import (
    MembraneParams,
    MitochondriaParams,
    NucleiParams,
    PhantomParams,
    TissueParams,
)

Excitation = Literal["one-photon", "multiphoton"]

__all__ = [
    "BackgroundParams",
    "DetectorParams",
    "Excitation",
    "MembraneParams",
    "MitochondriaParams",
    "NucleiParams",
    "OpticsParams",
    "PhantomParams",
    "ScanParams",
    "SignalParams",
    "SimulationParams",
    "StackParams",
    "TissueParams",
    "default_params",
    "default_params_v1",
]


@dataclass(frozen=True)
class OpticsParams:
    """Objective, wavelengths and sampling: what sets the point-spread function and the pixel grid."""

    #: One-photon confocal (pinhole) or multiphoton (non-descanned, no pinhole) excitation.
    excitation: Excitation
    #: Excitation wavelength in micrometres (laser line, or the two-photon laser wavelength).
    excitation_wavelength_um: float
    #: Peak emission wavelength of the fluorophore in micrometres.
    emission_wavelength_um: float
    #: Numerical aperture of the objective.
    numerical_aperture: float
    #: Lateral FWHM of the effective (Gaussian) point-spread function in micrometres.
    psf_fwhm_um: float
    #: Pixel size of the high-resolution image in micrometres; LR pixels are twice as large.
    hr_pixel_size_um: float = 0.1
    #: Grid points per HR pixel on which the fluorophore density is rendered (even, so HR and LR pixel
    #: centres fall on grid points).
    oversampling: int = 2

    def __post_init__(self) -> None:
        choice(self, "excitation", ("one-photon", "multiphoton"))
        number(self, "excitation_wavelength_um", 0.3, 1.3, unit="um")
        number(self, "emission_wavelength_um", 0.3, 1.0, unit="um")
        number(self, "numerical_aperture", 0.05, 1.7, unit="")
        number(self, "psf_fwhm_um", 0.05, 5.0, unit="um")
        number(self, "hr_pixel_size_um", 0.01, 2.0, unit="um")
        integer(self, "oversampling", 2, 8)
        if self.oversampling % 2:
            raise ConfigError(f"OpticsParams.oversampling must be even, got {self.oversampling}. Use 2, 4 or 6.")
        stokes = self.emission_wavelength_um > self.excitation_wavelength_um
        if stokes != (self.excitation == "one-photon"):
            relation = "longer" if self.excitation == "one-photon" else "shorter"
            raise ConfigError(
                f"OpticsParams: with {self.excitation} excitation the emission wavelength must be {relation} than "
                f"the excitation wavelength, got emission {self.emission_wavelength_um} um and excitation "
                f"{self.excitation_wavelength_um} um. Swap or correct the wavelengths."
            )
        if self.psf_fwhm_um < self.diffraction_limit_um:
            raise ConfigError(
                f"OpticsParams.psf_fwhm_um = {self.psf_fwhm_um} um is below the diffraction limit "
                f"{self.diffraction_limit_um:.3f} um for {self.excitation} excitation at "
                f"{self.excitation_wavelength_um} um and NA {self.numerical_aperture}. Use a larger FWHM."
            )
        grid_um = self.hr_pixel_size_um / self.oversampling
        if self.psf_fwhm_um < 2 * grid_um:
            raise ConfigError(
                f"OpticsParams.psf_fwhm_um = {self.psf_fwhm_um} um spans fewer than 2 grid points of "
                f"{grid_um:.4f} um (hr_pixel_size_um / oversampling); raise oversampling or the FWHM."
            )

    @property
    def diffraction_limit_um(self) -> float:
        """Smallest physically reachable lateral FWHM in micrometres.

        One-photon confocal with a closed pinhole: 0.37 lambda_exc / NA (Wilhelm et al., Zeiss). Two-photon:
        the squared illumination PSF, FWHM = sqrt(2 ln 2) * 0.325 lambda / (sqrt(2) NA^0.91) for NA > 0.7
        (Zipfel et al. 2003, eq. for the 1/e radius of the intensity-squared profile).
        """
        lam, na = self.excitation_wavelength_um, self.numerical_aperture
        if self.excitation == "one-photon":
            return 0.37 * lam / na
        return math.sqrt(2 * math.log(2)) * 0.325 * lam / (math.sqrt(2) * na**0.91)


@dataclass(frozen=True)
class DetectorParams:
    """The photomultiplier and its analogue-to-digital converter, shared by both acquisitions."""

    #: PMT excess noise factor F = 1 + var(gain) / mean(gain)^2 of the single-photo-electron response.
    excess_noise_factor: float = 1.3
    #: PMT dark counts per second (thermionic emission), added as Poisson photo-electrons.
    dark_count_rate_hz: float = 200.0
    #: Bits of the converter; values lie in [0, 2**bit_depth - 1].
    bit_depth: int = 12
    #: Grey level at which the analogue chain saturates (clipping), at most 2**bit_depth - 1.
    saturation_level: int = 4095

    def __post_init__(self) -> None:
        number(self, "excess_noise_factor", 1.0, 3.0)
        number(self, "dark_count_rate_hz", 0.0, 1e6, unit="Hz")
        integer(self, "bit_depth", 8, 16)
        integer(self, "saturation_level", 1, 2**self.bit_depth - 1)

    @property
    def max_value(self) -> int:
        return int(2**self.bit_depth - 1)


@dataclass(frozen=True)
class ScanParams:
    """One acquisition's scan and digitiser settings: pixel dwell, direction, PMT gain and offset."""

    #: Time the beam spends on one pixel in microseconds; photons per pixel are proportional to it.
    pixel_dwell_us: float
    #: Bidirectional (resonant/video-rate) scanning: odd lines run backwards.
    bidirectional: bool
    #: Grey levels per photo-electron (set by the PMT high voltage and the amplifier).
    gain: float
    #: Grey level of zero signal (the offset knob).
    offset: float
    #: Electronic (amplifier and converter) noise, grey levels rms per pixel.
    read_noise: float
    #: Mean displacement of backward lines along the fast axis, in this acquisition's pixels.
    line_phase_px: float = 0.0
    #: Half-width of the uniform per-field spread of that phase, in pixels.
    line_phase_spread_px: float = 0.0
    #: Standard deviation of the independent per-line fast-axis jitter, in pixels.
    line_jitter_px: float = 0.0

    def __post_init__(self) -> None:
        number(self, "pixel_dwell_us", 0.0, 1e4, lo_open=True, unit="us")
        if not isinstance(self.bidirectional, bool):
            raise ConfigError(f"ScanParams.bidirectional must be True or False, got {self.bidirectional!r}.")
        number(self, "gain", 0.0, 1e4, lo_open=True, unit="grey levels per photo-electron")
        number(self, "offset", 0.0, 65535.0, unit="grey levels")
        number(self, "read_noise", 0.0, 1000.0, unit="grey levels")
        number(self, "line_phase_px", -8.0, 8.0, unit="pixels")
        number(self, "line_phase_spread_px", 0.0, 8.0, unit="pixels")
        number(self, "line_jitter_px", 0.0, 2.0, unit="pixels")
        if not self.bidirectional and (self.line_phase_px or self.line_phase_spread_px):
            raise ConfigError(
                "ScanParams.line_phase_px / line_phase_spread_px must be 0 for a unidirectional scan "
                f"(got {self.line_phase_px}, {self.line_phase_spread_px}); set bidirectional=True or zero them."
            )


@dataclass(frozen=True)
class StackParams:
    """What changes over the stack of video-rate frames of one field of view."""

    #: Total drift of the sample over the stack in micrometres (straight line, random direction).
    drift_um: float = 0.03
    #: Standard deviation of independent frame-to-frame position noise (stage vibration) in micrometres.
    vibration_um: float = 0.005
    #: Fraction of fluorescence lost to photobleaching between the first and the last frame.
    bleach_fraction: float = 0.03

    def __post_init__(self) -> None:
        number(self, "drift_um", 0.0, 5.0, unit="um")
        number(self, "vibration_um", 0.0, 1.0, unit="um")
        number(self, "bleach_fraction", 0.0, 0.95)


@dataclass(frozen=True)
class SignalParams:
    """Photon budget: how many photo-electrons the brightest structures give in the HR acquisition."""

    #: Expected photo-electrons per HR pixel at the 99.9th percentile of the structure signal.
    peak_photons_hr: float = 200.0
    #: Log-normal sigma of the field-to-field brightness (labelling, depth, laser power).
    field_brightness_sigma: float = 0.2

    def __post_init__(self) -> None:
        number(self, "peak_photons_hr", 0.0, 1e5, lo_open=True, unit="photo-electrons")
        number(self, "field_brightness_sigma", 0.0, 2.0)


@dataclass(frozen=True)
class BackgroundParams:
    """Light that is not the labelled structure in focus: autofluorescence and a scattered/out-of-focus halo."""

    #: Mean autofluorescence as a fraction of the peak structure signal.
    autofluorescence: float = 0.02
    #: Relative modulation (standard deviation) of the smooth autofluorescence field.
    autofluorescence_variation: float = 0.3
    #: Correlation length of that field in micrometres.
    autofluorescence_scale_um: float = 4.0
    #: Fraction of the structure's light that reaches the detector as a broad halo (scattering,
    #: out-of-focus excitation) instead of through the PSF.
    scatter_fraction: float = 0.05
    #: FWHM of the halo in micrometres.
    scatter_fwhm_um: float = 2.0

    def __post_init__(self) -> None:
        number(self, "autofluorescence", 0.0, 10.0)
        number(self, "autofluorescence_variation", 0.0, 2.0)
        number(self, "autofluorescence_scale_um", 0.1, 100.0, unit="um")
        number(self, "scatter_fraction", 0.0, 0.95)
        number(self, "scatter_fwhm_um", 0.1, 50.0, unit="um")


def _hr_scan(gain: float = 12.0) -> ScanParams:
    """HR scan: 12.5 s per 512 x 512 frame is at most 48 us per pixel (paper, section III)."""
    return ScanParams(pixel_dwell_us=48.0, bidirectional=False, gain=gain, offset=80.0, read_noise=6.0)


def _lr_scan(phase_px: float, spread_px: float) -> ScanParams:
    """LR scan: 50 ms per 256 x 256 frame is at most 0.76 us per pixel; the PMT voltage is raised."""
    return ScanParams(
        pixel_dwell_us=0.76,
        bidirectional=True,
        gain=300.0,
        offset=60.0,
        read_noise=20.0,
        line_phase_px=phase_px,
        line_phase_spread_px=spread_px,
        line_jitter_px=0.08,
    )


@dataclass(frozen=True)
class SimulationParams:
    """Everything that defines a simulated sub-dataset; the seed comes from the dataset name and field index."""

    optics: OpticsParams
    phantom: PhantomParams
    detector: DetectorParams = field(default_factory=DetectorParams)
    #: Slow, unidirectional high-resolution scan (0.08 frames/s at 512 x 512).
    hr_scan: ScanParams = field(default_factory=lambda: _hr_scan())
    #: Fast, bidirectional low-resolution scan (20 frames/s at 256 x 256).
    lr_scan: ScanParams = field(default_factory=lambda: _lr_scan(0.75, 0.5))
    stack: StackParams = field(default_factory=StackParams)
    signal: SignalParams = field(default_factory=SignalParams)
    background: BackgroundParams = field(default_factory=BackgroundParams)
    #: Simulator 2.0's time line, motion, analog chain, optics and variety; ``None`` is the 1.0 model.
    #: With it, the PMT gain and excess noise come from ``live.pmt`` and the HV of each chain, and the offsets
    #: and electronic noise from the chains; ``hr_scan``/``lr_scan`` keep dwell, direction and line phase.
    live: LiveParams | None = None

    def __post_init__(self) -> None:
        expected: dict[str, type | tuple[type, ...]] = {
            "optics": OpticsParams,
            "phantom": (MitochondriaParams, MembraneParams, NucleiParams, TissueParams),
            "detector": DetectorParams,
            "hr_scan": ScanParams,
            "lr_scan": ScanParams,
            "stack": StackParams,
            "signal": SignalParams,
            "background": BackgroundParams,
            "live": (LiveParams, type(None)),
        }
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, expected[f.name]):
                raise ConfigError(f"SimulationParams.{f.name} must be a {f.type}, got {type(value).__name__}.")
        top = self.detector.saturation_level
        for name in ("hr_scan", "lr_scan"):
            scan: ScanParams = getattr(self, name)
            if scan.offset >= top:
                raise ConfigError(
                    f"SimulationParams.{name}.offset = {scan.offset} is at or above the saturation level {top}; "
                    "lower the offset so that signal can be recorded."
                )
        if self.hr_scan.bidirectional:
            raise ConfigError("SimulationParams.hr_scan must be unidirectional (bidirectional=False).")

    @property
    def dwell_ratio(self) -> float:
        """LR over HR pixel dwell: the fraction of HR photons an LR pixel collects at the same brightness."""
        return self.lr_scan.pixel_dwell_us / self.hr_scan.pixel_dwell_us


def _confocal(excitation_um: float, emission_um: float, fwhm_um: float) -> OpticsParams:
    return OpticsParams("one-photon", excitation_um, emission_um, numerical_aperture=1.4, psf_fwhm_um=fwhm_um)


SimulatorVersion = Literal["1.0", "2.0"]
Motion = Literal["live", "fixed"]


def default_params(
    dataset: str, *, version: SimulatorVersion = "2.0", motion: Motion | None = None
) -> SimulationParams:
    """The physical parameters of one sub-dataset (MITO, MPM, MEM, NUC); see docs/simulator.md for the why.

    ``version="2.0"`` (the default data) adds the time line, motion, analog chain, optics and variety of
    :mod:`.defaults_v2`; ``motion`` (``"live"`` or ``"fixed"``) overrides the dataset card's setting there.
    ``version="1.0"`` gives the retired 1.0 model bit for bit.
    """
    if version == "2.0":
        from microsr_bench.simulate.defaults_v2 import default_params_v2

        return default_params_v2(dataset, motion=motion)
    if version != "1.0":
        raise ConfigError(f"version must be '1.0' or '2.0', got {version!r}. Use '2.0' (the default data).")
    if motion is not None:
        raise ConfigError(f"motion applies to simulator 2.0 only, got motion={motion!r} with version='1.0'.")
    return default_params_v1(dataset)


def default_params_v1(dataset: str) -> SimulationParams:
    """The 1.0 parameters of one sub-dataset (MITO, MPM, MEM, NUC).

    MITO, MEM and NUC: one-photon confocal with a 1.4-NA oil objective; lateral FWHM slightly above the
    0.51 lambda_exc / NA of a 1-Airy-unit pinhole. MPM: two-photon excitation at 0.9 um through a 1.05-NA water
    objective in tissue; the textbook 0.23 um is broadened to 0.35 um by aberrations and an under-filled pupil,
    with fewer photons and a stronger scattered background.
    """
    name = get_card(dataset).name
    if name == "MITO":
        return SimulationParams(
            optics=_confocal(0.488, 0.52, 0.20),
            phantom=MitochondriaParams(),
            hr_scan=_hr_scan(gain=10.0),
            lr_scan=_lr_scan(0.75, 0.5),
            signal=SignalParams(peak_photons_hr=250.0),
        )
    if name == "MPM":
        return SimulationParams(
            optics=OpticsParams("multiphoton", 0.9, 0.58, numerical_aperture=1.05, psf_fwhm_um=0.35),
            phantom=MitochondriaParams(
                tube_diameter_um=(0.25, 0.5),
                network_density_per_um=1.2,
                mean_length_um=2.0,
                fragment_fraction=0.4,
                persistence_um=3.0,
                cell_diameter_um=16.0,
            ),
            detector=DetectorParams(excess_noise_factor=1.4, dark_count_rate_hz=500.0),
            hr_scan=_hr_scan(gain=16.0),
            lr_scan=_lr_scan(1.0, 0.6),
            stack=StackParams(drift_um=0.05, bleach_fraction=0.02),
            signal=SignalParams(peak_photons_hr=150.0, field_brightness_sigma=0.3),
            background=BackgroundParams(autofluorescence=0.03, scatter_fraction=0.15, scatter_fwhm_um=4.0),
        )
    if name == "MEM":
        return SimulationParams(
            optics=_confocal(0.559, 0.58, 0.22),
            phantom=MembraneParams(),
            hr_scan=_hr_scan(gain=10.0),
            lr_scan=_lr_scan(1.0, 0.5),
            signal=SignalParams(peak_photons_hr=250.0),
        )
    return SimulationParams(
        optics=_confocal(0.405, 0.461, 0.18),
        phantom=NucleiParams(),
        hr_scan=_hr_scan(gain=12.0),
        lr_scan=_lr_scan(0.6, 0.4),
        signal=SignalParams(peak_photons_hr=200.0),
    )
