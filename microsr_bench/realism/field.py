"""All realism measurements of one field of view: its LR burst and its HR image, as one JSON-ready dict.

Every measurement runs on its own: one that the data cannot support (no dark pixels, no structure to register)
becomes ``None`` with a line in ``notes`` instead of stopping the report. Units and sign conventions are those
of ``docs/realism.md``; displacements are content displacements ``[dy, dx]`` (``moving(x) = reference(x - d)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.realism import motion, photon, registration, spectra
from microsr_bench.realism import ptc as _ptc

__all__ = ["SCALAR_KEYS", "measure_field"]

#: Per-field numbers that the dataset summary aggregates (mean, sd, median, min, max over fields).
SCALAR_KEYS = (
    "lr_gain",
    "lr_offset",
    "effective_gain",
    "excess_noise_factor",
    "read_noise",
    "read_noise_e",
    "dark_signal_e",
    "zero_fraction",
    "saturated_fraction",
    "line_shift",
    "line_shift_slope",
    "drift_speed",
    "drift_jitter_rms",
    "hr_lr_scale",
    "hr_lr_rotation_deg",
    "hr_lr_residual_rms",
    "slow_axis_autocorr",
    "bleach_rate",
    "bleach_fraction",
    "lr_grey_per_hr",
    "hr_zero_level",
    "signal_scale",
)


def _check(stack: object, hr: object, max_value: int) -> tuple[NDArray[Any], NDArray[Any]]:
    if not isinstance(stack, np.ndarray) or stack.ndim != 3 or not np.issubdtype(stack.dtype, np.integer):
        got = f"{stack.dtype} {stack.shape}" if isinstance(stack, np.ndarray) else type(stack).__name__
        raise InvalidArgumentError(
            f"stack must be an integer array [frames, h, w] of the raw LR grey levels of one field, got {got}."
        )
    if stack.shape[0] < 3 or min(stack.shape[1:]) < 32:
        # Three frames give one temporal second difference (noise statistics); photon transfer needs six and
        # says so in the field's notes.
        raise InvalidArgumentError(
            f"stack must hold at least 3 frames of at least 32 x 32 pixels, got {stack.shape}; give the whole burst."
        )
    want = (2 * stack.shape[1], 2 * stack.shape[2])
    if not isinstance(hr, np.ndarray) or hr.shape != want:
        got = hr.shape if isinstance(hr, np.ndarray) else type(hr).__name__
        raise InvalidArgumentError(f"hr must be the field's HR image of shape {want} (twice the LR frame), got {got}.")
    if int(stack.min()) < 0 or int(stack.max()) > max_value:
        raise InvalidArgumentError(
            f"stack holds values outside [0, max_value={max_value}]; pass the converter maximum of these data."
        )
    return stack, hr


def _attempt(notes: list[str], what: str, func: Callable[[], dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    try:
        return func()
    except (InvalidArgumentError, ValueError, np.linalg.LinAlgError) as exc:
        notes.append(f"{what}: {exc}")
        return dict.fromkeys(keys)


def _signal_map(
    stack: NDArray[Any], hr: NDArray[Any], max_value: int, pt: photon.PhotonTransfer, rate: float
) -> dict[str, Any]:
    """How HR intensity becomes LR signal: grey levels per unit normalised HR, the HR level of zero LR signal,
    and LR photo-electrons per unit HR at the first frame (``_ptc.fit_signal_map``, moments of both images
    smoothed by 2 LR px, so drift and line shift do not bias it)."""
    mean = stack.astype(np.float64).mean(axis=0)
    noise = pt.effective_gain * float(np.mean(mean - pt.offset)) + pt.read_noise**2 + _ptc.ROUNDING_VARIANCE
    slope, intercept, corr = _ptc.fit_signal_map(
        mean, hr.astype(np.float64) / max_value, 2.0, noise / stack.shape[0] * _ptc.smoothing_noise_factor(2.0)
    )
    if not slope > 0 or not corr >= 0.5:
        raise ValueError(f"the HR image and the mean LR frame do not match (correlation {corr:.2f}, slope {slope:.3g})")
    bleach = float(np.mean(np.exp(rate * np.arange(stack.shape[0]))))
    return {
        "lr_grey_per_hr": slope,
        "hr_zero_level": (pt.offset - intercept) / slope,
        "signal_scale": slope / (pt.gain * bleach),
    }


def _photon(stack: NDArray[Any], hr: NDArray[Any], max_value: int, notes: list[str]) -> dict[str, Any]:
    pt = photon.photon_transfer(stack, max_value)
    rate, fraction, signal = photon.bleaching(stack, pt.offset)
    dark = float(np.quantile(stack.mean(axis=0), 0.05)) - pt.offset
    keys = ("lr_grey_per_hr", "hr_zero_level", "signal_scale")
    mapping = _attempt(notes, "signal map", lambda: _signal_map(stack, hr, max_value, pt, rate), keys)
    return mapping | {
        "lr_gain": pt.gain,
        "lr_offset": pt.offset,
        "effective_gain": pt.effective_gain,
        "excess_noise_factor": pt.excess_noise_factor,
        "read_noise": pt.read_noise,
        "read_noise_e": pt.read_noise / pt.gain,
        "dark_signal_e": dark / pt.gain,
        "offset_method": pt.offset_method,
        "bleach_rate": rate,
        "bleach_fraction": fraction,
        "frame_signal": signal,
        "ptc": {"mean": pt.means, "variance": pt.variances, "third_cumulant": pt.third},
    }


def _lines(mean: NDArray[np.float64], segments: int) -> dict[str, Any]:
    whole, centres, shifts = motion.line_shift_profile(mean, segments=segments)
    slope = float(np.polyfit(centres, shifts, 1)[0]) if len(centres) > 1 else 0.0
    return {"line_shift": whole, "line_shift_x": centres, "line_shift_segments": shifts, "line_shift_slope": slope}


def _drift(stack: NDArray[Any]) -> dict[str, Any]:
    path, velocity = motion.burst_drift(stack)
    index = np.arange(stack.shape[0], dtype=np.float64)
    fitted = np.outer(index - index.mean(), velocity)
    jitter = float(np.sqrt(np.mean(np.sum((path - path.mean(axis=0) - fitted) ** 2, axis=1))))
    return {
        "frame_drift": velocity.tolist(),
        "drift_speed": float(np.hypot(*velocity)),
        "drift_jitter_rms": jitter,
        "drift_path": path.tolist(),
    }


def _registration(hr: NDArray[Any], mean: NDArray[np.float64]) -> dict[str, Any]:
    reg = registration.register_hr_to_lr(hr.astype(np.float64), mean)
    return {
        "hr_lr_shift": list(reg.shift),
        "hr_lr_scale": reg.scale,
        "hr_lr_rotation_deg": reg.rotation_deg,
        "hr_lr_residual_rms": reg.residual_rms,
    }


def _second_order(stack: NDArray[Any], hr: NDArray[Any], mean: NDArray[np.float64]) -> dict[str, Any]:
    along, across = spectra.noise_autocorrelation(stack)
    freq, hr_power = spectra.radial_spectrum(hr)
    _, lr_power = spectra.radial_spectrum(mean, bins=len(freq) // 2)
    return {
        "fast_axis_autocorr": along,
        "slow_axis_autocorr": across,
        "spectrum_freq": freq,
        "hr_spectrum": hr_power,
        "lr_spectrum": lr_power,
    }


def measure_field(stack: NDArray[Any], hr: NDArray[Any], max_value: int, *, segments: int = 4) -> dict[str, Any]:
    """Every realism statistic of one field: ``stack`` ``[F, h, w]`` raw LR grey levels, ``hr`` ``[2h, 2w]``.

    ``lr_spectrum`` has half as many bins as ``hr_spectrum``: on the HR frequency axis (cycles per HR pixel)
    the LR spectrum ends at 0.25, its Nyquist frequency; its bins are the first half of ``spectrum_freq``.
    """
    stack, hr = _check(stack, hr, max_value)
    mean = stack.astype(np.float64).mean(axis=0)
    low, high = photon.clipping(stack, max_value)
    notes: list[str] = []
    out: dict[str, Any] = {"frames": int(stack.shape[0]), "zero_fraction": low, "saturated_fraction": high}
    out |= _attempt(notes, "photon transfer", lambda: _photon(stack, hr, max_value, notes), ("lr_gain", "lr_offset"))
    out |= _attempt(notes, "line shift", lambda: _lines(mean, segments), ("line_shift", "line_shift_segments"))
    out |= _attempt(notes, "drift", lambda: _drift(stack), ("frame_drift", "drift_speed"))
    out |= _attempt(notes, "registration", lambda: _registration(hr, mean), ("hr_lr_shift", "hr_lr_scale"))
    out |= _second_order(stack, hr, mean)
    out["notes"] = notes
    return out
