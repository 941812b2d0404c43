"""Phantom of mitochondria in tissue for multiphoton imaging (MPM 2.0): packed cells, short aligned organelles.

Cells are the Voronoi regions of a jittered hexagonal lattice (packed, polygonal, as in liver or muscle
sections rather than a sparse culture); a thin gap separates neighbours and a dark nucleus sits near each
seed. The cytoplasm is filled with short mitochondria (log-normal lengths around ``mean_length_um``), oriented
around one axis per field with ``orientation_spread`` (aligned rows in muscle, near-isotropic in liver),
drawn as chains of points splatted on the grid and blurred to the tube's cross-section (sigma d / 4, as in
:mod:`._mitochondria`); brightness varies per cell and per organelle.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from microsr_bench.simulate._fields import PhantomGrid, jittered_lattice, splat
from microsr_bench.simulate._numerics import FloatArray, quantise
from microsr_bench.simulate.phantom_params import TissueParams

#: Spacing of the coarse cell map, micrometres.
_MAP_UM = 0.25
#: Gap between neighbouring cells, micrometres.
_GAP_UM = 0.4


def _cell_map(
    p: TissueParams, grid: PhantomGrid, rng: np.random.Generator
) -> tuple[FloatArray, np.ndarray, FloatArray]:
    """Cytoplasm indicator on the coarse map, each point's cell index, and per-cell brightness."""
    sy, sx = jittered_lattice(rng, grid.extent_um, p.cell_diameter_um, 0.3)
    rows = math.ceil(grid.extent_um[0] / _MAP_UM) + 1
    cols = math.ceil(grid.extent_um[1] / _MAP_UM) + 1
    my, mx = np.indices((rows, cols)) * _MAP_UM
    points = np.stack([my.ravel(), mx.ravel()], axis=1)
    dist, owner = cKDTree(np.stack([sy, sx], axis=1)).query(points, k=2)
    wall = (dist[:, 1] - dist[:, 0]) / 2.0
    radius = 0.5 * p.nucleus_fraction * p.cell_diameter_um * rng.uniform(0.85, 1.15, sy.size)
    inside = (wall > _GAP_UM / 2.0) & (dist[:, 0] > radius[owner[:, 0]])
    brightness = rng.lognormal(0.0, p.brightness_sigma, sy.size)
    return inside.reshape(rows, cols).astype(np.float64), owner[:, 0].reshape(rows, cols), brightness


def render_tissue(p: TissueParams, grid: PhantomGrid, rng: np.random.Generator) -> FloatArray:
    """Fluorophore density of mitochondria in packed tissue cells on ``grid`` (arbitrary units)."""
    inside, owner, cell_brightness = _cell_map(p, grid, rng)
    area = grid.extent_um[0] * grid.extent_um[1] * float(inside.mean())
    n = int(rng.poisson(p.mitochondria_per_um2 * area))
    y = rng.uniform(0.0, grid.extent_um[0], n)
    x = rng.uniform(0.0, grid.extent_um[1], n)
    r = np.minimum(np.rint(y / _MAP_UM).astype(np.intp), inside.shape[0] - 1)
    c = np.minimum(np.rint(x / _MAP_UM).astype(np.intp), inside.shape[1] - 1)
    keep = inside[r, c] > 0.5
    y, x, cell = y[keep], x[keep], owner[r[keep], c[keep]]
    axis = rng.uniform(0.0, math.pi)
    angle = axis + rng.normal(0.0, p.orientation_spread, y.size)
    length = np.minimum(rng.lognormal(math.log(p.mean_length_um), 0.4, y.size), 4.0 * p.mean_length_um)
    diameter = rng.uniform(*p.diameter_um, y.size)
    weight = cell_brightness[cell] * rng.lognormal(0.0, p.brightness_sigma, y.size) * diameter**2
    step = grid.spacing_um
    n_steps = np.maximum(np.ceil(length / step).astype(np.intp), 1)
    owner_of_point = np.repeat(np.arange(y.size), n_steps)
    offsets = np.arange(owner_of_point.size) - np.repeat(np.cumsum(n_steps) - n_steps, n_steps)
    along = (offsets + 0.5) * step - 0.5 * length[owner_of_point]
    py = y[owner_of_point] + along * np.sin(angle[owner_of_point])
    px = x[owner_of_point] + along * np.cos(angle[owner_of_point])
    # Line density per point: weight spread over the organelle's length, per grid area.
    per_point = weight[owner_of_point] * step / grid.spacing_um**2
    density = splat(grid, quantise(py), quantise(px), per_point)
    sigma = 0.25 * float(np.mean(p.diameter_um)) / grid.spacing_um
    return quantise(ndimage.gaussian_filter(density, sigma, mode="constant"))
