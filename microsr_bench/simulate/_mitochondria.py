"""Phantom of mitochondrial networks: branching, curved, filled tubes in the cytoplasm of cells (MITO, MPM).

Cells sit on a jittered hexagonal lattice; each has a dark nuclear void and a cytoplasm whose mitochondrial
density is highest next to the nucleus and falls towards the cell edge (perinuclear clustering). Tubes grow
as worm-like chains (2-D persistence length ``persistence_um``) from seeds drawn in proportion to that density,
start roughly radial to the nucleus, stop at their drawn length or where the cytoplasm ends, and carry side
branches. A filled tube of diameter d seen in a thick optical section has a chord-length cross-section
profile whose variance is (d / 4)^2; it is rendered as a Gaussian of that sigma with a line density
proportional to the cross-section area, so thicker tubes are brighter, as they are under the microscope.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from microsr_bench.simulate._fields import PhantomGrid, coarse_shape, sample_bilinear, splat
from microsr_bench.simulate._numerics import FloatArray, quantise
from microsr_bench.simulate.phantom_params import MitochondriaParams

#: Spacing of the coarse map of cytoplasm density, micrometres.
_MAP_SPACING_UM = 0.25
#: Tubes end where the cytoplasm density falls below this.
_INSIDE = 0.05
#: Tube diameters are grouped into this many classes, each blurred once.
_DIAMETER_CLASSES = 3


def _cytoplasm_map(p: MitochondriaParams, grid: PhantomGrid, rng: np.random.Generator) -> tuple[FloatArray, ...]:
    """Coarse map of mitochondrial density in [0, 1], and per map point the centre of its cell's nucleus.

    Each map point belongs to the nearest cell centre. A cell is drawn only in a window of 1.5 radii around
    its centre: a point farther than that from the nearest centre lies outside every cell (radii vary by
    at most 1.15 / 0.85 < 1.5), so the windows change nothing but the cost.
    """
    shape = coarse_shape(grid, _MAP_SPACING_UM)
    spacing = p.cell_diameter_um * 1.05
    row_step = spacing * math.sqrt(3.0) / 2.0
    n_rows = math.ceil(grid.extent_um[0] / row_step) + 3
    n_cols = math.ceil(grid.extent_um[1] / spacing) + 3
    best = np.full(shape, np.inf)
    density = np.zeros(shape)
    nuc_y = np.zeros(shape)
    nuc_x = np.zeros(shape)
    for r in range(n_rows):
        for c in range(n_cols):
            cy = (r - 1.0) * row_step + rng.uniform(-0.25, 0.25) * spacing
            cx = (c - 1.0 + 0.5 * (r % 2)) * spacing + rng.uniform(-0.25, 0.25) * spacing
            radius = 0.5 * p.cell_diameter_um * rng.uniform(0.85, 1.15)
            # The nucleus sits off-centre and is elliptic, as in spread cultured cells.
            ny, nx = cy + rng.uniform(-0.15, 0.15) * radius, cx + rng.uniform(-0.15, 0.15) * radius
            na, nb, phi = radius * rng.uniform(0.32, 0.42), radius * rng.uniform(0.26, 0.34), rng.uniform(0, np.pi)
            r0, r1 = (
                max(0, math.floor((cy - 1.5 * radius) / _MAP_SPACING_UM)),
                math.ceil((cy + 1.5 * radius) / _MAP_SPACING_UM),
            )
            c0, c1 = (
                max(0, math.floor((cx - 1.5 * radius) / _MAP_SPACING_UM)),
                math.ceil((cx + 1.5 * radius) / _MAP_SPACING_UM),
            )
            win = np.s_[r0 : max(r0, min(r1, shape[0])), c0 : max(c0, min(c1, shape[1]))]
            y = np.arange(shape[0])[win[0], None] * _MAP_SPACING_UM
            x = np.arange(shape[1])[None, win[1]] * _MAP_SPACING_UM
            if y.size == 0 or x.size == 0:
                continue
            dist = np.sqrt((y - cy) ** 2 + (x - cx) ** 2)
            mine = dist < best[win]
            best[win] = np.where(mine, dist, best[win])
            u = ((x - nx) * math.cos(phi) + (y - ny) * math.sin(phi)) / na
            v = (-(x - nx) * math.sin(phi) + (y - ny) * math.cos(phi)) / nb
            # 0 inside the nucleus, ramping up over 0.5 um, decaying towards the cell edge.
            gap = (np.sqrt(u * u + v * v) - 1.0) * min(na, nb)
            edge = np.clip((radius - dist) / 1.5, 0.0, 1.0)
            cell = np.clip(gap / 0.5, 0.0, 1.0) * np.exp(-np.maximum(gap, 0.0) / (0.45 * radius)) * edge
            density[win] = np.where(mine, cell, density[win])
            nuc_y[win] = np.where(mine, ny, nuc_y[win])
            nuc_x[win] = np.where(mine, nx, nuc_x[win])
    return quantise(density), nuc_y, nuc_x


def _grow(
    p: MitochondriaParams,
    cytoplasm: FloatArray,
    start: tuple[FloatArray, FloatArray, FloatArray],
    lengths: FloatArray,
    step: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, FloatArray, np.ndarray]:
    """Grow worm-like chains from (y, x, angle); returns point coordinates, angles and the alive mask."""
    y0, x0, angle0 = start
    n_steps = max(1, math.ceil(float(lengths.max(initial=step)) / step))
    # 2-D worm-like chain: angle increments with variance step / persistence length.
    turns = rng.normal(0.0, math.sqrt(step / p.persistence_um), (y0.size, n_steps))
    turns[:, 0] = 0.0
    angle = quantise(angle0[:, None] + np.cumsum(turns, axis=1))
    y = quantise(y0[:, None] + step * np.cumsum(np.sin(angle), axis=1))
    x = quantise(x0[:, None] + step * np.cumsum(np.cos(angle), axis=1))
    inside = sample_bilinear(cytoplasm, _MAP_SPACING_UM, y.ravel(), x.ravel()).reshape(y.shape) > _INSIDE
    alive = np.logical_and.accumulate(inside, axis=1) & (np.arange(n_steps) * step < lengths[:, None])
    return y, x, angle, alive


def _lengths(p: MitochondriaParams, n: int, rng: np.random.Generator) -> FloatArray:
    """Tube lengths: log-normal around the mean for networks, 0.4-1.2 um for fragments."""
    sigma = 0.6
    mu = math.log(p.mean_length_um) - sigma**2 / 2
    lengths = np.minimum(rng.lognormal(mu, sigma, n), 5.0 * p.mean_length_um)
    fragments = rng.random(n) < p.fragment_fraction
    return np.where(fragments, rng.uniform(0.4, 1.2, n), lengths)


def _seeds(
    p: MitochondriaParams, maps: tuple[FloatArray, ...], rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Start points drawn in proportion to the cytoplasm density, headed roughly away from/towards the nucleus."""
    density, nuc_y, nuc_x = maps
    total_length = p.network_density_per_um * float(density.sum()) * _MAP_SPACING_UM**2
    mean_tube = p.mean_length_um * (1.0 - p.fragment_fraction) + 0.8 * p.fragment_fraction
    n = max(1, round(total_length / (mean_tube * (1.0 + 0.5 * p.branch_probability))))
    flat = rng.choice(density.size, size=n, p=(density / density.sum()).ravel())
    r, c = np.divmod(flat, density.shape[1])
    y = (r + rng.uniform(-0.5, 0.5, n)) * _MAP_SPACING_UM
    x = (c + rng.uniform(-0.5, 0.5, n)) * _MAP_SPACING_UM
    radial = np.arctan2(y - nuc_y[r, c], x - nuc_x[r, c])
    angle = radial + rng.normal(0.0, 0.6, n) + np.pi * (rng.random(n) < 0.3)
    return y, x, angle


