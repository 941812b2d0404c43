"""Typed parameters of simulator 2.0: time line, motion, the analog PMT chain, scan geometry, optics and variety.

Every effect has a switch: setting its amplitude (speed, fraction, noise, mismatch) to zero turns it off, which
is how the tests isolate one effect at a time. Values and their sources are in ``docs/simulator.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from microsr_bench.errors import ConfigError
from microsr_bench.simulate._validate import number

__all__ = [
    "AnalogParams",
    "CalibrationParams",
    "LiveOpticsParams",
    "LiveParams",
    "MotionParams",
    "PmtParams",
    "TimingParams",
    "VarietyParams",
]


@dataclass(frozen=True)
class TimingParams:
    """When each line is scanned: the LR burst, the gap, then the slow HR scan (paper, section III)."""

    #: Video-rate frame rate; every LR line lasts ``1 / (rate * lines)`` (0.195 ms at 256 lines).
    lr_frame_rate_hz: float = 20.0
    #: Slow-scan frame rate; every HR line lasts ``1 / (rate * lines)`` (24.4 ms at 512 lines).
    hr_frame_rate_hz: float = 0.08
    #: Seconds between the end of the burst and the first HR line (switching scan mode and resolution).
    gap_s: float = 2.0

    def __post_init__(self) -> None:
        number(self, "lr_frame_rate_hz", 0.01, 1000.0, unit="Hz")
        number(self, "hr_frame_rate_hz", 0.001, 1000.0, unit="Hz")
        number(self, "gap_s", 0.0, 600.0, unit="s")


@dataclass(frozen=True)
class MotionParams:
    """Motion of the sample and the focus over the whole time line (zero = off, component by component)."""

    #: Stage drift speed in micrometres per second (straight line, random direction per field).
    stage_drift_um_per_s: float = 0.005
    #: Focus drift speed in micrometres per second (sign drawn per field).
    focus_drift_um_per_s: float = 0.005
    #: Speed of slow non-rigid deformation of cells (rms of the displacement rate), micrometres per second.
    deform_um_per_s: float = 0.01
    #: Correlation length of that deformation, micrometres (about a cell).
    deform_scale_um: float = 8.0
    #: Fraction of organelles (area of the motile mask) that move on their own (mitochondria only).
    motile_fraction: float = 0.0
    #: Speed of directed, motor-driven runs of motile organelles, micrometres per second.
    directed_um_per_s: float = 0.0
    #: Length of one directed run before it pauses, micrometres.
    run_length_um: float = 1.35
    #: Diffusion coefficient of the organelles' random (oscillating) motion, um^2/s.
    diffusion_um2_per_s: float = 0.0
    #: Amplitude of membrane ruffling (oscillating local displacement), micrometres.
    ruffle_um: float = 0.0
    #: Period of that oscillation, seconds.
    ruffle_period_s: float = 20.0
    #: Correlation length of ruffles, micrometres.
    ruffle_scale_um: float = 1.5

    def __post_init__(self) -> None:
        number(self, "stage_drift_um_per_s", 0.0, 1.0, unit="um/s")
        number(self, "focus_drift_um_per_s", 0.0, 1.0, unit="um/s")
        number(self, "deform_um_per_s", 0.0, 0.2, unit="um/s")
        number(self, "deform_scale_um", 1.0, 100.0, unit="um")
        number(self, "motile_fraction", 0.0, 0.9)
        number(self, "directed_um_per_s", 0.0, 2.0, unit="um/s")
        number(self, "run_length_um", 0.0, 20.0, unit="um")
        number(self, "diffusion_um2_per_s", 0.0, 0.1, unit="um^2/s")
        number(self, "ruffle_um", 0.0, 2.0, unit="um")
        number(self, "ruffle_period_s", 0.5, 600.0, unit="s")
        number(self, "ruffle_scale_um", 0.3, 20.0, unit="um")

    def fixed(self) -> MotionParams:
        """The same instrument drifts on a fixed (dead) sample: no cell, organelle or membrane motion."""
        return MotionParams(
            stage_drift_um_per_s=self.stage_drift_um_per_s, focus_drift_um_per_s=self.focus_drift_um_per_s
        )


@dataclass(frozen=True)
class PmtParams:
    """The photomultiplier's gain against its high voltage: G = gain_1kv * (V / 1000)^(k n) (Hamamatsu)."""

    #: Electron gain of the dynode chain at 1000 V.
    gain_1kv: float = 1.0e7
    #: Number of dynodes n.
    dynodes: int = 9
    #: Exponent k of the secondary emission ratio per dynode, delta = a V_stage^k (0.7-0.8).
    k: float = 0.75
    #: Grey levels per electron at the anode (transimpedance, integrator and converter together).
    grey_per_anode_electron: float = 1.6e-4

    def __post_init__(self) -> None:
        number(self, "gain_1kv", 1e3, 1e9)
        if isinstance(self.dynodes, bool) or not isinstance(self.dynodes, int) or not 4 <= self.dynodes <= 14:
            raise ConfigError(f"PmtParams.dynodes must be an int in [4, 14], got {self.dynodes!r}.")
        number(self, "k", 0.5, 1.0)
        number(self, "grey_per_anode_electron", 1e-9, 1.0)

    def electron_gain(self, volts: float) -> float:
        return self.gain_1kv * (volts / 1000.0) ** (self.k * self.dynodes)

    def grey_per_electron(self, volts: float) -> float:
        """Grey levels per photo-electron at this high voltage."""
        return self.electron_gain(volts) * self.grey_per_anode_electron

    def excess_noise_factor(self, volts: float) -> float:
        """F = delta / (delta - 1) for a chain of equal Poisson stages of gain delta = G^(1/n) (higher V, lower F)."""
        delta = self.electron_gain(volts) ** (1.0 / self.dynodes)
        return delta / (delta - 1.0)


