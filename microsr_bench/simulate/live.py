"""Simulator 2.0: one field as a time series, scanned line by line through moving optics and an analog chain.

:func:`build_live_model` draws everything a field shares (its content, motion, focus drift, scan calibration,
line shift, depth) and blurs the content once; :func:`acquire_live_hr` and :func:`acquire_live_lr` then sample
it along the scan: every line at its own time (:mod:`.motion`), every pixel where the scanner points minus
where the sample has moved, the focus mixing in defocus blur, then the analog chain (:mod:`.analog`).
Random streams: ``variety``, ``phantom``, ``background``, ``motion``, ``geometry``, ``hr`` and ``lr/<k>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft
from numpy.typing import NDArray

from microsr_bench.simulate._fields import PhantomGrid, smooth_noise
from microsr_bench.simulate._numerics import FloatArray, quantise, quantise_scalar, stream
from microsr_bench.simulate.analog import ChainSettings, chain_settings, digitise_analog
from microsr_bench.simulate.live_optics import (
    DEFOCUS_REF_UM,
    LayerImages,
    blur_layers,
    draw_depth,
    haze_layer,
    vignetting,
)
from microsr_bench.simulate.live_params import LiveParams
from microsr_bench.simulate.motion import MotionModel, Timeline, draw_motion, timeline
from microsr_bench.simulate.optics import FieldLayout
from microsr_bench.simulate.params import SimulationParams
from microsr_bench.simulate.phantoms import render_phantom
from microsr_bench.simulate.variety import vary_phantom

__all__ = ["LiveModel", "acquire_live_hr", "acquire_live_lr", "build_live_model", "expected_live_hr"]


@dataclass(frozen=True, eq=False)
class _Lattice:
    """Where one acquisition's pixels point on the sample (field um) and what they need per pixel."""

    y: FloatArray
    x: FloatArray
    #: Motion fields sampled at the lattice (see :meth:`MotionModel.sample`).
    fields: dict[str, tuple[FloatArray, FloatArray]]
    #: Relative sensitivity (vignetting) per pixel.
    sensitivity: FloatArray
    chain: ChainSettings
    #: Expected dark counts per pixel.
    dark: float


@dataclass(frozen=True, eq=False)
class LiveModel:
    """The shared, noiseless part of one 2.0 field."""

    params: SimulationParams
    live: LiveParams
    layout: FieldLayout
    #: Layer 0 static (with haze and autofluorescence), layer 1 motile organelles if any; in HR photo-electrons.
    layers: list[LayerImages]
    motion: MotionModel
    times: Timeline
    hr: _Lattice
    lr: _Lattice
    line_shift_px: FloatArray


#: Margin around the field of view on the phantom grid, micrometres: the PSF's reach plus what motion,
#: calibration and line shift can move a sample point by over the time line at the defaults (a few um).
#: It is fixed, not derived from the parameters, so that switching an effect on or off never changes the
#: grid and hence the content; rarer excursions sample the clamped edge of the margin.
MARGIN_UM = 4.5


def _layout(hr_shape: tuple[int, int], params: SimulationParams) -> FieldLayout:
    """The phantom grid of a 2.0 field: a fixed margin of ``MARGIN_UM`` around the field of view."""
    pixel = params.optics.hr_pixel_size_um
    margin = math.ceil(MARGIN_UM / pixel)
    s = params.optics.oversampling
    points = tuple(scipy.fft.next_fast_len(s * (n + 2 * margin), real=True) for n in hr_shape)
    return FieldLayout(hr_shape, s, margin, PhantomGrid((points[0], points[1]), pixel / s))


def _content(name: str, index: int, params: SimulationParams, live: LiveParams, layout: FieldLayout) -> FloatArray:
    phantom = vary_phantom(params.phantom, live.variety, stream(name, index, "variety"))
    return render_phantom(phantom, layout.grid, stream(name, index, "phantom"))


