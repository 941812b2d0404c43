"""Field-to-field variety of the content (simulator 2.0): each field draws its own density, size and shape.

Real datasets mix fields of dense and sparse cells, small and large ones, regular and irregular outlines;
1.0 drew every field of a sub-dataset from one parameter set. Here each field multiplies the phantom's
density, size and shape parameters by log-normal factors (sigmas in :class:`~.live_params.VarietyParams`),
clipped to each parameter's valid range. Brightness already varies per field (``field_brightness_sigma``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from microsr_bench.simulate._numerics import quantise_scalar
from microsr_bench.simulate.live_params import VarietyParams
from microsr_bench.simulate.phantom_params import (
    MembraneParams,
    MitochondriaParams,
    NucleiParams,
    PhantomParams,
    TissueParams,
)

__all__ = ["vary_phantom"]


def _factor(rng: np.random.Generator, sigma: float) -> float:
    return float(np.exp(np.clip(rng.standard_normal(), -2.5, 2.5) * sigma))


def _scaled(value: float, factor: float, lo: float, hi: float) -> float:
    if factor == 1.0:  # variety switched off: the parameter exactly as given
        return value
    return quantise_scalar(min(max(value * factor, lo), hi))


def vary_phantom(params: PhantomParams, variety: VarietyParams, rng: np.random.Generator) -> PhantomParams:
    """The phantom parameters of one field: ``params`` with its density, size and shape varied (three draws)."""
    density = _factor(rng, variety.density_sigma)
    size = _factor(rng, variety.size_sigma)
    shape = _factor(rng, variety.shape_sigma)
    if isinstance(params, MitochondriaParams):
        return dataclasses.replace(
            params,
            network_density_per_um=_scaled(params.network_density_per_um, density, 0.05, 5.0),
            cell_diameter_um=_scaled(params.cell_diameter_um, size, 3.0, 200.0),
            mean_length_um=_scaled(params.mean_length_um, shape, 0.2, 50.0),
        )
    if isinstance(params, MembraneParams):
        return dataclasses.replace(
            params,
            cell_diameter_um=_scaled(params.cell_diameter_um, size / density**0.5, 2.0, 200.0),
            irregularity_um=_scaled(params.irregularity_um, shape, 0.0, 10.0),
        )
    if isinstance(params, NucleiParams):
        low, high = params.diameter_um
        return dataclasses.replace(
            params,
            diameter_um=(_scaled(low, size, 0.6, 99.0), _scaled(high, size, 0.6, 99.0)),
            coverage=_scaled(params.coverage, density, 0.05, 0.85),
            max_aspect=_scaled(params.max_aspect, shape, 1.0, 4.0),
        )
    if isinstance(params, TissueParams):
        return dataclasses.replace(
            params,
            cell_diameter_um=_scaled(params.cell_diameter_um, size, 4.0, 200.0),
            mitochondria_per_um2=_scaled(params.mitochondria_per_um2, density, 0.01, 10.0),
            orientation_spread=_scaled(params.orientation_spread, shape, 0.0, 10.0),
        )
    return params
