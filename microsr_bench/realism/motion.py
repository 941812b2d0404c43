"""Displacements measured on images: sub-pixel cross-correlation, drift over a burst, the odd/even line shift.

Sign convention, the same for every displacement in the realism report: ``d`` is where the *content* of the
moving image lies relative to the reference, ``moving(x) ~ reference(x - d)``, in ``[dy, dx]`` order, pixels
of the image measured. A stage drift of +0.1 px/frame along x therefore reads ``dx = +0.1`` per frame.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, optimize

__all__ = ["burst_drift", "fourier_shift", "line_shift_profile", "phase_shift"]

Array = NDArray[np.float64]

#: Refinement grid of the upsampled cross-correlation: 1/UPSAMPLE pixel, then a parabola through the top.
UPSAMPLE = 20


def _hann(shape: tuple[int, int]) -> Array:
    return np.outer(np.hanning(shape[0]), np.hanning(shape[1]))


def _spectrum(image: Array, window: Array) -> NDArray[np.complex128]:
    return np.fft.fft2((image - image.mean()) * window)


def _weights(shape: tuple[int, int], lowpass: float) -> Array:
    """Gaussian spectral weight of width ``lowpass`` cycles/pixel: the noise-dominated high frequencies count
    little."""
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.fftfreq(shape[1])[None, :]
    return np.exp(-(fy**2 + fx**2) / (2.0 * lowpass**2))


def _shift_from_cross(cross: NDArray[np.complex128]) -> tuple[float, float, float]:
    """Peak of the inverse transform of ``cross``: integer search, then an upsampled DFT around the top.

    The upsampled DFT (Guizar-Sicairos et al., Opt. Lett. 33, 156, 2008) evaluates the correlation on a grid of
    1/UPSAMPLE pixel within +-1.5 pixels of the integer peak by two small matrix products; a parabola through
    the best grid point and its neighbours gives the last digit. Returns (dy, dx, peak height).
    """
    h, w = cross.shape
    corr = np.fft.ifft2(cross).real
    py, px = np.unravel_index(int(np.argmax(corr)), corr.shape)
    py, px = (py + h // 2) % h - h // 2, (px + w // 2) % w - w // 2
    offsets = np.arange(-1.5, 1.5 + 1e-9, 1.0 / UPSAMPLE)
    ey = np.exp(2j * np.pi * np.outer(py + offsets, np.fft.fftfreq(h)))
    ex = np.exp(2j * np.pi * np.outer(np.fft.fftfreq(w), px + offsets))
    fine = (ey @ cross @ ex).real / (h * w)
    iy, ix = (int(i) for i in np.unravel_index(int(np.argmax(fine)), fine.shape))
    dy = py + offsets[iy] + _parabola(fine[max(iy - 1, 0) : iy + 2, ix], iy) / UPSAMPLE
    dx = px + offsets[ix] + _parabola(fine[iy, max(ix - 1, 0) : ix + 2], ix) / UPSAMPLE
    return float(dy), float(dx), float(fine[iy, ix])


def _parabola(values: Array, index: int) -> float:
    if index == 0 or values.size < 3:
        return 0.0
    denom = values[0] - 2.0 * values[1] + values[2]
    return 0.0 if denom >= 0 else float(0.5 * (values[0] - values[2]) / denom)


def fourier_shift(image: Array, dy: float, dx: float) -> Array:
    """``image`` with its content moved by ``[dy, dx]`` pixels (circular, by a phase ramp of its spectrum)."""
    fy = np.fft.fftfreq(image.shape[0])[:, None]
    fx = np.fft.fftfreq(image.shape[1])[None, :]
    return np.fft.ifft2(np.fft.fft2(image) * np.exp(-2j * np.pi * (fy * dy + fx * dx))).real


def _normalised(cross: NDArray[np.complex128], weight: Array) -> NDArray[np.complex128]:
    # Plain (not phase-normalised) cross-power: the matched filter for white noise. Phase normalisation would
    # weight the shot-noise-dominated frequencies of a video-rate frame as much as the structure; on 96 x 96
    # frames of ~10 photo-electrons it tripled the scatter of the drift and biased it by 10 %.
    return cross / (np.abs(cross).max() + 1e-300) * weight


def phase_shift(moving: Array, reference: Array, *, lowpass: float = 0.15, passes: int = 3) -> tuple[float, float]:
    """Sub-pixel displacement ``[dy, dx]`` of ``moving`` relative to ``reference`` (same shape, 2-D).

    Cross-correlation of the Hann-windowed, mean-free images computed in Fourier space, with a Gaussian spectral
    weight (``lowpass`` cycles/pixel) against noise, refined by an upsampled DFT. The window stays put while the
    content moves, which pulls the peak towards zero by a few per cent of the shift; so ``moving`` is shifted
    back by the estimate and the residual measured again (``passes`` times), which removes that bias.
    """
    window = _hann(moving.shape)
    weight = _weights(moving.shape, lowpass)
    ref = np.conj(_spectrum(reference.astype(np.float64), window))
    dy = dx = 0.0
    for _ in range(passes):
        back = fourier_shift(moving.astype(np.float64), -dy, -dx)
        ry, rx, _ = _shift_from_cross(_normalised(_spectrum(back, window) * ref, weight))
        dy, dx = dy + ry, dx + rx
    return dy, dx


def burst_drift(stack: Array, *, lowpass: float = 0.15, passes: int = 2) -> tuple[Array, Array]:
    """Per-frame displacement ``[F, 2]`` of each frame against the mean of the *other* frames, and the mean
    velocity ``[dy, dx]`` per frame (least-squares slope of the displacements against the frame index).

    Leaving the frame out of its reference keeps its own noise from pulling the correlation peak to zero. Each
    pass re-measures every frame, shifted back by its current estimate, against the mean of the other frames
    so aligned (see :func:`phase_shift` for why). The displacements are relative to the burst's mean position;
    the velocity is what the report calls ``frame_drift``.
    """
    frames = stack.shape[0]
    window = _hann(stack.shape[1:])
    weight = _weights(stack.shape[1:], lowpass)
    raw = stack.astype(np.float64)
    path = np.zeros((frames, 2))
    for _ in range(passes):
        spectra = np.stack([_spectrum(fourier_shift(raw[k], *(-path[k])), window) for k in range(frames)])
        total = spectra.sum(axis=0)
        step = np.array(
            [_shift_from_cross(_normalised(s * np.conj((total - s) / (frames - 1)), weight))[:2] for s in spectra]
        )
        path = path + step - step.mean(axis=0)
    index = np.arange(frames, dtype=np.float64)
    velocity = np.polyfit(index, path, 1)[0] if frames > 1 else np.zeros(2)
    return path, np.asarray(velocity, dtype=np.float64)


def _row_cost(odd: Array, coeffs: Array, cols: Array, rows: Array, shift: float) -> float:
    grid_r, grid_c = np.meshgrid(rows, cols - shift, indexing="ij")
    shifted = ndimage.map_coordinates(coeffs, [grid_r, grid_c], order=3, prefilter=False)
    return float(np.mean((odd[:, cols.astype(np.int64)] - shifted) ** 2))


def _best_shift(odd: Array, coeffs: Array, cols: Array, rows: Array, max_shift: float) -> float:
    grid = np.arange(-max_shift, max_shift + 1e-9, 0.25)
    best = float(grid[int(np.argmin([_row_cost(odd, coeffs, cols, rows, float(s)) for s in grid]))])
    found = optimize.minimize_scalar(
        lambda s: _row_cost(odd, coeffs, cols, rows, s),
        bounds=(best - 0.25, best + 0.25),
        method="bounded",
        options={"xatol": 1e-3},
    )
    return float(found.x)


def line_shift_profile(
    mean_frame: Array, *, segments: int = 4, max_shift: float = 4.0
) -> tuple[float, list[float], list[float]]:
    """Shift along x of the content of the odd lines relative to the even lines, LR pixels.

    Each odd line is compared with the average of the even lines above and below (a vertical blur symmetric
    in x, so unbiased for content without a preferred slant); the shift ``s`` minimises
    ``sum (odd(x) - even(x - s))^2`` with cubic-spline resampling (coarse grid, then bounded refinement), over
    the whole line and over ``segments`` equal column ranges (a scanner whose speed varies along the line
    shifts its lines differently there). Returns (whole-line shift, segment centres in LR px, segment shifts).
    """
    height = mean_frame.shape[0] - (mean_frame.shape[0] % 2)
    even = 0.5 * (mean_frame[0 : height - 2 : 2] + mean_frame[2:height:2])
    odd = mean_frame[1 : height - 1 : 2]
    margin = math.ceil(max_shift) + 2
    coeffs = ndimage.spline_filter1d(even, order=3, axis=1)
    rows = np.arange(even.shape[0], dtype=np.float64)
    inner = np.arange(margin, even.shape[1] - margin, dtype=np.float64)
    whole = _best_shift(odd, coeffs, inner, rows, max_shift)
    centres, shifts = [], []
    for part in np.array_split(inner, segments):
        centres.append(float(part.mean()))
        shifts.append(_best_shift(odd, coeffs, part, rows, max_shift))
    return whole, centres, shifts