def _photons(
    layers: list[LayerImages],
    layout: FieldLayout,
    params: SimulationParams,
    brightness: float,
    rng: np.random.Generator,
) -> list[LayerImages]:
    """Scale the layers to HR photo-electrons (99.9th percentile = peak) and add autofluorescence to layer 0."""
    s, o = layout.oversampling, layout.origin
    height, width = layout.hr_shape
    centres = np.s_[o + s // 2 : o + s * height : s, o + s // 2 : o + s * width : s]
    structure = sum(layer.hr[..., 0][centres].astype(np.float64) for layer in layers)
    reference = float(np.percentile(structure, 99.9)) or 1.0
    peak = params.signal.peak_photons_hr * rng.lognormal(0.0, params.signal.field_brightness_sigma)
    scale = quantise_scalar(peak * brightness / reference)
    bg = params.background
    texture = smooth_noise(rng, layout.grid, bg.autofluorescence_scale_um)
    auto = quantise(bg.autofluorescence * peak * np.maximum(1.0 + bg.autofluorescence_variation * texture, 0.0))
    out = []
    for index, layer in enumerate(layers):
        # Autofluorescence belongs to the static layer 0 only.
        weight = 1.0 if index == 0 else 0.0
        hr = quantise(scale * layer.hr.astype(np.float64) + weight * auto[..., None])
        lr = quantise(scale * layer.lr.astype(np.float64) + weight * auto)
        out.append(LayerImages(hr=hr.astype(np.float32), lr=lr.astype(np.float32)))
    return out


def _lattices(
    params: SimulationParams, live: LiveParams, layout: FieldLayout, rng: np.random.Generator
) -> tuple[tuple[FloatArray, FloatArray], tuple[FloatArray, FloatArray], FloatArray]:
    """HR and LR pixel positions (field um) and the backward lines' shift profile (LR px): the calibration
    mismatch (scale, rotation, offset about the field centre) and the line phase are drawn here."""
    p = params.optics.hr_pixel_size_um
    height, width = layout.hr_shape
    hy, hx = np.meshgrid((np.arange(height) + 0.5) * p, (np.arange(width) + 0.5) * p, indexing="ij")
    ly, lx = np.meshgrid((2 * np.arange(height // 2) + 1.0) * p, (2 * np.arange(width // 2) + 1.0) * p, indexing="ij")
    cal, scan = live.calibration, params.lr_scan
    phase = scan.line_phase_px + scan.line_phase_spread_px * rng.uniform(-1.0, 1.0)
    scale = 1.0 + cal.scale + cal.scale_spread * rng.standard_normal()
    angle = math.radians(cal.rotation_deg + cal.rotation_spread_deg * rng.standard_normal())
    oy = cal.offset_um[0] + cal.offset_spread_um * rng.standard_normal()
    ox = cal.offset_um[1] + cal.offset_spread_um * rng.standard_normal()
    cy, cx = height * p / 2.0, width * p / 2.0
    cos, sin = quantise_scalar(scale * math.cos(angle)), quantise_scalar(scale * math.sin(angle))
    y = cy + oy + cos * (ly - cy) + sin * (lx - cx)
    x = cx + ox - sin * (ly - cy) + cos * (lx - cx)
    u = (np.arange(width // 2) + 0.5) / (width // 2)
    shift = quantise(phase + live.lr_chain.line_shift_edge_px * (2.0 * u - 1.0) ** 2)
    return (hy, hx), (quantise(y), quantise(x)), shift


def build_live_model(
    name: str, index: int, hr_shape: tuple[int, int], frames: int, params: SimulationParams
) -> LiveModel:
    """Everything a 2.0 field shares between its HR image and its LR frames."""
    live = params.live
    if live is None:
        raise ValueError("build_live_model needs SimulationParams.live (simulator 2.0 parameters).")
    times = timeline(live.timing, frames, hr_shape[0] // 2, hr_shape[0])
    layout = _layout(hr_shape, params)
    density = _content(name, index, params, live, layout)
    geometry = stream(name, index, "geometry")
    depth = draw_depth(params, live.optics, geometry)
    motion = draw_motion(
        live.motion, layout.grid, layout.margin * layout.hr_pixel_um, times.end_s, stream(name, index, "motion")
    )
    parts = (
        [density]
        if motion.motile_mask is None
        else [quantise(density * (1.0 - motion.motile_mask)), quantise(density * motion.motile_mask)]
    )
    layers = blur_layers(parts, haze_layer(density, live.optics.haze_fraction), layout, live.optics, depth)
    layers = _photons(layers, layout, params, depth.brightness, stream(name, index, "background"))
    hr_pos, lr_pos, shift = _lattices(params, live, layout, geometry)
    extent = (hr_shape[0] * layout.hr_pixel_um, hr_shape[1] * layout.hr_pixel_um)
    top = params.detector.saturation_level
    dark = params.detector.dark_count_rate_hz * 1e-6

    def lattice(pos: tuple[FloatArray, FloatArray], chain: ChainSettings, dwell: float) -> _Lattice:
        return _Lattice(
            pos[0],
            pos[1],
            motion.sample(*pos),
            vignetting(*pos, extent, live.optics.vignetting),
            chain,
            quantise_scalar(dark * dwell),
        )

    hr_dwell, lr_dwell = params.hr_scan.pixel_dwell_us, params.lr_scan.pixel_dwell_us
    hr_chain = chain_settings(live.hr_chain, live.pmt, hr_dwell, bidirectional=False, saturation=top)
    lr_chain = chain_settings(live.lr_chain, live.pmt, lr_dwell, bidirectional=True, saturation=top)
    return LiveModel(
        params,
        live,
        layout,
        layers,
        motion,
        times,
        lattice(hr_pos, hr_chain, hr_dwell),
        lattice(lr_pos, lr_chain, lr_dwell),
        shift,
    )


def _gather(image: FloatArray, rows: FloatArray, cols: FloatArray) -> FloatArray:
    """Bilinear samples of a float32 grid image ``[R, C]`` or ``[R, C, k]`` at fractional (row, column) indices,
    clamped inside the grid; returns float32 of ``rows.shape`` or ``rows.shape + (k,)``.

    float32 throughout (the images are float32 and the indices exact multiples of 2**-16): half the memory
    traffic of float64, and IEEE arithmetic without transcendentals is the same on every machine.
    """
    height, width = image.shape[:2]
    rows = np.clip(rows, 0.0, height - 1.0)
    cols = np.clip(cols, 0.0, width - 1.0)
    r0 = np.minimum(rows.astype(np.intp), height - 2)
    c0 = np.minimum(cols.astype(np.intp), width - 2)
    fr, fc = (rows - r0).astype(np.float32), (cols - c0).astype(np.float32)
    if image.ndim == 3:
        fr, fc = fr[..., None], fc[..., None]
    values = image.reshape(height * width, *image.shape[2:])
    flat = r0 * width + c0
    left, right = values[flat], values[flat + 1]
    top = left + fc * (right - left)
    left, right = values[flat + width], values[flat + width + 1]
    bottom = left + fc * (right - left)
    return top + fr * (bottom - top)


def _sample(model: LiveModel, y: FloatArray, x: FloatArray, fields: dict, times: FloatArray, hr: bool) -> FloatArray:
    """Expected photo-electrons (before dwell scaling) of pixels at field positions ``y, x`` scanned at ``times``;
    HR lines mix in the defocus blur of the focus drift, LR frames are sampled in focus (see LayerImages)."""
    layout = model.layout
    spacing, origin = layout.grid.spacing_um, float(layout.origin)
    total = np.zeros(y.shape)
    for motile, layer in enumerate(model.layers):
        dy, dx = model.motion.displacement(fields, times, motile=bool(motile))
        rows = quantise(origin + (y - dy) / spacing)
        cols = quantise(origin + (x - dx) / spacing)
        if hr:
            z = model.motion.focus_um(times)
            w = quantise(np.minimum((z / DEFOCUS_REF_UM) ** 2, 1.0))[:, None]
            pair = _gather(layer.hr, rows, cols).astype(np.float64)
            total += pair[..., 0] + w * (pair[..., 1] - pair[..., 0])
        else:
            total += _gather(layer.lr, rows, cols)
    return np.maximum(total, 0.0)


def _bleach(model: LiveModel, frame: int, frames: int) -> float:
    """Fluorescence left at LR ``frame`` (``frame = frames``: after the burst, when the HR scan starts)."""
    progress = min(frame / max(frames - 1, 1), 1.0)
    return quantise_scalar((1.0 - model.params.stack.bleach_fraction) ** progress)


def expected_live_hr(model: LiveModel, frames: int) -> FloatArray:
    """Expected photo-electrons of the HR image (noiseless): the slow scan, line i at its own time, after the
    burst of ``frames`` frames has bleached the field; dark counts included."""
    lat = model.hr
    expected = _sample(model, lat.y, lat.x, lat.fields, model.times.hr_lines, hr=True)
    return quantise(expected * lat.sensitivity * _bleach(model, frames, frames) + lat.dark)


def acquire_live_hr(model: LiveModel, frames: int, rng: np.random.Generator) -> NDArray[np.uint16]:
    """The HR image: :func:`expected_live_hr` through the HR analog chain."""
    return digitise_analog(expected_live_hr(model, frames), model.hr.chain, rng)


def acquire_live_lr(model: LiveModel, frame: int, frames: int, rng: np.random.Generator) -> NDArray[np.uint16]:
    """LR frame ``frame``: bidirectional fast scan; backward lines shifted along x by the line-shift profile."""
    lat = model.lr
    lines = lat.y.shape[0]
    jitter = model.params.lr_scan.line_jitter_px * np.asarray(rng.standard_normal(lines))
    shift = jitter[:, None] + model.line_shift_px[None, :] * (np.arange(lines) % 2)[:, None]
    x = quantise(lat.x + shift * 2.0 * model.params.optics.hr_pixel_size_um)
    expected = _sample(model, lat.y, x, lat.fields, model.times.lr_lines[frame], hr=False)
    factor = model.params.dwell_ratio * _bleach(model, frame, frames)
    expected = quantise(expected * lat.sensitivity * factor + lat.dark)
    return digitise_analog(expected, lat.chain, rng)
