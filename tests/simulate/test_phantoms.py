"""Phantoms: determinism, the geometry of each structure, and the rendering building blocks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from microsr_bench.errors import ConfigError
from microsr_bench.simulate import MembraneParams, MitochondriaParams, NucleiParams, default_params
from microsr_bench.simulate._fields import jittered_lattice, smooth_noise, splat, upsample
from microsr_bench.simulate._mitochondria import _render_tubes
from microsr_bench.simulate.phantoms import PhantomGrid, render_phantom

GRID = PhantomGrid(shape=(480, 480), spacing_um=0.05)  # 24 um square


@pytest.mark.parametrize("name", ["MITO", "MEM", "NUC"])
def test_phantom_is_deterministic_and_normalised(name: str) -> None:
    params = default_params(name).phantom
    a = render_phantom(params, GRID, np.random.default_rng(5))
    b = render_phantom(params, GRID, np.random.default_rng(5))
    c = render_phantom(params, GRID, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == GRID.shape and a.dtype == np.float64
    assert a.min() >= 0.0 and a.max() == 1.0


def test_wrong_parameter_type_is_rejected() -> None:
    with pytest.raises(ConfigError, match="expects MitochondriaParams, MembraneParams, NucleiParams or TissueParams"):
        render_phantom(default_params("MITO").optics, GRID, np.random.default_rng(0))  # type: ignore[arg-type]


@pytest.mark.parametrize("diameter", [0.25, 0.45])
def test_tube_cross_section_has_chord_variance(diameter: float) -> None:
    # A filled cylinder of diameter d projects to a chord profile 2 sqrt(r^2 - x^2), whose variance is (d/4)^2;
    # a straight tube on a grid row (no bilinear smearing) must have that cross-section variance.
    p = MitochondriaParams(tube_diameter_um=(diameter, diameter), brightness_sigma=0.0)
    n = 600
    x = np.linspace(3.0, 20.0, n)
    y = np.full(n, 240 * GRID.spacing_um)
    tube = (y[None, :], x[None, :], np.ones((1, n), dtype=bool), np.array([diameter]))
    density = _render_tubes(p, GRID, [tube], x[1] - x[0], np.random.default_rng(0))
    profile = density[:, 100:380].sum(axis=1)
    offset = (np.arange(GRID.shape[0]) - 240) * GRID.spacing_um
    variance = np.sum(profile * offset**2) / np.sum(profile)
    assert variance == pytest.approx((diameter / 4.0) ** 2, rel=0.02)


def test_membranes_are_closed_outlines() -> None:
    # Closed walls split the plane into cells: the connected low-density regions must number about
    # field area / cell area (pi d^2 / 4 per cell); gaps in walls would merge cells and lower the count.
    p = MembraneParams(cell_diameter_um=6.0, vesicle_density_per_um2=0.0)
    density = render_phantom(p, GRID, np.random.default_rng(2))
    line = np.percentile(density, 99.0)
    cells, _count = ndimage.label(density < 0.25 * line)
    sizes = np.bincount(cells.ravel())[1:]
    interior = np.sum(sizes > 200)
    expected = GRID.extent_um[0] * GRID.extent_um[1] / (math.pi * 6.0**2 / 4.0)
    assert 0.6 * expected <= interior <= 1.5 * expected
    assert np.mean(density > 0.25 * line) < 0.15  # thin lines, not filled cells


def test_nuclei_cover_the_requested_fraction_and_have_nucleoli() -> None:
    p = NucleiParams(diameter_um=(5.0, 7.0), coverage=0.4, nucleoli=(1, 2))
    grid = PhantomGrid(shape=(800, 800), spacing_um=0.05)
    density = render_phantom(p, grid, np.random.default_rng(3))
    mask = density > 0.05
    assert 0.25 <= mask.mean() <= 0.5  # target 0.4 before edge losses and overlap rejection
    _labels, n_nuclei = ndimage.label(mask)
    _holes, n_holes = ndimage.label(ndimage.binary_fill_holes(mask) & ~mask)
    assert n_nuclei >= 5
    assert n_holes >= 0.5 * n_nuclei  # nucleoli exclude DNA: dark holes inside most nuclei


def test_mitochondria_leave_nuclear_voids() -> None:
    # Tubes live in the cytoplasm: a dense network with large empty regions (nuclei, gaps between cells).
    p = MitochondriaParams(cell_diameter_um=12.0)  # the MITO default geometry in smaller cells
    density = render_phantom(p, GRID, np.random.default_rng(4))
    lit = density > 0.05
    assert 0.03 <= lit.mean() <= 0.5
    empty = ndimage.binary_erosion(~lit, iterations=20)  # 1 um away from any tube
    assert empty.mean() > 0.05


def test_splat_conserves_mass_and_centroid() -> None:
    # Bilinear weights sum to one and reproduce the point's position (first moment) exactly.
    y, x, w = np.array([3.1234, 10.5]), np.array([7.77, 2.05]), np.array([2.0, 0.5])
    deposit = splat(GRID, y, x, w)
    rows, cols = np.indices(GRID.shape) * GRID.spacing_um
    assert deposit.sum() == pytest.approx(2.5)
    assert np.sum(deposit * rows) == pytest.approx(np.sum(w * y))
    assert np.sum(deposit * cols) == pytest.approx(np.sum(w * x))
    assert splat(GRID, np.array([-1.0]), np.array([1.0]), np.array([1.0])).sum() == 0.0


def test_upsample_reproduces_linear_functions() -> None:
    coarse_spacing = 0.2
    grid = PhantomGrid(shape=(37, 53), spacing_um=0.05)
    k = np.indices((12, 16)) * coarse_spacing
    coarse = 2.0 + 0.7 * k[0] - 1.3 * k[1]
    fine = np.indices(grid.shape) * grid.spacing_um
    np.testing.assert_allclose(upsample(coarse, coarse_spacing, grid), 2.0 + 0.7 * fine[0] - 1.3 * fine[1], atol=1e-12)


def test_smooth_noise_has_unit_variance() -> None:
    # Normalised by the analytic variance 1 / (4 pi sigma^2) of Gaussian-filtered 2-D white noise.
    field = smooth_noise(np.random.default_rng(0), PhantomGrid((600, 600), 0.05), 0.5)
    assert abs(field.mean()) < 0.15
    assert field.std() == pytest.approx(1.0, rel=0.15)


def test_jittered_lattice_density() -> None:
    # A hexagonal lattice of spacing a has 2 / (sqrt(3) a^2) points per unit area.
    y, x = jittered_lattice(np.random.default_rng(0), (100.0, 100.0), 5.0, 0.3)
    inside = np.sum((y >= 10) & (y < 90) & (x >= 10) & (x < 90))
    assert inside == pytest.approx(80 * 80 * 2 / (math.sqrt(3) * 25.0), rel=0.05)
