"""The analog detection chain of simulator 2.0 (Olympus FV1000-like): PMT at a high voltage, amplifier, integrator.

Per pixel, in scan order: Poisson photo-electrons (signal plus PMT dark counts, given in ``expected``), each
multiplied by the dynode chain (Gamma response of mean ``G`` grey levels and relative variance ``F - 1``, with
``G`` and ``F`` set by the high voltage, :class:`~.live_params.PmtParams`); white amplifier noise whose rms
falls as 1/sqrt(dwell); backward lines of a bidirectional scan amplified by ``1 + backward_gain_mismatch``;
then the analog low-pass of time constant tau, sampled once per pixel: ``y[n] = (1 - a) x[n] + a y[n-1]``
with ``a = exp(-dwell / tau)``, run along the beam's direction (right to left on backward lines), which
correlates neighbouring pixels along x (lag-1 correlation ``a``) and delays the signal by ``a / (1 - a)``
pixels in the scan direction. Last the offset, rounding and clipping to [0, saturation]: with an offset near
zero a large part of the dark background reads exactly 0, as on video-rate frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from microsr_bench.simulate._numerics import FloatArray, quantise_scalar
from microsr_bench.simulate.live_params import AnalogParams, PmtParams

__all__ = ["ChainSettings", "chain_settings", "digitise_analog"]


@dataclass(frozen=True)
class ChainSettings:
    """The numbers one acquisition's chain runs with, derived from its parameters."""

    #: Grey levels per photo-electron.
    gain: float
    #: Excess noise factor of the PMT at this voltage.
    excess_noise: float
    #: Amplifier noise at this dwell, grey levels rms (before the low-pass).
    amp_noise: float
    #: Low-pass pole per pixel (0 = no correlation).
    pole: float
    offset: float
    backward_gain: float
    bidirectional: bool
    saturation: int


def chain_settings(
    chain: AnalogParams, pmt: PmtParams, dwell_us: float, *, bidirectional: bool, saturation: int
) -> ChainSettings:
    """Derive gain, excess noise, amplifier noise and the low-pass pole of one acquisition (scalars rounded)."""
    return ChainSettings(
        gain=quantise_scalar(pmt.grey_per_electron(chain.hv_volts)),
        excess_noise=quantise_scalar(pmt.excess_noise_factor(chain.hv_volts)),
        amp_noise=quantise_scalar(chain.amp_noise_grey_1us / math.sqrt(dwell_us)),
        pole=quantise_scalar(chain.integrator_coefficient(dwell_us)),
        offset=chain.offset,
        backward_gain=1.0 + chain.backward_gain_mismatch if bidirectional else 1.0,
        bidirectional=bidirectional,
        saturation=saturation,
    )


def _low_pass(values: FloatArray, pole: float, bidirectional: bool) -> FloatArray:
    """First-order low-pass along each line in the beam's direction, started in its steady state."""
    if pole <= 0.0:
        return values
    if bidirectional:
        values[1::2] = values[1::2, ::-1].copy()
    b, a = [1.0 - pole], [1.0, -pole]
    zi = signal.lfilter_zi(b, a)[None, :] * values[:, :1]
    out, _ = signal.lfilter(b, a, values, axis=1, zi=zi)
    if bidirectional:
        out[1::2] = out[1::2, ::-1].copy()
    return np.asarray(out, dtype=np.float64)


def digitise_analog(expected: FloatArray, chain: ChainSettings, rng: np.random.Generator) -> NDArray[np.uint16]:
    """One digitised image ``[lines, pixels]`` from expected photo-electrons (dark counts included).

    ``rng`` is consumed in a fixed order: Poisson, Gamma, Normal.
    """
    electrons = rng.poisson(expected)
    charge: FloatArray = np.zeros(expected.shape)
    lit = electrons > 0
    if chain.excess_noise > 1.0:
        shape = 1.0 / (chain.excess_noise - 1.0)
        charge[lit] = rng.standard_gamma(electrons[lit] * shape) * (chain.gain / shape)
    else:
        charge[lit] = electrons[lit] * chain.gain
    if chain.amp_noise > 0.0:
        charge += chain.amp_noise * rng.standard_normal(expected.shape)
    if chain.bidirectional and chain.backward_gain != 1.0:
        charge[1::2] *= chain.backward_gain
    charge = _low_pass(charge, chain.pole, chain.bidirectional)
    charge += chain.offset
    np.rint(charge, out=charge)
    np.clip(charge, 0.0, float(chain.saturation), out=charge)
    return charge.astype(np.uint16)
