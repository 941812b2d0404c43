"""HR and LR acquisition of one field: photon budget, background, scan geometry, drift, bleaching, detector.

HR: the blurred phantom with the HR pixel box, sampled at the HR pixel centres, scaled so that the 99.9th
percentile of the structure gives ``peak_photons_hr`` photo-electrons (times a per-field brightness), plus
autofluorescence and dark counts, then digitised (:mod:`.detector`).

LR: the same field seen with the LR pixel box (2p), at half the sampling and ``lr_dwell / hr_dwell`` of the
photons per pixel (an LR pixel sees the same photon flux for a 63x shorter time; its larger size does not
add photons because the beam only sweeps along its line). Each frame samples that image at positions moved
by the stack's drift; odd lines, scanned backwards, are displaced along x by the line phase error, and every
line by an independent jitter (comb artefact on vertical edges). Fluorescence decays by photobleaching over
the stack; the noise of each frame is drawn from the frame's own stream, so frames are independent and can
be regenerated alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.simulate._fields import smooth_noise
from microsr_bench.simulate._numerics import FloatArray, quantise, quantise_scalar, snap
from microsr_bench.simulate.detector import digitise
from microsr_bench.simulate.optics import FieldLayout, blurred_images
from microsr_bench.simulate.params import SimulationParams

__all__ = [
    "FieldModel",
    "StackGeometry",
    "acquire_hr",
    "acquire_lr_frame",
    "build_field_model",
    "draw_stack_geometry",
    "sample_lattice",
]


@dataclass(frozen=True, eq=False)
class StackGeometry:
    """Scan geometry shared by the frames of one stack."""

    #: Displacement of backward (odd) lines along x, in LR pixels.
    line_phase_px: float
    #: Sample position relative to the HR acquisition, per frame, ``[frames, 2]`` as (dy, dx) micrometres.
    drift_um: FloatArray


@dataclass(frozen=True, eq=False)
class FieldModel:
    """The noiseless expectation of one field, computed once and shared by its HR image and LR frames."""

    layout: FieldLayout
    #: Expected HR photo-electrons per pixel ``[H, W]``, background and dark counts included.
    hr_expected: FloatArray
    #: Expected LR photo-electrons per LR dwell on the phantom grid, float32 (no dark counts, no bleaching).
    lr_rate: FloatArray


def draw_stack_geometry(params: SimulationParams, rng: np.random.Generator, frames: int) -> StackGeometry:
    """Line phase of this field and a drift path: a straight line of ``drift_um`` in a random direction
    over the stack plus independent vibration (clipped at 3 sigma), so ``|drift| <= drift_um + 3 sqrt(2) sigma``.
    """
    scan, stack = params.lr_scan, params.stack
    phase = scan.line_phase_px + scan.line_phase_spread_px * rng.uniform(-1.0, 1.0)
    direction = rng.uniform(0.0, 2.0 * math.pi)
    progress = np.arange(frames) / max(frames - 1, 1)
    line = stack.drift_um * progress[:, None] * np.array([math.sin(direction), math.cos(direction)])
    shake = stack.vibration_um * np.clip(rng.standard_normal((frames, 2)), -3.0, 3.0)
    return StackGeometry(line_phase_px=quantise_scalar(phase), drift_um=quantise(line + shake))


def build_field_model(
    density: FloatArray, layout: FieldLayout, params: SimulationParams, rng: np.random.Generator
) -> FieldModel:
    """Blur the phantom, set the photon budget and add the background (``rng``: the field's background stream)."""
    hr_image, lr_image = blurred_images(density, layout, params)
    s, o = layout.oversampling, layout.origin
    height, width = layout.hr_shape
    centres = np.s_[o + s // 2 : o + s * height : s, o + s // 2 : o + s * width : s]
    structure = hr_image[centres]
    reference = float(np.percentile(structure, 99.9))
    if reference <= 0.0:
        reference = 1.0  # an empty field: only background and noise
    brightness = rng.lognormal(0.0, params.signal.field_brightness_sigma)
    peak = params.signal.peak_photons_hr * brightness
    scale = quantise_scalar(peak / reference)

    bg = params.background
    texture = smooth_noise(rng, layout.grid, bg.autofluorescence_scale_um)
    modulation = np.maximum(1.0 + bg.autofluorescence_variation * texture, 0.0)
    autofluorescence = quantise(bg.autofluorescence * peak * modulation)
    dark_hr = params.detector.dark_count_rate_hz * params.hr_scan.pixel_dwell_us * 1e-6
    hr_expected = quantise(scale * structure + autofluorescence[centres] + dark_hr)
    # float32 halves the per-frame memory traffic; it holds multiples of 2**-16 exactly below 128 photo-electrons
    # (any sane budget) and rounds larger values deterministically.
    lr_rate = quantise((scale * lr_image + autofluorescence) * params.dwell_ratio).astype(np.float32)
    return FieldModel(layout=layout, hr_expected=hr_expected, lr_rate=lr_rate)


def acquire_hr(model: FieldModel, params: SimulationParams, rng: np.random.Generator) -> NDArray[np.uint16]:
    """The HR image: unidirectional slow scan of the expected image, digitised with the HR settings."""
    return digitise(model.hr_expected, params.hr_scan, params.detector, rng)


def _keys(t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Weights of the cubic convolution kernel (Keys 1981, a = -0.5) for taps -1, 0, 1, 2 at offset t in [0, 1)."""
    return (
        ((-0.5 * t + 1.0) * t - 0.5) * t,
        (1.5 * t - 2.5) * t * t + 1.0,
        ((-1.5 * t + 2.0) * t + 0.5) * t,
        (0.5 * t - 0.5) * t * t,
    )


def sample_lattice(image: FloatArray, rows: tuple[float, int, int], cols: tuple[FloatArray, int, int]) -> FloatArray:
    """Cubic-convolution samples of ``image`` on a scanned lattice, in the image's dtype.

    ``rows = (start, step, count)``: line j lies at row ``start + step * j`` (one sub-pixel offset for the whole
    frame, as drift moves the whole frame). ``cols = (starts, step, count)``: on line j the samples lie at
    columns ``starts[j] + step * i`` (a per-line offset: line phase and jitter). Separable, rows then columns,
    with strided views rather than gathers; coordinates beyond the image are clamped to its edge.
    """
    row_start, row_step, n_rows = rows
    col_starts, col_step, n_cols = cols
    r0 = math.floor(row_start)
    c0 = np.floor(col_starts).astype(np.intp)
    lo_r, hi_r = r0 - 1, r0 + 2 + row_step * (n_rows - 1)
    lo_c, hi_c = int(c0.min()) - 1, int(c0.max()) + 2 + col_step * (n_cols - 1)
    pad = ((max(0, -lo_r), max(0, hi_r - image.shape[0] + 1)), (max(0, -lo_c), max(0, hi_c - image.shape[1] + 1)))
    if any(any(p) for p in pad):
        image = np.pad(image, pad, mode="edge")
        r0, c0, lo_c, hi_c = r0 + pad[0][0], c0 + pad[1][0], lo_c + pad[1][0], hi_c + pad[1][0]
    dtype = image.dtype.type
    line = np.zeros((n_rows, hi_c - lo_c + 1), dtype=image.dtype)
    for k, w in enumerate(_keys(np.array(row_start - math.floor(row_start)))):
        first = r0 - 1 + k
        line += dtype(w) * image[first : first + row_step * (n_rows - 1) + 1 : row_step, lo_c : hi_c + 1]
    weights = _keys((col_starts - np.floor(col_starts)).astype(image.dtype))
    base = (c0 - lo_c - 1)[:, None] + col_step * np.arange(n_cols) + (line.shape[1] * np.arange(n_rows))[:, None]
    out = np.zeros((n_rows, n_cols), dtype=image.dtype)
    flat = line.ravel()
    for k, w in enumerate(weights):
        out += w[:, None] * flat[base + k]
    return out


def bleaching(params: SimulationParams, frame: int, frames: int) -> float:
    """Fraction of the initial fluorescence left at ``frame``: exponential decay losing ``bleach_fraction``
    between the first and the last frame of the stack."""
    progress = frame / max(frames - 1, 1)
    return quantise_scalar((1.0 - params.stack.bleach_fraction) ** progress)


def lr_expected(
    image: FloatArray,
    origin: tuple[float, float],
    spacing_um: float,
    params: SimulationParams,
    lr_shape: tuple[int, int],
    geometry: StackGeometry,
    frame: int,
    frames: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Expected LR photo-electrons of one frame: sample ``image`` (LR rate, grid index = origin + um / spacing)
    at the frame's LR pixel centres, with drift, line phase and fresh per-line jitter drawn from ``rng``."""
    pixel = 2.0 * params.optics.hr_pixel_size_um
    step = round(pixel / spacing_um)
    height, width = lr_shape
    jitter = params.lr_scan.line_jitter_px * rng.standard_normal(height)
    shift = jitter + geometry.line_phase_px * (np.arange(height) % 2)
    dy, dx = geometry.drift_um[frame]
    row_start = snap(origin[0] + (0.5 * pixel + float(dy)) / spacing_um)
    col_starts = quantise(origin[1] + (0.5 * pixel + float(dx) + shift * pixel) / spacing_um)
    values = sample_lattice(image, (row_start, step, height), (col_starts, step, width)).astype(np.float64)
    dark = params.detector.dark_count_rate_hz * params.lr_scan.pixel_dwell_us * 1e-6
    return quantise(np.maximum(values, 0.0) * bleaching(params, frame, frames) + dark)


def acquire_lr_frame(
    model: FieldModel,
    params: SimulationParams,
    geometry: StackGeometry,
    frame: int,
    frames: int,
    rng: np.random.Generator,
) -> NDArray[np.uint16]:
    """One video-rate frame of the field (``rng``: that frame's own stream)."""
    layout = model.layout
    lr_shape = (layout.hr_shape[0] // 2, layout.hr_shape[1] // 2)
    origin = (float(layout.origin), float(layout.origin))
    expected = lr_expected(
        model.lr_rate, origin, layout.grid.spacing_um, params, lr_shape, geometry, frame, frames, rng
    )
    return digitise(expected, params.lr_scan, params.detector, rng)


def check_frame(frame: object, frames: object) -> None:
    """Raise :class:`InvalidArgumentError` unless ``frames >= 1`` and ``0 <= frame < frames`` (ints)."""
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 1:
        raise InvalidArgumentError(f"frames must be a positive int (the stack length), got {frames!r}.")
    if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)) or not 0 <= frame < frames:
        raise InvalidArgumentError(
            f"frame must be an int in [0, {int(frames) - 1}] for a stack of {frames} frames, got {frame!r}."
        )
