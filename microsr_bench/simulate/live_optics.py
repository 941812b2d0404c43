"""Image formation of simulator 2.0: layers of a thin 3-D sample, defocus, haze, tissue depth, vignetting.

The in-focus layer (split into a static and a motile part when organelles move) is blurred by the lateral PSF
(Gaussian, plus the scattered halo as in 1.0) and by the pixel box along x, once in focus and once at a
reference defocus ``DEFOCUS_REF_UM``; a pixel recorded while the focus has drifted by z mixes the two with
weight ``(z / z_ref)^2``, which gives the blur's second moment ``sigma0^2 + (c z)^2`` of a geometric defocus
cone (c = ``defocus_blur_per_um``). A second layer ``haze_depth_um`` away (other cells of the thin sample,
made from the same content transposed and shifted so that it is not a copy of the focal plane) adds
out-of-focus haze: ``haze_fraction`` of the in-focus light, blurred by the PSF at that defocus. In scattering
tissue (MPM) the PSF widens with depth (``psf_doubling_depth_um``), two-photon signal falls as
``exp(-2 z / l_s)`` (ballistic excitation squared) and more light arrives as the scattered halo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft

from microsr_bench.simulate._numerics import FloatArray, quantise, quantise_scalar
from microsr_bench.simulate.live_params import LiveOpticsParams
from microsr_bench.simulate.optics import FWHM_PER_SIGMA, FieldLayout
from microsr_bench.simulate.params import SimulationParams

__all__ = ["DEFOCUS_REF_UM", "Depth", "LayerImages", "blur_layers", "draw_depth", "haze_layer", "vignetting"]

#: Defocus of the second blurred copy of each layer, micrometres.
DEFOCUS_REF_UM = 0.5


@dataclass(frozen=True)
class Depth:
    """Per-field optics: PSF sigma, halo fraction and sigma, brightness factor, and the haze layer's defocus."""

    psf_sigma_um: float
    scatter_fraction: float
    scatter_sigma_um: float
    brightness: float
    haze_depth_um: float


def draw_depth(params: SimulationParams, optics: LiveOpticsParams, rng: np.random.Generator) -> Depth:
    """Draw the field's imaging depth (tissue) and haze layer depth; thin cultures have no tissue effects."""
    sigma = params.optics.psf_fwhm_um / FWHM_PER_SIGMA
    scatter = params.background.scatter_fraction
    halo = params.background.scatter_fwhm_um / FWHM_PER_SIGMA
    low, high = optics.tissue_depth_um
    z = rng.uniform(low, high)
    haze = rng.uniform(*optics.haze_depth_um)
    brightness = 1.0
    if high > 0.0:
        # Relative to the shallowest field of the range, so that peak_photons_hr keeps its meaning there.
        brightness = math.exp(-2.0 * (z - low) / optics.scattering_length_um)
        sigma *= 1.0 + z / optics.psf_doubling_depth_um
        scatter = scatter + (1.0 - scatter) * 0.5 * (1.0 - math.exp(-z / optics.scattering_length_um))
    return Depth(
        psf_sigma_um=quantise_scalar(sigma),
        scatter_fraction=quantise_scalar(scatter),
        scatter_sigma_um=quantise_scalar(halo),
        brightness=quantise_scalar(brightness),
        haze_depth_um=quantise_scalar(haze),
    )


@dataclass(frozen=True, eq=False)
class LayerImages:
    """One layer on the grid, float32: ``hr`` ``[rows, cols, 2]`` with the HR box in focus and at
    ``DEFOCUS_REF_UM`` (interleaved, gathered together), ``lr`` ``[rows, cols]`` with the LR box in focus.

    The burst lasts 5 s, over which the focus drifts by a few hundredths of a micrometre (a defocus weight
    below 0.3 %), so LR frames are sampled in focus; the defocus matters for the HR scan seconds later.
    """

    hr: FloatArray
    lr: FloatArray


def _otf(f2: FloatArray, sigma: float, depth: Depth) -> FloatArray:
    out = (1.0 - depth.scatter_fraction) * np.exp(-2.0 * math.pi**2 * sigma**2 * f2)
    if depth.scatter_fraction > 0.0:
        out += depth.scatter_fraction * np.exp(-2.0 * math.pi**2 * depth.scatter_sigma_um**2 * f2)
    return out


def blur_layers(
    layers: list[FloatArray],
    haze: FloatArray | None,
    layout: FieldLayout,
    optics: LiveOpticsParams,
    depth: Depth,
) -> list[LayerImages]:
    """Blur each layer in focus (HR and LR boxes) and defocused (HR box); ``haze`` (scaled) joins layer 0."""
    h = layout.grid.spacing_um
    rows, cols = layout.grid.shape
    fy = scipy.fft.fftfreq(rows, d=h)[:, None]
    fx = scipy.fft.rfftfreq(cols, d=h)[None, :]
    f2 = fy * fy + fx * fx
    sigma0 = depth.psf_sigma_um
    sigma1 = math.hypot(sigma0, optics.defocus_blur_per_um * DEFOCUS_REF_UM)
    otfs = (_otf(f2, sigma0, depth), _otf(f2, sigma1, depth))
    haze_part = None
    if haze is not None:
        sigma_h = math.hypot(sigma0, optics.defocus_blur_per_um * depth.haze_depth_um)
        haze_part = scipy.fft.rfft2(haze, workers=1) * _otf(f2, sigma_h, depth)
    hr_box, lr_box = (np.sinc(w * fx) for w in (layout.hr_pixel_um, 2.0 * layout.hr_pixel_um))

    def image(spectrum: FloatArray) -> FloatArray:
        return quantise(scipy.fft.irfft2(spectrum, s=(rows, cols), workers=1)).astype(np.float32)

    out = []
    for index, layer in enumerate(layers):
        spectrum = scipy.fft.rfft2(layer, workers=1)
        focus, defocus = spectrum * otfs[0], spectrum * otfs[1]
        if index == 0 and haze_part is not None:
            focus += haze_part
            defocus += haze_part
        hr = np.stack([image(focus * hr_box), image(defocus * hr_box)], axis=-1)
        out.append(LayerImages(hr=hr, lr=image(focus * lr_box)))
    return out


def haze_layer(density: FloatArray, fraction: float) -> FloatArray | None:
    """The out-of-focus layer: the content transposed and shifted by half the grid, times ``fraction``."""
    if fraction <= 0.0:
        return None
    rows, cols = density.shape
    side = min(rows, cols)
    other = np.zeros_like(density)
    other[:side, :side] = density[:side, :side].T
    return quantise(fraction * np.roll(other, (rows // 2, cols // 3), axis=(0, 1)))


def vignetting(y_um: FloatArray, x_um: FloatArray, extent_um: tuple[float, float], amount: float) -> FloatArray:
    """Relative sensitivity at scanner positions: 1 at the centre, ``1 - amount`` at the corners (quadratic)."""
    cy, cx = extent_um[0] / 2.0, extent_um[1] / 2.0
    r2 = ((y_um - cy) ** 2 + (x_um - cx) ** 2) / (cy * cy + cx * cx)
    return quantise(1.0 - amount * r2)