def render_mitochondria(p: MitochondriaParams, grid: PhantomGrid, rng: np.random.Generator) -> FloatArray:
    """Fluorophore density of a mitochondrial network on ``grid`` (arbitrary units, ~1 on bright tubes)."""
    maps = _cytoplasm_map(p, grid, rng)
    step = grid.spacing_um / 2.0
    y0, x0, a0 = _seeds(p, maps, rng)
    lengths = _lengths(p, y0.size, rng)
    y, x, angle, alive = _grow(p, maps[0], (y0, x0, a0), lengths, step, rng)
    diameter = rng.uniform(*p.tube_diameter_um, y0.size)

    # Side branches leave a parent between 20 % and 80 % of its grown length at 30-70 degrees.
    grown = alive.sum(axis=1)
    parents = np.flatnonzero((rng.random(y0.size) < p.branch_probability) & (grown * step > 0.6))
    at = (grown[parents] * rng.uniform(0.2, 0.8, parents.size)).astype(np.intp)
    side = np.where(rng.random(parents.size) < 0.5, -1.0, 1.0) * rng.uniform(0.5, 1.2, parents.size)
    start = (y[parents, at], x[parents, at], angle[parents, at] + side)
    b_lengths = _lengths(p, parents.size, rng)
    by, bx, _, b_alive = _grow(p, maps[0], start, b_lengths, step, rng)
    b_diameter = diameter[parents] * rng.uniform(0.8, 1.0, parents.size)

    tubes = [(y, x, alive, diameter), (by, bx, b_alive, b_diameter)]
    return _render_tubes(p, grid, tubes, step, rng)


def _render_tubes(
    p: MitochondriaParams,
    grid: PhantomGrid,
    tubes: Sequence[tuple[FloatArray, FloatArray, np.ndarray, FloatArray]],
    step: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Splat tube centre lines with cross-section-area weights and blur each diameter class."""
    classes = np.linspace(*p.tube_diameter_um, _DIAMETER_CLASSES)
    points: list[list[tuple[FloatArray, FloatArray, FloatArray]]] = [[] for _ in classes]
    for y, x, alive, diameter in tubes:
        brightness = rng.lognormal(-(p.brightness_sigma**2) / 2, p.brightness_sigma, diameter.size)
        # Beads and thinning along a tube: smooth log-normal modulation with ~0.4 um correlation.
        wobble = ndimage.gaussian_filter1d(rng.standard_normal(alive.shape), 0.4 / step, axis=1, mode="nearest")
        wobble *= math.sqrt(2.0 * math.sqrt(math.pi) * 0.4 / step)
        along = np.exp(0.3 * quantise(wobble))
        area = np.pi * diameter**2 / 4.0
        weight = (brightness * area)[:, None] * along * step / grid.spacing_um**2
        nearest = np.argmin(np.abs(diameter[:, None] - classes[None, :]), axis=1)
        for k in range(classes.size):
            rows = alive & (nearest == k)[:, None]
            points[k].append((y[rows], x[rows], weight[rows]))
    density = np.zeros(grid.shape)
    for k, d in enumerate(classes):
        y, x, w = (np.concatenate([part[i] for part in points[k]]) for i in range(3))
        if w.size:
            deposit = splat(grid, y, x, w)
            density += ndimage.gaussian_filter(deposit, d / 4.0 / grid.spacing_um, mode="wrap", truncate=3.0)
    return density
