"""Photon transfer of one LR burst: gain, offset, excess noise factor, electronic noise floor, clipping, bleaching.

Model (an analogue PMT chain, ``docs/realism.md``): a pixel expecting ``lambda`` photo-electrons reads
``offset + sum of lambda-Poisson many single-electron charges X`` plus Gaussian electronic noise, rounded.
With ``E[X] = g`` (gain, grey levels per photo-electron) and ``E[X^2] = F g^2`` (``F`` the excess noise
factor), the temporal cumulants of a pixel of mean ``m`` are (compound Poisson)

    k2 = F g (m - offset) + r^2 + 1/12,        k3 = E[X^3] / g * (m - offset),

and for a Gamma-distributed charge (the usual PMT model, shape ``1 / (F - 1)``) ``E[X^3] = F (2F - 1) g^3``.
So the slopes ``s2 = F g`` and ``s3 = F (2F - 1) g^2`` of the two lines give ``F = 1 / (2 - s3 / s2^2)`` and
``g = s2 / F``: the third cumulant separates gain and excess noise, which the variance alone cannot. (A
Poisson count times a fixed gain, ``F = 1``, gives ``s3 = s2^2``.)

Drift and bleaching change a pixel's expectation along the burst; the temporal statistics are therefore taken
from the second difference ``d_k = x_k - (x_{k-1} + x_{k+1}) / 2``, which cancels any linear trend and has
``Var d = 1.5 k2`` and ``k3(d) = 0.75 k3`` for independent frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.realism import ptc as _ptc

__all__ = ["PhotonTransfer", "bleaching", "photon_transfer"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class PhotonTransfer:
    """What the photon transfer of one burst gives (grey levels unless named otherwise)."""

    #: Mean grey levels per photo-electron, ``g``.
    gain: float
    #: Slope ``F g`` of temporal variance against mean signal: grey^2 per grey level.
    effective_gain: float
    #: ``F`` from the third cumulant; ``None`` when the skewness line is too noisy to give one in [1, 3].
    excess_noise_factor: float | None
    #: Grey level of zero signal and the electronic (zero-signal) noise, rms, rounding removed.
    offset: float
    read_noise: float
    #: ``dark_peak`` (zero-photo-electron peak of the darkest pixels) or ``skewness`` (third-cumulant line).
    offset_method: str
    #: Binned points: mean, k2, k3 per bin (for the figure).
    means: list[float]
    variances: list[float]
    third: list[float]


def _second_difference_moments(stack: NDArray[np.integer], max_value: int) -> tuple[Array, Array, Array, Array]:
    """Per pixel (unclipped ones): chooser mean (other half), mean, k2 and k3 of the reading half."""
    halves = (stack[0::2].astype(np.float64), stack[1::2].astype(np.float64))
    parts: list[tuple[Array, Array, Array, Array]] = []
    for chooser, reader in (halves, halves[::-1]):
        keep = ~np.any((chooser <= 0) | (chooser >= max_value) | (reader <= 0) | (reader >= max_value), axis=0)
        r = reader[:, keep]
        d = r[1:-1] - 0.5 * (r[:-2] + r[2:])
        parts.append(
            (chooser[:, keep].mean(axis=0), r.mean(axis=0), np.mean(d**2, axis=0) / 1.5, np.mean(d**3, axis=0) / 0.75)
        )
    c, m, k2, k3 = (np.concatenate([p[i] for p in parts]) for i in range(4))
    return c, m, k2, k3


def _binned(chooser: Array, values: list[Array], bins: int) -> tuple[list[Array], list[Array], Array]:
    edges = np.unique(np.quantile(chooser, np.linspace(0.0, 1.0, bins + 1)))
    index = np.clip(np.searchsorted(edges, chooser, side="right") - 1, 0, edges.size - 2)
    counts = np.bincount(index, minlength=edges.size - 1).astype(np.float64)
    good = counts >= 20
    means, errors = [], []
    for v in values:
        m = np.bincount(index, v, minlength=counts.size) / np.maximum(counts, 1)
        sq = np.bincount(index, v * v, minlength=counts.size) / np.maximum(counts, 1)
        means.append(m[good])
        errors.append(np.sqrt(np.maximum(sq - m * m, 1e-300) / np.maximum(counts - 1, 1))[good])
    return means, errors, counts[good]


def _line(x: Array, y: Array, err: Array) -> tuple[float, float]:
    """Weighted least-squares ``y = a + b x``; returns (a, b)."""
    w = 1.0 / np.maximum(err, 1e-9 * (float(np.abs(y).max()) + 1.0)) ** 2
    design = np.stack([np.ones_like(x), x], axis=1)
    coef = np.linalg.solve(design.T @ (design * w[:, None]), design.T @ (y * w))
    return float(coef[0]), float(coef[1])


def _smooth_errors(x: Array, err: Array) -> Array:
    """Bin errors replaced by a straight line through them: weighting by each bin's own, noisy, error would
    favour the bins whose third moment came out low (the two are correlated) and bias the slope low."""
    a, b = np.polyfit(x, err, 1)
    return np.maximum(a * x + b, 0.1 * float(np.median(err)))


def photon_transfer(stack: NDArray[np.integer], max_value: int, *, bins: int = 24) -> PhotonTransfer:
    """Gain, offset, ``F`` and electronic noise of one burst ``[F, h, w]`` of integer grey levels (F >= 6)."""
    if stack.shape[0] < 6:
        raise InvalidArgumentError(
            f"photon transfer needs at least 6 frames of one field (two halves with a second difference each); "
            f"got {stack.shape[0]}. Use the whole burst."
        )
    chooser, mean, k2, k3 = _second_difference_moments(stack, max_value)
    if chooser.size < 20 * 4:
        raise InvalidArgumentError(
            f"only {chooser.size} unclipped pixels (never 0 or {max_value}): too few for photon transfer. "
            "The burst is saturated or clipped at zero nearly everywhere."
        )
    (m, v2, v3), (_, e2, e3), _ = _binned(chooser, [mean, k2, k3], bins)
    if m.size < 3 or np.ptp(m) <= 0:
        raise InvalidArgumentError(
            "the burst has no range of brightness: photon transfer needs dark and bright pixels."
        )
    a2, s2 = _line(m, v2, e2)
    a3, s3 = _line(m, v3, _smooth_errors(m, e3))
    if s2 <= 0:
        raise InvalidArgumentError(
            f"the temporal variance does not grow with the signal (slope {s2:.3g}): no photon noise is visible; "
            "give raw frames, not averaged or denoised ones."
        )
    ratio = s3 / s2**2
    measured = 1.0 / (2.0 - ratio) if ratio < 2.0 else math.inf
    # Sampling error can put a true F of 1 slightly below 1; far outside [1, 3] the skewness line is noise, and
    # F = 1 (every photo-electron the same charge) is assumed so that the gain is the PTC slope.
    excess = min(max(measured, 1.0), 3.0) if 0.9 <= measured <= 3.0 else None
    factor = 1.0 if excess is None else excess
    offset, read, method = _offset_and_noise(stack, max_value, s2, factor, a2, a3, s3)
    return PhotonTransfer(
        gain=s2 / factor,
        effective_gain=s2,
        excess_noise_factor=excess,
        offset=offset,
        read_noise=read,
        offset_method=method,
        means=m.tolist(),
        variances=v2.tolist(),
        third=v3.tolist(),
    )


def _offset_and_noise(
    stack: NDArray[np.integer], max_value: int, s2: float, excess: float, a2: float, a3: float, s3: float
) -> tuple[float, float, str]:
    """From the zero-photo-electron peak if the darkest pixels show one, else from the skewness line.

    A peak narrower than half a photo-electron step is bare electronic noise; a wider one is a photon
    distribution (``_ptc.fit_dark_peak``). Without one, ``k3 = s3 (m - offset)`` has no electronic term, so its
    zero crossing is the offset, and the variance line there gives ``r^2 + 1/12``.
    """
    try:
        peak = _ptc.fit_dark_peak(_ptc.dark_values([stack], 0.1), max_value)
        if peak.read_noise <= 0.5 * s2 / excess:
            return peak.offset, peak.read_noise, "dark_peak"
    except InvalidArgumentError:
        pass
    if s3 <= 0:
        raise InvalidArgumentError(
            "no zero-photo-electron peak in the darkest pixels and no positive skewness of the noise: the offset "
            "cannot be measured from this burst. Include darker regions."
        )
    offset = -a3 / s3
    return offset, math.sqrt(max(a2 + s2 * offset - _ptc.ROUNDING_VARIANCE, 0.0)), "skewness"


def bleaching(stack: NDArray[np.integer], offset: float) -> tuple[float, float, list[float]]:
    """Per-frame log decay rate of the mean signal above ``offset``, the fraction lost over the burst, and the
    mean signal of each frame (grey levels above offset)."""
    signal = stack.reshape(stack.shape[0], -1).astype(np.float64).mean(axis=1) - offset
    rate, _ = _ptc.fit_bleach_rate([stack], offset)
    return rate, 1.0 - math.exp(rate * (stack.shape[0] - 1)), signal.tolist()


def clipping(stack: NDArray[np.integer], max_value: int) -> tuple[float, float]:
    """Fraction of values at 0 (clipped at zero: the zero-signal fraction) and at ``max_value`` (saturated)."""
    return float(np.mean(stack == 0)), float(np.mean(stack >= max_value))