@dataclass(frozen=True)
class AnalogParams:
    """One acquisition's analog chain after the photocathode: HV, amplifier, integrator, offset, line shift."""

    #: PMT high voltage in volts; sets the gain and the excess noise (:class:`PmtParams`).
    hv_volts: float
    #: Amplifier and converter noise, grey levels rms for a 1 us dwell; it scales as 1 / sqrt(dwell).
    amp_noise_grey_1us: float = 90.0
    #: Time constant of the analog low-pass (integrator bandwidth) in microseconds; correlates pixels along x.
    integrator_tau_us: float = 0.6
    #: Grey level of zero signal; values below 0 clip at 0 (the offset knob).
    offset: float = 50.0
    #: Relative gain of backward (odd) lines against forward lines, minus one (bidirectional only).
    backward_gain_mismatch: float = 0.0
    #: Extra line shift of backward lines at the ends of the line against its centre, LR pixels (scan speed
    #: changes near the turnaround); the centre value is ``ScanParams.line_phase_px``.
    line_shift_edge_px: float = 0.0

    def __post_init__(self) -> None:
        number(self, "hv_volts", 200.0, 1250.0, unit="V")
        number(self, "amp_noise_grey_1us", 0.0, 2000.0, unit="grey levels")
        number(self, "integrator_tau_us", 0.0, 100.0, unit="us")
        number(self, "offset", -1000.0, 4000.0, unit="grey levels")
        number(self, "backward_gain_mismatch", -0.5, 0.5)
        number(self, "line_shift_edge_px", -8.0, 8.0, unit="LR pixels")

    def integrator_coefficient(self, dwell_us: float) -> float:
        """Pole a = exp(-dwell / tau) of the first-order low-pass sampled once per pixel; lag-1 correlation = a."""
        if self.integrator_tau_us == 0.0:
            return 0.0
        return math.exp(-dwell_us / self.integrator_tau_us)


