"""Fluorophore density phantoms (mitochondria, membranes, nuclei) rendered on an oversampled point grid.

A phantom is the concentration of fluorophore in the focal plane, before any optics: sampled on a grid
finer than the HR pixels (``OpticsParams.oversampling`` points per HR pixel) so that sub-pixel structure and
sub-pixel drift are represented. It is random but fully determined by the NumPy generator passed in.
Units are arbitrary; the acquisition scales the blurred phantom to a photon budget.
"""

from __future__ import annotations

import numpy as np

from microsr_bench.errors import ConfigError
from microsr_bench.simulate._fields import PhantomGrid
from microsr_bench.simulate._membranes import render_membranes
from microsr_bench.simulate._mitochondria import render_mitochondria
from microsr_bench.simulate._nuclei import render_nuclei
from microsr_bench.simulate._numerics import FloatArray, quantise
from microsr_bench.simulate._tissue import render_tissue
from microsr_bench.simulate.phantom_params import (
    MembraneParams,
    MitochondriaParams,
    NucleiParams,
    PhantomParams,
    TissueParams,
)

__all__ = ["PhantomGrid", "render_phantom"]


def render_phantom(params: PhantomParams, grid: PhantomGrid, rng: np.random.Generator) -> FloatArray:
    """Render the fluorophore density of one field of view.

    Args:
        params: Which structure and its geometry (:class:`MitochondriaParams`, :class:`MembraneParams`,
            :class:`NucleiParams` or :class:`TissueParams`).
        grid: The point grid (shape and spacing in micrometres) to render on.
        rng: The field's phantom stream; the same state gives the same phantom, bit for bit.

    Returns:
        float64 array of ``grid.shape``, non-negative, scaled so that its maximum is 1.
    """
    if isinstance(params, MitochondriaParams):
        density = render_mitochondria(params, grid, rng)
    elif isinstance(params, MembraneParams):
        density = render_membranes(params, grid, rng)
    elif isinstance(params, NucleiParams):
        density = render_nuclei(params, grid, rng)
    elif isinstance(params, TissueParams):
        density = render_tissue(params, grid, rng)
    else:
        raise ConfigError(
            "render_phantom expects MitochondriaParams, MembraneParams, NucleiParams or TissueParams, "
            f"got {type(params).__name__}."
        )
    np.maximum(density, 0.0, out=density)
    peak = float(density.max(initial=0.0))
    if peak > 0.0:
        density *= 1.0 / peak
    return quantise(density)
