"""Phantom of plasma membranes in a sheet of cells: closed, irregular outlines as thin bright lines (MEM).

Cells are the regions of an additively weighted Voronoi diagram (a point belongs to the seed that minimises
distance minus weight; unequal weights give unequal cell sizes and curved walls) computed in coordinates
warped by a smooth random displacement, which makes the outlines wavy as in epithelia. Half the difference
between the second-best and best weighted distance is the distance to the wall. The walls are found on a
coarse grid and their line profile is evaluated exactly on the fine grid in a band around them, so a line is
never broken or thickened by the coarse grid. Apposed membranes of neighbouring cells are one line at
confocal resolution. Cells also carry a dim, textured cytoplasm and a few internalised vesicles (points).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from microsr_bench.simulate._fields import (
    PhantomGrid,
    coarse_shape,
    jittered_lattice,
    sample_bilinear,
    smooth_noise_coarse,
    splat,
    upsample,
)
from microsr_bench.simulate._numerics import FloatArray, quantise
from microsr_bench.simulate.phantom_params import MembraneParams

#: Fine grid points per coarse grid point along each axis, for finding the walls.
_COARSE = 4


def _weighted(
    y: FloatArray, x: FloatArray, seeds: tuple[FloatArray, FloatArray, FloatArray], candidates: np.ndarray
) -> tuple[FloatArray, np.ndarray]:
    """Weighted distances of points ``[n]`` to their candidate seeds ``[n, k]``, sorted, with the seeds."""
    sy, sx, weight = seeds
    e = np.sqrt((y[:, None] - sy[candidates]) ** 2 + (x[:, None] - sx[candidates]) ** 2) - weight[candidates]
    order = np.argsort(e, axis=1, kind="stable")
    return np.take_along_axis(e, order, axis=1), np.take_along_axis(candidates, order, axis=1)


def _band(near: np.ndarray, grid: PhantomGrid) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the fine grid points whose nearest coarse point is flagged in ``near``."""
    kr, kc = np.nonzero(near)
    offsets = np.arange(-(_COARSE // 2), _COARSE - _COARSE // 2)
    fr = (_COARSE * kr[:, None, None] + offsets[None, :, None] + 0 * offsets[None, None, :]).ravel()
    fc = (_COARSE * kc[:, None, None] + 0 * offsets[None, :, None] + offsets[None, None, :]).ravel()
    keep = (fr >= 0) & (fr < grid.shape[0]) & (fc >= 0) & (fc < grid.shape[1])
    return fr[keep], fc[keep]


def render_membranes(p: MembraneParams, grid: PhantomGrid, rng: np.random.Generator) -> FloatArray:
    """Fluorophore density of a membrane-labelled cell sheet on ``grid`` (arbitrary units)."""
    h = grid.spacing_um
    # A hexagonal lattice with this spacing has cells of equal area to a disc of the requested diameter.
    spacing = p.cell_diameter_um * math.sqrt(math.pi / (2.0 * math.sqrt(3.0)))
    sy, sx = jittered_lattice(rng, grid.extent_um, spacing, 0.3)
    weight = np.clip(rng.normal(0.0, p.size_variation * p.cell_diameter_um, sy.size), -2.0, 2.0)
    scale = max(p.cell_diameter_um / 6.0, 4.0 * h)
    warp_y, warp_spacing = smooth_noise_coarse(rng, grid, scale)
    warp_x, _ = smooth_noise_coarse(rng, grid, scale)
    warp_y *= p.irregularity_um
    warp_x *= p.irregularity_um

    def warped(y: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        return y + sample_bilinear(warp_y, warp_spacing, y, x), x + sample_bilinear(warp_x, warp_spacing, y, x)

    hc = _COARSE * h
    seeds = (sy, sx, weight)
    cy, cx = np.indices(coarse_shape(grid, hc)) * hc
    wy, wx = warped(cy.ravel(), cx.ravel())
    # Weights are clipped to +-2 um, far below the seed spacing: a seed beyond the 6 Euclidean-nearest never wins.
    _, nearby = cKDTree(np.stack([sy, sx], axis=1)).query(np.stack([wy, wx], axis=1), k=min(6, sy.size))
    e, owners = _weighted(wy, wx, seeds, nearby)
    coarse_wall = ((e[:, 1] - e[:, 0]) / 2.0).reshape(cy.shape)
    # The wall's exact profile is evaluated on fine points within reach of a wall (half a coarse diagonal,
    # stretched by the warp's slope); there the nearest two seeds are among the coarse point's best three.
    reach = 5.0 * p.membrane_sigma_um + 0.75 * hc * (1.0 + 2.0 * p.irregularity_um / scale)
    fr, fc = _band(coarse_wall < reach, grid)
    nearest = ((fr + _COARSE // 2) // _COARSE) * cy.shape[1] + (fc + _COARSE // 2) // _COARSE
    py, px = fr * h, fc * h
    e, pair = _weighted(*warped(py, px), seeds, owners[nearest, :3])
    wall = quantise((e[:, 1] - e[:, 0]) / 2.0)
    a, b = pair[:, 0], pair[:, 1]

    cell_brightness = rng.lognormal(0.0, p.brightness_sigma, sy.size)
    along, along_spacing = smooth_noise_coarse(rng, grid, 1.0)
    modulation = np.exp(p.brightness_sigma * sample_bilinear(along, along_spacing, py, px))
    line = np.exp(-(wall**2) / (2.0 * p.membrane_sigma_um**2))
    pair = np.sqrt(cell_brightness[a] * cell_brightness[b])

    # Cytoplasm: per-cell level with organelle-scale texture, on the coarse grid (it is dim and smooth).
    level = p.cytoplasm_level * rng.lognormal(0.0, 0.3, sy.size)
    texture, texture_spacing = smooth_noise_coarse(rng, grid, 0.5)
    grain = sample_bilinear(texture, texture_spacing, cy, cx)
    cytoplasm = level[owners[:, 0].reshape(cy.shape)] * np.clip(1.0 + 0.4 * grain, 0.0, None)
    density = upsample(cytoplasm, hc, grid)
    density[fr, fc] += quantise(pair * modulation * line)
    return density + _vesicles(p, grid, rng)


def _vesicles(p: MembraneParams, grid: PhantomGrid, rng: np.random.Generator) -> FloatArray:
    """Sub-resolution bright puncta (endocytosed dye): point sources with log-normal brightness."""
    area = grid.extent_um[0] * grid.extent_um[1]
    n = int(rng.poisson(p.vesicle_density_per_um2 * area))
    y = rng.uniform(0.0, grid.extent_um[0], n)
    x = rng.uniform(0.0, grid.extent_um[1], n)
    # A vesicle holds about as much dye as 0.1 um of membrane wall (sigma-weighted line integral).
    weight = 0.1 * math.sqrt(2 * math.pi) * p.membrane_sigma_um * rng.lognormal(0.0, 0.5, n)
    return splat(grid, y, x, weight / grid.spacing_um**2)
