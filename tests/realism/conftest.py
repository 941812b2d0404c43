"""Synthetic instruments built with NumPy only (never the simulator): content, shifts and a PMT-like chain.

Shared by the realism tests; every effect is injected with a known value so the report can be checked against
it. Content displacements follow the report's convention: ``moved(x) = image(x - d)``.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest


def blobs(size: int, count: int, seed: int, radius: tuple[float, float] = (1.5, 4.0)) -> np.ndarray:
    """Gaussian blobs of random position and radius, peak-normalised to 1: smooth content on a dark ground."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    image = np.zeros((size, size))
    for cy, cx, r in rng.uniform([0, 0, radius[0]], [size, size, radius[1]], size=(count, 3)):
        image += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    return image / image.max()


def fourier_shift(image: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """Exact sub-pixel circular shift of the content by ``[dy, dx]`` (phase ramp of the spectrum)."""
    fy = np.fft.fftfreq(image.shape[0])[:, None]
    fx = np.fft.fftfreq(image.shape[1])[None, :]
    return np.fft.ifft2(np.fft.fft2(image) * np.exp(-2j * np.pi * (fy * dy + fx * dx))).real


def shift_odd_lines(image: np.ndarray, shift_at: object) -> np.ndarray:
    """Odd lines with their content moved along x by ``shift_at(x)`` (a number or a function of x)."""
    out = image.copy()
    x = np.arange(image.shape[1], dtype=np.float64)
    s = shift_at(x) if callable(shift_at) else np.full_like(x, float(shift_at))  # type: ignore[arg-type]
    fine = np.arange(image.shape[1], dtype=np.float64)
    for row in range(1, image.shape[0], 2):
        out[row] = np.interp(fine - s, x, image[row])  # content at x came from x - s
    return out


def block_mean(image: np.ndarray) -> np.ndarray:
    h, w = image.shape
    return image.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


def digitise(
    photons: np.ndarray,
    rng: np.random.Generator,
    *,
    gain: float,
    offset: float,
    read_noise: float,
    excess: float = 1.0,
    max_value: int = 4095,
) -> np.ndarray:
    """Poisson photo-electrons, each a charge of mean ``gain`` (fixed for F = 1, else Gamma with
    ``E[X^2] = F gain^2``), plus Gaussian read noise and the offset, rounded and clipped to [0, max_value]."""
    n = rng.poisson(np.maximum(photons, 0.0))
    if excess == 1.0:
        charge = gain * n
    else:
        shape = 1.0 / (excess - 1.0)
        charge = np.where(n > 0, rng.gamma(np.maximum(n * shape, 1e-12), gain * (excess - 1.0)), 0.0)
    values = np.rint(offset + charge + read_noise * rng.standard_normal(photons.shape))
    return np.clip(values, 0, max_value).astype(np.uint16)


def rotation(image: np.ndarray, shift: tuple[float, float], scale: float, degrees: float) -> np.ndarray:
    """``image`` moved by the similarity ``p -> c + t + s R(a) (p - c)`` (``R`` on (x, y), a towards +y)."""
    from scipy import ndimage

    n = image.shape[0]
    a = math.radians(degrees)
    forward = scale * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    inverse = np.linalg.inv(forward)
    c = (n - 1) / 2.0
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    px, py = xx - c - shift[1], yy - c - shift[0]
    sx = inverse[0, 0] * px + inverse[0, 1] * py + c
    sy = inverse[1, 0] * px + inverse[1, 1] * py + c
    return ndimage.map_coordinates(image, [sy, sx], order=3, mode="constant")


@pytest.fixture(scope="session")
def synth() -> SimpleNamespace:
    """The builders above, for tests (``--import-mode=importlib`` gives conftest helpers no import name)."""
    return SimpleNamespace(
        blobs=blobs,
        fourier_shift=fourier_shift,
        shift_odd_lines=shift_odd_lines,
        block_mean=block_mean,
        digitise=digitise,
        rotation=rotation,
    )