@dataclass(frozen=True)
class CalibrationParams:
    """Mismatch of the fast (LR) scan's geometry against the slow (HR) scan's: mean and per-field spread."""

    #: LR field scale over HR field scale, minus one.
    scale: float = 0.004
    scale_spread: float = 0.002
    #: Rotation of the LR scan against the HR scan, degrees.
    rotation_deg: float = 0.15
    rotation_spread_deg: float = 0.1
    #: Offset of the LR field against the HR field (dy, dx), micrometres; spread is per axis.
    offset_um: tuple[float, float] = (0.04, -0.06)
    offset_spread_um: float = 0.05

    def __post_init__(self) -> None:
        number(self, "scale", -0.1, 0.1)
        number(self, "scale_spread", 0.0, 0.1)
        number(self, "rotation_deg", -5.0, 5.0, unit="degrees")
        number(self, "rotation_spread_deg", 0.0, 5.0, unit="degrees")
        number(self, "offset_spread_um", 0.0, 5.0, unit="um")
        off = self.offset_um
        if not (isinstance(off, tuple) and len(off) == 2 and all(isinstance(v, (int, float)) for v in off)):
            raise ConfigError(f"CalibrationParams.offset_um must be a (dy, dx) tuple in um, got {off!r}.")


@dataclass(frozen=True)
class LiveOpticsParams:
    """Out-of-focus haze, defocus blur, field non-uniformity and (multiphoton) depth in scattering tissue."""

    #: Light of an out-of-focus layer of the thin 3-D sample, as a fraction of the in-focus layer's.
    haze_fraction: float = 0.15
    #: Depth range of that layer below or above focus, micrometres (drawn per field).
    haze_depth_um: tuple[float, float] = (1.0, 2.0)
    #: Growth of the blur (sigma) per micrometre of defocus, um/um (geometric cone, ~ NA / (2 n)).
    defocus_blur_per_um: float = 0.45
    #: Relative fall-off of the illumination and collection at the field's corners (vignetting).
    vignetting: float = 0.15
    #: Imaging depth range in scattering tissue, micrometres (0, 0 = a thin culture, no tissue effects).
    tissue_depth_um: tuple[float, float] = (0.0, 0.0)
    #: Scattering length of the excitation light in the tissue, micrometres.
    scattering_length_um: float = 150.0
    #: Depth at which aberrations double the PSF width, micrometres.
    psf_doubling_depth_um: float = 250.0

    def __post_init__(self) -> None:
        number(self, "haze_fraction", 0.0, 2.0)
        number(self, "defocus_blur_per_um", 0.0, 2.0)
        number(self, "vignetting", 0.0, 0.9)
        number(self, "scattering_length_um", 10.0, 10000.0, unit="um")
        number(self, "psf_doubling_depth_um", 10.0, 100000.0, unit="um")
        for name, hi in (("haze_depth_um", 50.0), ("tissue_depth_um", 2000.0)):
            value = getattr(self, name)
            ok = isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value)
            if not ok or not 0.0 <= value[0] <= value[1] <= hi:
                raise ConfigError(
                    f"LiveOpticsParams.{name} must be a (low, high) tuple with 0 <= low <= high <= {hi} um, "
                    f"got {value!r}."
                )


@dataclass(frozen=True)
class VarietyParams:
    """Field-to-field spread of the content: log-normal sigmas of density and size, and of shape irregularity."""

    density_sigma: float = 0.25
    size_sigma: float = 0.12
    shape_sigma: float = 0.3

    def __post_init__(self) -> None:
        number(self, "density_sigma", 0.0, 1.0)
        number(self, "size_sigma", 0.0, 0.5)
        number(self, "shape_sigma", 0.0, 1.0)


@dataclass(frozen=True)
class LiveParams:
    """Everything simulator 2.0 adds to :class:`~microsr_bench.simulate.params.SimulationParams`."""

    lr_chain: AnalogParams
    hr_chain: AnalogParams
    motion: MotionParams = field(default_factory=MotionParams)
    timing: TimingParams = field(default_factory=TimingParams)
    pmt: PmtParams = field(default_factory=PmtParams)
    calibration: CalibrationParams = field(default_factory=CalibrationParams)
    optics: LiveOpticsParams = field(default_factory=LiveOpticsParams)
    variety: VarietyParams = field(default_factory=VarietyParams)

    def __post_init__(self) -> None:
        expected = {
            "lr_chain": AnalogParams,
            "hr_chain": AnalogParams,
            "motion": MotionParams,
            "timing": TimingParams,
            "pmt": PmtParams,
            "calibration": CalibrationParams,
            "optics": LiveOpticsParams,
            "variety": VarietyParams,
        }
        for name, kind in expected.items():
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(
                    f"LiveParams.{name} must be a {kind.__name__}, got {type(getattr(self, name)).__name__}."
                )
