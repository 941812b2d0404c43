"""The photomultiplier and converter: expected photo-electrons in, 12-bit grey levels out.

Per pixel: the number of photo-electrons is Poisson with the expected count (shot noise, dark counts
included upstream). Each photo-electron is multiplied by the PMT dynode chain with a random gain; the
single-electron response is modelled as a Gamma distribution with mean ``gain`` and relative variance
``F - 1``, where F is the excess noise factor (Hamamatsu, *Photomultiplier Tubes: Basics and Applications*,
4th ed., sec. 4.2). A sum of n such responses is Gamma(n / (F - 1)) distributed, drawn in one step. Gaussian
electronic read noise and the offset are added, then the converter rounds and clips to
[0, saturation_level]. Unclipped, the output has

    mean = offset + gain * lambda,    variance = F * gain^2 * lambda + read_noise^2 (+ 1/12 from rounding),

the compound-Poisson result that the tests check.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from microsr_bench.simulate._numerics import FloatArray
from microsr_bench.simulate.params import DetectorParams, ScanParams

__all__ = ["digitise"]


def digitise(
    expected: FloatArray, scan: ScanParams, detector: DetectorParams, rng: np.random.Generator
) -> NDArray[np.uint16]:
    """Draw one noisy, digitised image from expected photo-electron counts.

    Args:
        expected: Expected photo-electrons per pixel (non-negative, already quantised by the caller).
        scan: Gain (grey levels per photo-electron), offset and read noise of this acquisition.
        detector: Excess noise factor and saturation level of the PMT and converter.
        rng: The acquisition's own random stream (consumed in a fixed order: Poisson, Gamma, Normal).

    Returns:
        uint16 image of the same shape, in [0, detector.saturation_level].
    """
    electrons = rng.poisson(expected)
    charge = np.zeros(expected.shape)
    lit = electrons > 0
    if detector.excess_noise_factor > 1.0:
        shape = 1.0 / (detector.excess_noise_factor - 1.0)
        charge[lit] = rng.standard_gamma(electrons[lit] * shape) * (scan.gain / shape)
    else:
        charge[lit] = electrons[lit] * scan.gain
    signal = charge + scan.offset
    signal += scan.read_noise * rng.standard_normal(expected.shape)
    np.rint(signal, out=signal)
    np.clip(signal, 0.0, float(detector.saturation_level), out=signal)
    return signal.astype(np.uint16)
