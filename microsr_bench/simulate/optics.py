"""Image formation: the field's rendering grid and the PSF, halo and scan-integration blur of the phantom.

A laser-scanning microscope records, for each pixel, the fluorescence excited while the beam sweeps across
that pixel along the fast axis during the pixel dwell. The expected signal at a pixel is therefore the
fluorophore density convolved with the effective PSF (Gaussian of the given FWHM; for two-photon excitation
the squared illumination PSF) and with a box of one pixel width along x, then point-sampled at the pixel's
line. A fraction of the light arrives as a broad Gaussian halo instead (scattering, out-of-focus excitation).
All three filters are applied at once in the Fourier domain; the pixel box differs between HR (width p) and LR
(width 2p), so two images are produced. The grid is periodic under the FFT: a margin around the field of
view keeps wrap-around out of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft

from microsr_bench.simulate._fields import PhantomGrid
from microsr_bench.simulate._numerics import FloatArray, quantise
from microsr_bench.simulate.params import SimulationParams

#: Gaussian FWHM over sigma, 2 sqrt(2 ln 2).
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


@dataclass(frozen=True)
class FieldLayout:
    """Where the HR and LR pixels of a field of view sit on the phantom grid.

    HR pixel ``(i, j)`` has its centre at grid point ``(s * (margin + i) + s / 2, s * (margin + j) + s / 2)``
    with ``s = oversampling``; LR pixel ``(i, j)`` at ``(s * (margin + 2 i + 1), s * (margin + 2 j + 1))``.
    """

    hr_shape: tuple[int, int]
    #: Grid points per HR pixel.
    oversampling: int
    #: HR pixels of margin before the field of view (at least as many after it).
    margin: int
    grid: PhantomGrid

    @property
    def origin(self) -> int:
        """Grid index of the field of view's top-left corner, on both axes."""
        return self.oversampling * self.margin

    @property
    def hr_pixel_um(self) -> float:
        return self.grid.spacing_um * self.oversampling


def field_layout(hr_shape: tuple[int, int], params: SimulationParams) -> FieldLayout:
    """The grid for one field: its margin covers the PSF, drift, line phase and jitter, and the cubic kernel."""
    optics, scan, stack = params.optics, params.lr_scan, params.stack
    pixel = optics.hr_pixel_size_um
    reach_um = 4.0 * optics.psf_fwhm_um / FWHM_PER_SIGMA + stack.drift_um + 4.0 * stack.vibration_um
    reach_lr_px = abs(scan.line_phase_px) + scan.line_phase_spread_px + 4.0 * scan.line_jitter_px
    margin = math.ceil(reach_um / pixel + 2.0 * reach_lr_px) + 4
    s = optics.oversampling
    points = tuple(scipy.fft.next_fast_len(s * (n + 2 * margin), real=True) for n in hr_shape)
    return FieldLayout(
        hr_shape=hr_shape,
        oversampling=s,
        margin=margin,
        grid=PhantomGrid(shape=(points[0], points[1]), spacing_um=pixel / s),
    )


def blurred_images(density: FloatArray, layout: FieldLayout, params: SimulationParams) -> tuple[FloatArray, ...]:
    """The phantom seen through the optics with the HR pixel box and with the LR pixel box (fast axis = x).

    Returns two grid images (same units as ``density``), quantised so that later steps are reproducible.
    """
    h = layout.grid.spacing_um
    rows, cols = layout.grid.shape
    spectrum = scipy.fft.rfft2(density, workers=1)
    fy = scipy.fft.fftfreq(rows, d=h)[:, None]
    fx = scipy.fft.rfftfreq(cols, d=h)[None, :]
    f2 = fy * fy + fx * fx
    sigma = params.optics.psf_fwhm_um / FWHM_PER_SIGMA
    halo = params.background.scatter_fwhm_um / FWHM_PER_SIGMA
    fraction = params.background.scatter_fraction
    otf = (1.0 - fraction) * np.exp(-2.0 * math.pi**2 * sigma**2 * f2)
    if fraction > 0.0:
        otf += fraction * np.exp(-2.0 * math.pi**2 * halo**2 * f2)
    spectrum *= otf
    images = []
    for width in (layout.hr_pixel_um, 2.0 * layout.hr_pixel_um):
        # The Fourier transform of a box of width w is sinc(w f) (numpy's sinc is sin(pi x) / (pi x)).
        image = scipy.fft.irfft2(spectrum * np.sinc(width * fx), s=(rows, cols), workers=1)
        images.append(quantise(image))
    return tuple(images)
