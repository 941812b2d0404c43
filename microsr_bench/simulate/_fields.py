"""Building blocks of the phantoms: the rendering grid, smooth random fields, splatting and interpolation."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from microsr_bench.simulate._numerics import FloatArray, quantise


@dataclass(frozen=True)
class PhantomGrid:
    """Point grid on which the fluorophore density is sampled.

    Grid point ``(r, c)`` sits at ``(r * spacing_um, c * spacing_um)`` micrometres from the grid's origin.
    """

    #: Number of grid points (rows, columns).
    shape: tuple[int, int]
    #: Distance between neighbouring grid points in micrometres.
    spacing_um: float

    @property
    def extent_um(self) -> tuple[float, float]:
        return (self.shape[0] * self.spacing_um, self.shape[1] * self.spacing_um)


def lerp_rows(image: FloatArray, positions: FloatArray) -> FloatArray:
    """Linear interpolation of whole rows at fractional row ``positions`` (clamped to the image)."""
    pos = np.clip(positions, 0.0, image.shape[0] - 1.0)
    lower = np.minimum(np.floor(pos).astype(np.intp), image.shape[0] - 2)
    frac = (pos - lower)[:, None]
    return image[lower] * (1.0 - frac) + image[lower + 1] * frac


def upsample(coarse: FloatArray, coarse_spacing: float, grid: PhantomGrid) -> FloatArray:
    """Bilinear resampling of a coarse image (point ``k`` at ``k * coarse_spacing`` um) onto ``grid``.

    Separable, written with explicit products and sums (no BLAS) so that it is bit-reproducible.
    """
    rows = np.arange(grid.shape[0]) * (grid.spacing_um / coarse_spacing)
    cols = np.arange(grid.shape[1]) * (grid.spacing_um / coarse_spacing)
    return lerp_rows(lerp_rows(coarse, rows).T.copy(), cols).T.copy()


def coarse_shape(grid: PhantomGrid, coarse_spacing: float) -> tuple[int, int]:
    """Shape of a coarse point grid with the same origin that covers ``grid`` plus one point."""
    return (
        math.ceil(grid.extent_um[0] / coarse_spacing) + 2,
        math.ceil(grid.extent_um[1] / coarse_spacing) + 2,
    )


def smooth_noise_coarse(rng: np.random.Generator, grid: PhantomGrid, scale_um: float) -> tuple[FloatArray, float]:
    """Zero-mean, unit-variance Gaussian random field with correlation length ``scale_um``, on a coarse grid.

    White noise is filtered by a Gaussian of sigma ``scale_um``; for 2-D unit white noise the filtered
    variance is 1 / (4 pi sigma^2) (sigma in samples), which normalises it. Returns the field and its spacing.
    """
    spacing = max(grid.spacing_um, scale_um / 3.0)
    white = rng.standard_normal(coarse_shape(grid, spacing))
    sigma_px = scale_um / spacing
    field = ndimage.gaussian_filter(white, sigma_px, mode="wrap")
    field *= 2.0 * math.sqrt(math.pi) * sigma_px
    return quantise(field), spacing


def smooth_noise(rng: np.random.Generator, grid: PhantomGrid, scale_um: float) -> FloatArray:
    """:func:`smooth_noise_coarse` resampled onto ``grid``."""
    field, spacing = smooth_noise_coarse(rng, grid, scale_um)
    return upsample(field, spacing, grid)


def sample_bilinear(image: FloatArray, spacing: float, y_um: FloatArray, x_um: FloatArray) -> FloatArray:
    """Values of a point-grid image (spacing in um) at arbitrary positions, bilinear, clamped at the edges."""
    coords = np.stack([np.asarray(y_um, dtype=float) / spacing, np.asarray(x_um, dtype=float) / spacing])
    return np.asarray(ndimage.map_coordinates(image, coords, order=1, mode="nearest"), dtype=np.float64)


def splat(grid: PhantomGrid, y_um: FloatArray, x_um: FloatArray, weights: FloatArray) -> FloatArray:
    """Deposit point weights onto the grid with bilinear weights (mass-preserving); points off the grid drop.

    ``np.bincount`` sums in input order, so the result does not depend on threads.
    """
    rows, cols = grid.shape
    v = y_um / grid.spacing_um
    u = x_um / grid.spacing_um
    r0 = np.floor(v).astype(np.intp)
    c0 = np.floor(u).astype(np.intp)
    fr = v - r0
    fc = u - c0
    keep = (r0 >= 0) & (r0 < rows - 1) & (c0 >= 0) & (c0 < cols - 1)
    r0, c0, fr, fc, w = r0[keep], c0[keep], fr[keep], fc[keep], weights[keep]
    flat = r0 * cols + c0
    index = np.concatenate([flat, flat + 1, flat + cols, flat + cols + 1])
    share = np.concatenate([w * (1 - fr) * (1 - fc), w * (1 - fr) * fc, w * fr * (1 - fc), w * fr * fc])
    deposit = np.bincount(index, weights=share, minlength=rows * cols)
    return np.asarray(deposit, dtype=np.float64).reshape(rows, cols)


def jittered_lattice(
    rng: np.random.Generator, extent_um: tuple[float, float], spacing_um: float, jitter: float
) -> tuple[FloatArray, FloatArray]:
    """Points of a hexagonal lattice covering the extent plus one spacing, each moved by a uniform jitter.

    ``jitter`` is a fraction of the spacing. Returns (y, x) in micrometres.
    """
    row_step = spacing_um * math.sqrt(3.0) / 2.0
    n_rows = math.ceil(extent_um[0] / row_step) + 3
    n_cols = math.ceil(extent_um[1] / spacing_um) + 3
    r, c = np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij")
    y = (r - 1.0) * row_step
    x = (c - 1.0 + 0.5 * (r % 2)) * spacing_um
    y = y.ravel() + rng.uniform(-jitter, jitter, y.size) * spacing_um
    x = x.ravel() + rng.uniform(-jitter, jitter, x.size) * spacing_um
    return np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)
