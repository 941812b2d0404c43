"""Phantom of DNA-stained nuclei: rounded, elliptic outlines with chromatin texture, rim and nucleoli (NUC).

Each nucleus is an ellipse whose radius is modulated by low-order angular harmonics. Its interior is
chromatin: a band-passed random texture (fine granules ~0.1 um plus clumps ~0.5 um), a heterochromatin rim
along the nuclear envelope, a few bright chromocentres, and nucleoli, which exclude DNA and so appear as
dark holes with a bright border of perinucleolar heterochromatin (as with Hoechst or DAPI). Nuclei are
placed by dart throwing so that they barely touch, as in a tissue section; where two overlap the brighter
wins rather than adding up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from microsr_bench.simulate._fields import PhantomGrid, smooth_noise
from microsr_bench.simulate._numerics import FloatArray, quantise
from microsr_bench.simulate.phantom_params import NucleiParams

#: Soft edge of the nuclear envelope (anti-aliasing), micrometres.
_EDGE_UM = 0.05
#: Width of the heterochromatin rim, micrometres.
_RIM_UM = 0.25


def _place(p: NucleiParams, grid: PhantomGrid, rng: np.random.Generator) -> list[tuple[float, float, float]]:
    """Centres and mean radii of nuclei, by dart throwing with a minimum distance of 0.9 (r_i + r_j)."""
    height, width = grid.extent_um
    mean_d = math.sqrt(p.diameter_um[0] * p.diameter_um[1])
    target = max(1, round(p.coverage * height * width / (math.pi * mean_d**2 / 4.0)))
    placed: list[tuple[float, float, float]] = []
    for _ in range(30 * target):
        if len(placed) == target:
            break
        y, x = rng.uniform(0.0, height), rng.uniform(0.0, width)
        r = rng.uniform(*p.diameter_um) / 2.0
        if all((y - py) ** 2 + (x - px) ** 2 >= (0.9 * (r + pr)) ** 2 for py, px, pr in placed):
            placed.append((y, x, r))
    return placed


def render_nuclei(p: NucleiParams, grid: PhantomGrid, rng: np.random.Generator) -> FloatArray:
    """Fluorophore density of DNA-stained nuclei on ``grid`` (arbitrary units, ~1 in the interior)."""
    h = grid.spacing_um
    fine = ndimage.gaussian_filter(rng.standard_normal(grid.shape), 0.1 / h, mode="wrap")
    fine *= 2.0 * math.sqrt(math.pi) * 0.1 / h
    texture = quantise(0.6 * fine + 0.8 * smooth_noise(rng, grid, 0.5))
    density = np.zeros(grid.shape)
    for y, x, r in _place(p, grid, rng):
        _draw_nucleus(p, grid, density, texture, (y, x, r), rng)
    return density


@dataclass(frozen=True)
class _Ellipse:
    """A nucleus' frame: centre (um), semi-axes a (along the rotated u axis) and b, rotation phi."""

    cy: float
    cx: float
    a: float
    b: float
    phi: float

    def point(self, r: float, t: float) -> tuple[float, float]:
        """Grid position (y, x) in um of the point at relative radius r and angle t inside the ellipse."""
        nu, nv = r * math.cos(t) * self.a, r * math.sin(t) * self.b
        c, s = math.cos(self.phi), math.sin(self.phi)
        return self.cy + nu * s + nv * c, self.cx + nu * c - nv * s


