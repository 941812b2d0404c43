"""Second-order statistics: radial power spectra of HR and mean LR, and the noise autocorrelation along lines.

The fast-axis autocorrelation is measured on the noise alone: the temporal second difference of the burst
(``x_k - (x_{k-1} + x_{k+1}) / 2``) removes the still structure, drift and bleaching, and what remains is the
frame noise. An analogue integrator whose bandwidth is comparable to the pixel rate (0.76 us per LR pixel)
correlates that noise between neighbours along the scanned line (x) but not across lines (y); white noise has
zero correlation at every lag.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["noise_autocorrelation", "radial_spectrum"]

Array = NDArray[np.float64]


def radial_spectrum(image: Array, *, bins: int = 32, pixel_scale: float = 1.0) -> tuple[list[float], list[float]]:
    """Azimuthally averaged power spectrum of the mean-free, Hann-windowed image.

    Power is ``|FFT|^2`` divided by the sum of squared window weights (per-pixel variance units: white noise of
    variance ``v`` gives a flat ``v``). Frequencies are in cycles per pixel divided by ``pixel_scale`` (2 for
    an LR image on the HR frequency axis), bins equally wide up to the Nyquist frequency.
    Returns (bin centres, power per bin); bins with no frequency sample hold 0.
    """
    data = image.astype(np.float64)
    window = np.outer(np.hanning(data.shape[0]), np.hanning(data.shape[1]))
    power = np.abs(np.fft.fft2((data - data.mean()) * window)) ** 2 / np.sum(window**2)
    fy = np.fft.fftfreq(data.shape[0])[:, None]
    fx = np.fft.fftfreq(data.shape[1])[None, :]
    radius = np.hypot(fy, fx).ravel()
    index = np.minimum((radius / 0.5 * bins).astype(np.int64), bins)
    counts = np.bincount(index, minlength=bins + 1)[:bins]
    sums = np.bincount(index, power.ravel(), minlength=bins + 1)[:bins]
    centres = (np.arange(bins) + 0.5) * 0.5 / bins / pixel_scale
    return centres.tolist(), np.where(counts > 0, sums / np.maximum(counts, 1), 0.0).tolist()


def noise_autocorrelation(stack: NDArray[np.integer], *, lags: int = 3) -> tuple[list[float], float]:
    """Correlation of the frame noise between pixels ``1..lags`` apart along x, and 1 apart along y."""
    data = stack.astype(np.float64)
    d = data[1:-1] - 0.5 * (data[:-2] + data[2:])
    d = d - d.mean(axis=(1, 2), keepdims=True)
    energy = float(np.mean(d * d))
    along = [float(np.mean(d[:, :, :-lag] * d[:, :, lag:])) / energy for lag in range(1, lags + 1)]
    across = float(np.mean(d[:, :-1, :] * d[:, 1:, :])) / energy
    return along, across
