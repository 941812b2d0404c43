"""The physics degradation's own acquisition model: HR in [0, 1] to one digitised video-rate LR frame.

Independent of ``microsr_bench.simulate`` by design (no inverse crime: a degradation may only use what can be
measured on real stacks). Every parameter is one the realism report or the photon transfer fit measures; the
defaults are generic textbook values, not any simulator's (``docs/degradations.md``, "Defaults").

An LR pixel integrates a 2 x 2 block of HR pixels. Its expected photo-electrons at frame ``k`` of ``F`` are
``(signal_scale * block_mean(max(h - hr_zero_level, 0)) + dark_signal) * (1 - bleach)^(k / (F - 1))``, sampled
with the content displaced by the drift ``k * v`` and, on odd (backward) lines, by the line shift along x
(``line_shift + line_shift_slope * (x - centre)``); then Poisson photo-electrons, a Gamma-distributed charge
per photo-electron (mean ``gain``, ``E[X^2] = F gain^2``), Gaussian read noise, the offset, rounding and
clipping to ``[0, max_value]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from microsr_bench.errors import ConfigError

__all__ = ["PhysicsParams", "StackGeometry", "acquire_frame", "draw_geometry"]


@dataclass(frozen=True)
class PhysicsParams:
    """The LR acquisition, in the units the realism report measures. Defaults: generic, see the docs."""

    #: Converter maximum, ``2**bits - 1`` (12 bits: the benchmark's cards).
    max_value: int = 4095
    #: Mean grey levels per photo-electron (a PMT at moderate voltage puts one electron well above read noise).
    gain: float = 50.0
    #: PMT excess noise factor ``F``; ~1.2 for a first-dynode gain of ~6 (``F ~ delta / (delta - 1)``).
    excess_noise_factor: float = 1.2
    #: Grey level of zero signal (a few per cent of the range, as users set the offset knob).
    offset: float = 100.0
    #: Electronic (amplifier) noise, grey levels rms.
    read_noise: float = 3.0
    #: LR photo-electrons per unit normalised HR intensity at the first frame ("a few" at bright structures).
    signal_scale: float = 5.0
    #: Normalised HR intensity that maps to zero LR signal (negative: the LR sees background the HR does not).
    hr_zero_level: float = 0.0
    #: Dark counts and background, photo-electrons per LR pixel and frame.
    dark_signal: float = 0.05
    #: Content shift of the odd (backward) lines along x, LR px, at the line centre; its change per LR px
    #: along the line; and the half-width of a uniform spread of the shift over fields.
    line_shift: float = 0.5
    line_shift_slope: float = 0.0
    line_shift_spread: float = 0.0
    #: Drift speed, LR px per frame, in a direction drawn per stack.
    drift_speed: float = 0.0
    #: Fraction of the signal lost between the first and the last frame of a stack.
    bleach_fraction: float = 0.02
    #: Frames per stack (drift and bleaching are spread over them).
    frames: int = 100

    def __post_init__(self) -> None:
        bits = math.log2(self.max_value + 1) if isinstance(self.max_value, int) and self.max_value > 0 else 0.5
        if isinstance(self.max_value, bool) or not bits.is_integer() or not 8 <= bits <= 16:
            raise ConfigError(f"PhysicsParams.max_value must be 2**bits - 1 (8-16 bits), got {self.max_value!r}.")
        if isinstance(self.frames, bool) or not isinstance(self.frames, int) or self.frames < 1:
            raise ConfigError(f"PhysicsParams.frames must be a positive int, got {self.frames!r}.")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in ("max_value", "frames") and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            ):
                raise ConfigError(f"PhysicsParams.{f.name} must be a finite number, got {value!r}.")
        checks = {
            "gain": self.gain > 0,
            "excess_noise_factor": 1.0 <= self.excess_noise_factor <= 3.0,
            "offset": 0 <= self.offset < self.max_value,
            "read_noise": self.read_noise >= 0,
            "signal_scale": self.signal_scale > 0,
            "dark_signal": self.dark_signal >= 0,
            "line_shift_spread": self.line_shift_spread >= 0,
            "drift_speed": self.drift_speed >= 0,
            "bleach_fraction": 0 <= self.bleach_fraction <= 0.95,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ConfigError(
                f"PhysicsParams out of range: {', '.join(f'{n}={getattr(self, n)!r}' for n in bad)}. Expected gain "
                "> 0, excess_noise_factor in [1, 3], offset in [0, max_value), read_noise >= 0, signal_scale > 0, "
                "dark_signal >= 0, line_shift_spread >= 0, drift_speed >= 0, bleach_fraction in [0, 0.95]."
            )


@dataclass(frozen=True)
class StackGeometry:
    """What one stack shares: its line shift at the centre and its drift velocity ``[dy, dx]`` (LR px/frame)."""

    line_shift: float
    velocity: tuple[float, float]


def draw_geometry(params: PhysicsParams, rng: np.random.Generator) -> StackGeometry:
    """Line shift (uniform spread about ``line_shift``) and drift direction (uniform), in that order."""
    shift = params.line_shift + params.line_shift_spread * float(rng.uniform(-1.0, 1.0))
    angle = float(rng.uniform(0.0, 2.0 * math.pi))
    return StackGeometry(shift, (params.drift_speed * math.sin(angle), params.drift_speed * math.cos(angle)))


def _expected(
    hr: NDArray[np.float64], params: PhysicsParams, geometry: StackGeometry, frame: int
) -> NDArray[np.float64]:
    h, w = hr.shape[0] // 2, hr.shape[1] // 2
    signal = params.signal_scale * np.maximum(hr - params.hr_zero_level, 0.0)
    block = signal[: 2 * h, : 2 * w].reshape(h, 2, w, 2).mean(axis=(1, 3))
    dy, dx = (frame * v for v in geometry.velocity)
    x = np.arange(w, dtype=np.float64)
    odd = (np.arange(h) % 2)[:, None] * (geometry.line_shift + params.line_shift_slope * (x - (w - 1) / 2.0))[None]
    rows = np.broadcast_to(np.arange(h, dtype=np.float64)[:, None] - dy, (h, w))
    cols = x[None] - dx - odd
    if dy == 0.0 and dx == 0.0 and not odd.any():
        sampled = block
    else:
        sampled = ndimage.map_coordinates(block, [rows, cols], order=1, mode="nearest")
    decay = (1.0 - params.bleach_fraction) ** (frame / max(params.frames - 1, 1))
    return (sampled + params.dark_signal) * decay


def acquire_frame(
    hr: NDArray[np.float64], params: PhysicsParams, rng: np.random.Generator, frame: int, geometry: StackGeometry
) -> NDArray[np.uint16]:
    """Frame ``frame`` of the stack of ``hr`` (float in [0, 1], even sides): uint16 grey levels."""
    expected = _expected(hr, params, geometry, frame)
    count = rng.poisson(expected)
    if params.excess_noise_factor == 1.0:
        charge = params.gain * count
    else:
        shape = 1.0 / (params.excess_noise_factor - 1.0)
        scale = params.gain * (params.excess_noise_factor - 1.0)
        charge = np.where(count > 0, rng.gamma(np.maximum(count * shape, 1e-12), scale), 0.0)
    values = np.rint(params.offset + charge + params.read_noise * rng.standard_normal(expected.shape))
    return np.clip(values, 0, params.max_value).astype(np.uint16)