def _draw_nucleus(
    p: NucleiParams,
    grid: PhantomGrid,
    density: FloatArray,
    texture: FloatArray,
    centre: tuple[float, float, float],
    rng: np.random.Generator,
) -> None:
    """Render one nucleus into ``density`` (maximum with what is there)."""
    cy, cx, radius = centre
    aspect = rng.uniform(1.0, p.max_aspect)
    shape = _Ellipse(cy, cx, radius * math.sqrt(aspect), radius / math.sqrt(aspect), rng.uniform(0.0, math.pi))
    orders = np.arange(2, 6)
    amplitude = p.irregularity * rng.normal(0.0, 1.0, orders.size) / np.sqrt(orders - 1)
    phase = rng.uniform(0.0, 2 * math.pi, orders.size)
    brightness = rng.lognormal(-(p.brightness_sigma**2) / 2, p.brightness_sigma)

    a, b, c, s = shape.a, shape.b, math.cos(shape.phi), math.sin(shape.phi)
    grow = 1.0 + 3.0 * p.irregularity
    everywhere = (slice(0, grid.shape[0]), slice(0, grid.shape[1]))
    box = _box(grid, everywhere, cy, cx, (math.hypot(a * s, b * c) * grow + 0.3, math.hypot(a * c, b * s) * grow + 0.3))
    if box is None:
        return
    dy, dx = _offsets(grid, box, cy, cx)
    u = (dx * c + dy * s) / a
    v = (-dx * s + dy * c) / b
    theta = np.arctan2(v, u)
    outline = 1.0 + np.sum(amplitude[:, None, None] * np.cos(orders[:, None, None] * theta + phase[:, None, None]), 0)
    depth = (1.0 - np.sqrt(u * u + v * v) / outline) * math.sqrt(a * b)  # ~distance inside the envelope, um
    inside = np.clip(depth / _EDGE_UM + 0.5, 0.0, 1.0)
    rim = p.rim_contrast * np.exp(-(np.maximum(depth, 0.0) ** 2) / (2 * _RIM_UM**2))
    chromatin = np.clip(1.0 + p.texture_contrast * texture[box], 0.1, None) + rim
    _add_spots(p, grid, shape, box, chromatin, rng)
    nucleus = quantise(brightness * inside * chromatin)
    np.maximum(density[box], nucleus, out=density[box])


def _add_spots(
    p: NucleiParams,
    grid: PhantomGrid,
    shape: _Ellipse,
    box: tuple[slice, slice],
    chromatin: FloatArray,
    rng: np.random.Generator,
) -> None:
    """Nucleoli (DNA-free holes, 0.5-1.1 um, with a perinucleolar rim) and chromocentres (bright foci)."""
    n_nucleoli = int(rng.integers(p.nucleoli[0], p.nucleoli[1] + 1))
    n_foci = int(rng.poisson(3.0))
    for k in range(n_nucleoli + n_foci):
        nucleolus = k < n_nucleoli
        size = rng.uniform(0.5, 1.1) if nucleolus else rng.uniform(0.5, 1.2)
        sy, sx = shape.point((0.55 if nucleolus else 0.8) * math.sqrt(rng.random()), rng.uniform(0.0, 2 * math.pi))
        reach = size + 0.6 if nucleolus else 0.8
        window = _box(grid, box, sy, sx, (reach, reach))
        if window is None:
            continue
        wy, wx = _offsets(grid, window, sy, sx)
        local = tuple(slice(w.start - o.start, w.stop - o.start) for w, o in zip(window, box, strict=True))
        if nucleolus:
            gap = np.sqrt(wy * wy + wx * wx) - size
            hole = np.clip(0.5 - gap / 0.1, 0.0, 1.0)
            chromatin[local] = chromatin[local] * (1.0 - 0.8 * hole) + 0.6 * np.exp(-(gap**2) / (2 * 0.12**2))
        else:
            chromatin[local] += size * np.exp(-(wy * wy + wx * wx) / (2 * 0.2**2))


def _box(
    grid: PhantomGrid, bounds: tuple[slice, slice], cy: float, cx: float, reach: tuple[float, float]
) -> tuple[slice, slice] | None:
    """Grid slices covering a rectangle around (cy, cx) um, clipped to ``bounds``; None when empty."""
    h = grid.spacing_um
    r0 = max(bounds[0].start, math.floor((cy - reach[0]) / h))
    r1 = min(bounds[0].stop, math.ceil((cy + reach[0]) / h) + 1)
    c0 = max(bounds[1].start, math.floor((cx - reach[1]) / h))
    c1 = min(bounds[1].stop, math.ceil((cx + reach[1]) / h) + 1)
    return None if r0 >= r1 or c0 >= c1 else (slice(r0, r1), slice(c0, c1))


def _offsets(grid: PhantomGrid, box: tuple[slice, slice], cy: float, cx: float) -> tuple[FloatArray, FloatArray]:
    """Offsets in um of the box's grid points from (cy, cx), as a column and a row for broadcasting."""
    rows = np.arange(box[0].start, box[0].stop)[:, None] * grid.spacing_um - cy
    cols = np.arange(box[1].start, box[1].stop)[None, :] * grid.spacing_um - cx
    return rows, cols
