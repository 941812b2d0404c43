"""A video-rate instrument built with NumPy for the physics-degradation tests: never the simulator, whose
parameters the degradation must not start from (issue 12, "no inverse crime")."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import ndimage

#: The instrument: LR gain (grey/e-), F, offset and read noise (grey), LR photo-electrons at the brightest
#: content, HR grey level of zero signal and HR grey levels per unit content, line phase (where odd lines
#: sample, LR px, the calibration's convention) and bleaching over the stack.
INSTRUMENT = {
    "gain": 200.0,
    "excess": 1.3,
    "offset": 120.0,
    "read": 12.0,
    "photons": 6.0,
    "hr_offset": 80.0,
    "hr_scale": 2500.0,
    "line_phase": 1.5,
    "bleach": 0.03,
}


def digitise(photons: np.ndarray, rng: np.random.Generator, gain: float, excess: float, offset: float, read: float):
    """Poisson photo-electrons, a Gamma charge of mean ``gain`` and ``E[X^2] = F gain^2`` each, read noise,
    offset, rounding and 12-bit clipping."""
    n = rng.poisson(np.maximum(photons, 0.0))
    if excess == 1.0:
        charge = gain * n
    else:
        charge = np.where(n > 0, rng.gamma(np.maximum(n / (excess - 1.0), 1e-12), gain * (excess - 1.0)), 0.0)
    return np.clip(np.rint(offset + charge + read * rng.standard_normal(photons.shape)), 0, 4095).astype(np.uint16)


def content(index: int, size: int = 192) -> np.ndarray:
    """Tubular and round bright structures on a dark ground, peak 1 (mitochondria-like, smooth at 1 HR px)."""
    rng = np.random.default_rng(100 + index)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    image = np.zeros((size, size))
    for _ in range(60):
        cy, cx, angle = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(0, math.pi)
        length, width = rng.uniform(4, 16), rng.uniform(1.5, 3.0)
        u = (xx - cx) * math.cos(angle) + (yy - cy) * math.sin(angle)
        v = -(xx - cx) * math.sin(angle) + (yy - cy) * math.cos(angle)
        image += np.exp(-0.5 * ((np.maximum(np.abs(u) - length, 0) / width) ** 2 + (v / width) ** 2))
    return image / image.max()


def field(index: int, *, frames: int = 40, drift_px: float = 0.0, seed: int = 0, **changes: float) -> SimpleNamespace:
    """One field: ``hr`` (uint16, HR grey levels with mild noise) and ``lr`` (``[frames, 96, 96]`` uint16).

    LR frame ``k`` expects ``photons * block_mean(content)`` photo-electrons, bleached by
    ``(1 - bleach)^(k / (frames - 1))``, moved by ``k / (frames - 1) * drift_px`` along x, its odd lines
    sampled ``line_phase`` px to the right (content moved left). Truth of the HR-to-LR map, per unit
    normalised HR: ``signal_scale = photons * 4095 / hr_scale``, zero at ``hr_offset / 4095``.
    """
    p = {**INSTRUMENT, **changes}
    base = content(index)
    rng = np.random.default_rng(seed * 1000 + index)
    hr = np.clip(np.rint(p["hr_offset"] + p["hr_scale"] * base + 3.0 * rng.standard_normal(base.shape)), 0, 4095)
    block = base.reshape(96, 2, 96, 2).mean(axis=(1, 3))
    stack = []
    for k in range(frames):
        t = k / max(frames - 1, 1)
        moved = ndimage.shift(block, (0.0, drift_px * t), order=3, mode="nearest")
        odd = ndimage.shift(moved, (0.0, -p["line_phase"]), order=3, mode="nearest")
        moved[1::2] = odd[1::2]
        photons = p["photons"] * np.maximum(moved, 0.0) * (1.0 - p["bleach"]) ** t
        stack.append(digitise(photons, rng, p["gain"], p["excess"], p["offset"], p["read"]))
    return SimpleNamespace(hr=hr.astype(np.uint16), lr=np.stack(stack), params=p)


@pytest.fixture(scope="session")
def instrument() -> SimpleNamespace:
    """The builders above, for tests (``--import-mode=importlib`` gives conftest helpers no import name)."""
    return SimpleNamespace(field=field, digitise=digitise, INSTRUMENT=INSTRUMENT)
