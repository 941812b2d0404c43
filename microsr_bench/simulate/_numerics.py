"""Machine-independent randomness and rounding: named random streams and the quantisation guard.

The simulated default is frozen by sha256 in a golden manifest, so its pixels must be identical on every
machine. Two things could break that. Seeds: each stream is seeded from the sha256 of a readable key, never
from ``hash()`` (salted by PYTHONHASHSEED) or a global generator. Last-ulp differences: NumPy dispatches
``exp``/``sin``/``log`` to CPU-specific SIMD code whose results may differ in the last bit between machines;
every continuous image is snapped to a coarse binary grid (:func:`quantise`) before it feeds a random sampler
or an integer conversion, so an ulp difference upstream changes an output only if a value lies within an ulp
of a grid boundary (probability ~1e-11 per value).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Namespace of every seed key; changing it changes every simulated image (bump SIMULATOR_VERSION too).
SEED_NAMESPACE = "microsr-bench/sim/v1"

#: Absolute grid of expected photon counts and normalised intensities: 2**-16 (1.5e-5).
QUANTUM = 2.0**-16

FloatArray = NDArray[np.floating[Any]]


def stream(dataset: str, hr_index: int, purpose: str) -> np.random.Generator:
    """An independent PCG64 generator for one purpose of one field, e.g. ``phantom``, ``hr`` or ``lr/42``."""
    key = f"{SEED_NAMESPACE}/{dataset}/{hr_index}/{purpose}"
    entropy = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest(), "big")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def quantise(values: FloatArray, quantum: float = QUANTUM) -> FloatArray:
    """Snap values to multiples of ``quantum`` (round half to even), in place where possible."""
    out = np.multiply(values, 1.0 / quantum)
    np.rint(out, out=out)
    out *= quantum
    return out


def quantise_scalar(value: float, bits: int = 24) -> float:
    """Round a positive or negative scalar to ``bits`` significant bits (a relative grid)."""
    if value == 0.0 or not math.isfinite(value):
        return float(value)
    mantissa, exponent = math.frexp(value)
    return math.ldexp(round(mantissa * 2**bits), exponent - bits)


def snap(value: float, quantum: float = QUANTUM) -> float:
    """Scalar :func:`quantise`: the nearest multiple of ``quantum``."""
    return round(value / quantum) * quantum
