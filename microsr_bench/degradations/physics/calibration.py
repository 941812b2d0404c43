"""``LRCalibration``: the measured LR acquisition (PTC gain, offset, read noise, photon budget), JSON, model params."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from microsr_bench.data.cards import get_card
from microsr_bench.degradations.physics.model import PhysicsParams
from microsr_bench.errors import ConfigError, InvalidArgumentError, NotFoundError
from microsr_bench.imageio import atomic_write_text

__all__ = ["CALIBRATION_FORMAT", "LRCalibration"]

#: Tag and version written into every saved calibration; a file with another tag is refused.
CALIBRATION_FORMAT = "microsr-bench/lr-calibration/1"

_OPTIONAL = (
    "line_phase_px",
    "line_phase_spread_px",
    "signal_scale",
    "signal_scale_se",
    "hr_zero_level",
    "hr_zero_level_se",
    "lr_grey_per_hr",
    "line_shift_slope",
    "drift_speed",
)


@dataclass(frozen=True)
class LRCalibration:
    """The LR (video-rate) acquisition measured from stacks of frames of the same fields.

    Made by :func:`microsr_bench.degradations.physics.calibrate`; every value has its unit in the comment and
    a standard error (``*_se``) from the fit, ``None`` where one stack cannot give it. The photon transfer curve
    measures ``effective_gain = F * gain``; ``F`` (``excess_noise_factor``) is *assumed*, not measured, and only
    changes the split between ``gain`` and the photon counts, i.e. the skewness of the noise, not its mean or
    variance.
    """

    #: Largest grey level of the converter (the card's ``max_value``, ``2**bits - 1``).
    max_value: int
    #: PTC slope ``F * gain``: grey^2 of temporal variance per grey level above offset.
    effective_gain: float
    effective_gain_se: float
    #: Grey level of zero signal (zero-photo-electron peak, or given).
    offset: float
    offset_se: float
    #: Electronic noise, grey levels rms (width of the zero-photo-electron peak, rounding removed).
    read_noise: float
    read_noise_se: float
    #: PMT excess noise factor assumed to split ``effective_gain`` into ``F`` and ``gain`` (not measured).
    excess_noise_factor: float
    #: PTC intercept in grey^2; the model predicts ``read_noise^2 + 1/12 - effective_gain * offset``.
    ptc_intercept: float
    ptc_intercept_se: float
    #: Chi-square per degree of freedom of the PTC line (about 1 when the model fits).
    ptc_reduced_chi2: float
    #: Fraction of the signal lost between the first and the last frame of a stack of ``frames`` frames.
    bleach_fraction: float
    bleach_fraction_se: float
    #: Frames per stack in the calibration data (the median); drift and bleaching are defined over it.
    frames: int
    #: Stacks (fields of view) and pixel samples that entered the PTC.
    stacks: int
    pixels: int
    #: Mean displacement of the odd (backward) lines along x, LR pixels, and the half-width of a uniform
    #: spread over fields (``sqrt(3)`` times their standard deviation); ``None`` if not measured.
    line_phase_px: float | None = None
    line_phase_spread_px: float | None = None
    #: Expected LR photo-electrons at the first frame per unit of normalised HR intensity above
    #: ``hr_zero_level`` (needs the HR images); ``gain`` depends on the assumed ``F``, so this does too.
    signal_scale: float | None = None
    signal_scale_se: float | None = None
    #: Normalised HR intensity (grey / max_value) that maps to zero LR photo-electrons.
    hr_zero_level: float | None = None
    hr_zero_level_se: float | None = None
    #: Measured slope of the mean LR grey level against normalised HR intensity (assumption-free).
    lr_grey_per_hr: float | None = None
    #: Change of the line shift per LR pixel along the line, and the drift speed (LR px/frame); realism only.
    line_shift_slope: float | None = None
    drift_speed: float | None = None
    #: Sub-dataset the stacks came from (recorded; it gives no instrument numbers), and free provenance text.
    dataset: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        bits = math.log2(self.max_value + 1) if isinstance(self.max_value, int) and self.max_value > 0 else 0.5
        if isinstance(self.max_value, bool) or not bits.is_integer() or not 8 <= bits <= 16:
            raise ConfigError(
                f"LRCalibration.max_value must be 2**bits - 1 with 8 <= bits <= 16 (e.g. 4095), got "
                f"{self.max_value!r}. Use the dataset card's max_value."
            )
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("max_value", "frames", "stacks", "pixels"):
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ConfigError(f"LRCalibration.{f.name} must be a positive int, got {value!r}.")
            elif f.name in ("dataset", "source"):
                if value is not None and not isinstance(value, str):
                    raise ConfigError(f"LRCalibration.{f.name} must be a string, got {type(value).__name__}.")
            elif value is None and f.name in _OPTIONAL:
                continue
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(f"LRCalibration.{f.name} must be a finite number, got {value!r}.")
            elif f.name.endswith("_se") and value < 0:
                raise ConfigError(f"LRCalibration.{f.name} is a standard error and must be >= 0, got {value}.")
        self._check_ranges()
        if self.dataset is not None:
            object.__setattr__(self, "dataset", get_card(self.dataset).name)

    def _check_ranges(self) -> None:
        if self.effective_gain <= 0:
            raise ConfigError(
                f"LRCalibration.effective_gain must be > 0 grey levels per photo-electron, got {self.effective_gain}."
            )
        if not 0 <= self.offset < self.max_value:
            raise ConfigError(f"LRCalibration.offset must lie in [0, {self.max_value}), got {self.offset}.")
        if self.read_noise < 0:
            raise ConfigError(f"LRCalibration.read_noise must be >= 0 grey levels, got {self.read_noise}.")
        if not 1.0 <= self.excess_noise_factor <= 3.0:
            raise ConfigError(
                f"LRCalibration.excess_noise_factor must lie in [1, 3] (PMTs: 1.1-1.5), got {self.excess_noise_factor}."
            )
        if self.signal_scale is not None and self.signal_scale <= 0:
            raise ConfigError(f"LRCalibration.signal_scale must be > 0 photo-electrons, got {self.signal_scale}.")

    @property
    def gain(self) -> float:
        """Mean PMT gain in grey levels per photo-electron: ``effective_gain / excess_noise_factor``."""
        return self.effective_gain / self.excess_noise_factor

    # -- serialisation ----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary, tagged with :data:`CALIBRATION_FORMAT`."""
        return {"format": CALIBRATION_FORMAT, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LRCalibration:
        """Inverse of :meth:`to_dict`; unknown or missing keys and a foreign ``format`` are errors."""
        if not isinstance(data, dict):
            raise ConfigError(f"An LR calibration must be a JSON object, got {type(data).__name__}.")
        tag = data.get("format")
        if tag != CALIBRATION_FORMAT:
            raise ConfigError(
                f"Not an LR calibration of this version: format is {tag!r}, expected {CALIBRATION_FORMAT!r}. "
                "Recompute it with microsr_bench.degradations.physics.calibrate."
            )
        known = {f.name for f in fields(cls)}
        body = {k: v for k, v in data.items() if k != "format"}
        unknown = sorted(set(body) - known)
        if unknown:
            raise ConfigError(f"Unknown LR calibration key(s) {unknown}; valid keys: {sorted(known)}.")
        required = {f.name for f in fields(cls) if f.default is dataclasses.MISSING}
        missing = sorted(required - set(body))
        if missing:
            raise ConfigError(f"LR calibration is missing key(s) {missing}; recompute it with calibrate().")
        return cls(**body)

    def save(self, path: str | Path) -> Path:
        """Write the calibration as JSON (atomically) and return the path."""
        target = Path(path)
        atomic_write_text(target, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
        return target

    @classmethod
    def load(cls, path: str | Path) -> LRCalibration:
        """Read a calibration written by :meth:`save`."""
        source = Path(path)
        if not source.is_file():
            raise NotFoundError(f"No LR calibration file at {source}. Write one with LRCalibration.save(path).")
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source} is not valid JSON ({exc}); save the calibration again.") from exc
        return cls.from_dict(data)

    # -- model parameters -------------------------------------------------------------------------------------

    def to_params(self, base: PhysicsParams | None = None) -> PhysicsParams:
        """The physics degradation's parameters with the calibrated LR acquisition in place of ``base``'s.

        Replaced: gain (``effective_gain / F``), ``F``, offset, read noise, converter range, bleaching, the line
        shift (``-line_phase_px``: the calibration stores where odd lines *sample*, the model where their
        *content* goes) and its spread, the drift speed if measured and, with a signal scale, the HR-to-photon
        map (which includes the LR's background and dark counts, so the dark signal becomes 0). Everything else
        comes from ``base``, by default the generic :class:`PhysicsParams`.
        """
        if base is None:
            base = PhysicsParams(max_value=self.max_value)
        elif not isinstance(base, PhysicsParams):
            raise InvalidArgumentError(f"base must be a PhysicsParams or None, got {type(base).__name__}.")
        changes: dict[str, Any] = {
            "max_value": self.max_value,
            "gain": self.gain,
            "excess_noise_factor": self.excess_noise_factor,
            "offset": self.offset,
            "read_noise": self.read_noise,
            "bleach_fraction": min(max(self.bleach_fraction, 0.0), 0.95),
            "frames": self.frames,
        }
        if self.line_phase_px is not None:
            changes["line_shift"] = -self.line_phase_px
            changes["line_shift_spread"] = self.line_phase_spread_px or 0.0
        if self.line_shift_slope is not None:
            changes["line_shift_slope"] = self.line_shift_slope
        if self.drift_speed is not None:
            changes["drift_speed"] = self.drift_speed
        if self.signal_scale is not None and self.hr_zero_level is not None:
            changes["signal_scale"] = self.signal_scale
            changes["hr_zero_level"] = self.hr_zero_level
            # The measured map already holds the background and dark counts of the LR (its zero level sits
            # below the HR's); a separate dark signal would count them twice.
            changes["dark_signal"] = 0.0
        try:
            return dataclasses.replace(base, **changes)
        except ConfigError as exc:
            raise ConfigError(f"The calibration does not fit the model's parameter ranges: {exc}") from exc
