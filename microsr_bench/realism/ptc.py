"""Photon-transfer statistics of LR stacks: dark peak, PTC line, bleaching, line phase and HR-to-LR signal scale.

Shared by the realism report and the physics degradation's calibration (which may use only what real stacks show).

The model is an analogue PMT detector (``docs/realism.md``): a pixel expecting ``lambda`` photo-electrons
reads ``offset + gain * lambda`` on average with variance ``F gain^2 lambda + read_noise^2 + 1/12``, so that

    variance = G_eff * (mean - offset) + read_noise^2 + 1/12,    G_eff = F * gain,

a straight line in (mean, variance): the photon transfer curve (Janesick, *Photon Transfer*, SPIE Press 2007,
ch. 2-5; EMVA Standard 1288, release 4.0, sec. 6). Its slope is ``G_eff``; ``F`` and ``gain`` are not separable
from first and second moments. Offset and read noise come from the zero-photo-electron peak of the darkest
pixels, not from the intercept, whose error (extrapolated from variances of 1e4-1e6 grey^2) is far larger than
``read_noise^2``.

Every function here is pure NumPy/SciPy and takes already validated input: stacks ``[F, h, w]`` of integer grey
levels, converted to float64 one stack at a time (a whole split in float64 would need gigabytes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, optimize

from microsr_bench.errors import InvalidArgumentError

#: One field's frames ``[F, h, w]``, integer grey levels as recorded (or floats holding them).
Stack = NDArray[Any]
#: Variance of a uniform rounding error of one grey level: the converter's quantisation noise.
ROUNDING_VARIANCE = 1.0 / 12.0


@dataclass(frozen=True)
class PeakFit:
    """Offset and read noise from the zero-photo-electron peak (grey levels)."""

    offset: float
    offset_se: float
    read_noise: float
    read_noise_se: float
    #: Pixel values that entered the histogram.
    values: int


@dataclass(frozen=True)
class LineFit:
    """Weighted straight line ``variance = intercept + slope * mean`` through binned PTC points."""

    slope: float
    slope_se: float
    intercept: float
    intercept_se: float
    #: Chi-square per degree of freedom of the fit (1 when the bins scatter as their errors say).
    reduced_chi2: float
    #: Covariance of (intercept, slope), already scaled by the reduced chi-square when that exceeds 1.
    covariance: NDArray[np.float64]
    #: Bin centres used: mean and variance (grey, grey^2) and the pixel count of each bin.
    means: NDArray[np.float64]
    variances: NDArray[np.float64]
    counts: NDArray[np.int64]


# -- offset and read noise ----------------------------------------------------------------------------------


def dark_values(stacks: Sequence[Stack], dark_fraction: float) -> NDArray[np.int64]:
    """Values of the darkest pixels: chosen on the mean of the even frames, read from the odd frames.

    Choosing and reading on different frames keeps the choice independent of the read values, so selecting
    "dark" pixels does not favour negative read-noise excursions (which would bias the offset low).
    """
    pooled = []
    for stack in stacks:
        chooser = stack[0::2].mean(axis=0)
        dark = chooser <= np.quantile(chooser, dark_fraction)
        pooled.append(stack[1::2][:, dark].ravel())
    return np.rint(np.concatenate(pooled)).astype(np.int64)


def _poisson_quadratic(x: NDArray[np.float64], counts: NDArray[np.float64]) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression ``log E[count] = c0 + c1 x + c2 x^2`` by iteratively reweighted least squares.

    A Gaussian peak has a quadratic log-density; Poisson likelihood (not a least-squares fit of log counts)
    keeps sparse tail bins unbiased. Returns the coefficients and their covariance (inverse Fisher matrix).
    """
    design = np.stack([np.ones_like(x), x, x * x], axis=1)
    weights = np.maximum(counts, 1.0)
    coef = np.linalg.lstsq(design * np.sqrt(weights)[:, None], np.log(weights) * np.sqrt(weights), rcond=None)[0]
    for _ in range(50):
        mu = np.exp(np.clip(design @ coef, -700.0, 700.0))
        fisher = design.T @ (design * mu[:, None])
        step = np.linalg.solve(fisher, design.T @ (counts - mu))
        coef = coef + step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = np.exp(np.clip(design @ coef, -700.0, 700.0))
    return coef, np.linalg.inv(design.T @ (design * mu[:, None]))


def _dark_histogram(values: NDArray[np.int64], max_value: int) -> NDArray[np.float64]:
    counts = np.bincount(values, minlength=max_value + 1).astype(np.float64)[: max_value + 1]
    counts[0] = counts[max_value] = 0.0  # clipped values pile up there
    if counts.sum() == 0:
        raise InvalidArgumentError(
            f"every dark pixel value is 0 or {max_value} (clipped), so the offset cannot be measured. Lower "
            "the detector offset/gain for calibration stacks, or pass offset= measured from dark frames."
        )
    return counts


def _initial_peak(counts: NDArray[np.float64]) -> tuple[float, float]:
    """Top of the smoothed histogram, and the rms distance of the values below it (a first width)."""
    centre = float(np.argmax(ndimage.gaussian_filter1d(counts, 2.0)))
    grey = np.arange(counts.size, dtype=np.float64)
    below = grey < centre
    if counts[below].sum() == 0:
        return centre, 1.0
    return centre, math.sqrt(max(float(np.average((grey[below] - centre) ** 2, weights=counts[below])), 0.25))


def _fit_window(counts: NDArray[np.float64], centre: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Poisson quadratic fit of the histogram from ``centre - 4 width`` to ``centre + width / 2``."""
    lo, hi = max(1, math.floor(centre - 4.0 * width)), min(counts.size - 2, math.ceil(centre + 0.5 * width))
    window = counts[lo : hi + 1]
    if np.count_nonzero(window) < 4 or window.sum() < 50:
        raise InvalidArgumentError(
            f"no resolvable zero-photo-electron peak in the dark pixels (peak near grey {centre:.0f}, width "
            f"{width:.2f} grey, {int(window.sum())} values in it): the read noise is below ~1 grey level or "
            "too few dark pixels were given. Pass offset= measured from dark frames."
        )
    coef, cov = _poisson_quadratic(np.arange(lo, hi + 1, dtype=np.float64) - centre, window)
    if coef[2] >= 0.0:
        raise InvalidArgumentError(
            f"the dark-pixel histogram near grey {centre:.0f} is not peaked (no zero-photo-electron peak): "
            "the darkest pixels still see many photons. Include darker regions or pass offset=."
        )
    return coef, cov


def fit_dark_peak(values: NDArray[np.int64], max_value: int) -> PeakFit:
    """Offset and read noise from the left side of the zero-photo-electron peak of dark pixels.

    Pixels that caught no photo-electron read ``N(offset, read_noise^2)`` rounded to integers (variance
    ``read_noise^2 + 1/12``). One photo-electron adds on average ``gain`` grey levels (hundreds at video-rate
    PMT voltages), so from the far left of the peak to half a read-noise width right of its top the
    histogram is that Gaussian alone. Its log is a parabola whose vertex is the offset and whose curvature is
    ``-1 / (2 var)``; a Poisson fit on the integer histogram gives both, with standard errors by the delta
    method. Three passes re-centre the window. Bins 0 and ``max_value`` are left out (clipped values).
    """
    counts = _dark_histogram(values, max_value)
    centre, width = _initial_peak(counts)
    for _ in range(3):
        coef, cov = _fit_window(counts, centre, width)
        centre, total_var = centre - coef[1] / (2.0 * coef[2]), -1.0 / (2.0 * coef[2])
        width = math.sqrt(max(total_var - ROUNDING_VARIANCE, 0.25))
    read_var = total_var - ROUNDING_VARIANCE
    if read_var <= 0.0:
        raise InvalidArgumentError(
            f"the zero-photo-electron peak is narrower than rounding alone (variance {total_var:.3f} grey^2): "
            "the data do not look like a digitised analogue signal. Pass offset= from dark frames."
        )
    grad_offset = np.array([0.0, -1.0 / (2.0 * coef[2]), coef[1] / (2.0 * coef[2] ** 2)])
    grad_var = np.array([0.0, 0.0, 1.0 / (2.0 * coef[2] ** 2)])
    read = math.sqrt(read_var)
    return PeakFit(
        offset=float(centre),
        offset_se=float(math.sqrt(grad_offset @ cov @ grad_offset)),
        read_noise=read,
        read_noise_se=float(math.sqrt(grad_var @ cov @ grad_var) / (2.0 * read)),
        values=int(values.size),
    )


# -- photon transfer curve ----------------------------------------------------------------------------------


def _half_statistics(stack: Stack, max_value: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(chooser mean, mean, variance) per pixel for the two interleaved halves of a stack.

    The variance of one half is half the mean squared difference of its consecutive frames (two frames apart in
    time): drift and bleaching change a pixel's expectation by ``delta`` per step, which adds only
    ``delta^2 / 2`` (1e-7 of the signal for 3 % bleaching over 100 frames), where the plain variance over the
    stack would add the variance of the whole trend. Pixels are binned on the *other* half's mean: binning on
    the same frames would correlate bin and variance through the skewness of the photon noise.
    Pixels clipped (0 or ``max_value``) in any chooser frame are left out.
    """
    halves = (stack[0::2].astype(np.float64), stack[1::2].astype(np.float64))  # differences of uint16 would wrap
    out = []
    for chooser, reader in (halves, halves[::-1]):
        clipped = np.any((chooser <= 0) | (chooser >= max_value), axis=0)
        keep = ~clipped
        diffs = np.diff(reader[:, keep], axis=0)
        out.append((chooser[:, keep].mean(axis=0), reader[:, keep].mean(axis=0), 0.5 * np.mean(diffs**2, axis=0)))
    return out


def ptc_points(
    stacks: Sequence[Stack], max_value: int, bins: int, min_count: int = 20
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Binned PTC: per bin of (independent) mean, the average mean and variance, the variance's squared error.

    Bins are equally wide between the 0.5th and 99.9th percentiles of the pixel means. A bin whose mean plus
    four standard deviations reaches ``max_value`` is dropped (saturation would flatten the curve).
    """
    parts = [s for stack in stacks for s in _half_statistics(stack, max_value)]
    chooser = np.concatenate([p[0] for p in parts])
    mean = np.concatenate([p[1] for p in parts])
    var = np.concatenate([p[2] for p in parts])
    if chooser.size == 0:
        raise InvalidArgumentError(
            f"every pixel is clipped at 0 or {max_value} in some frame: the stacks are saturated or underexposed, "
            "so no photon transfer curve can be measured. Use stacks recorded with a lower gain or offset."
        )
    lo, hi = np.quantile(chooser, [0.005, 0.999])
    index = np.clip(((chooser - lo) / max(hi - lo, 1e-9) * bins).astype(np.int64), -1, bins)
    inside = (index >= 0) & (index < bins)
    index, mean, var = index[inside], mean[inside], var[inside]
    counts = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.bincount(index, mean, minlength=bins) / counts
        v = np.bincount(index, var, minlength=bins) / counts
        spread = np.bincount(index, var**2, minlength=bins) / counts - v**2
    good = (counts >= min_count) & (m + 4.0 * np.sqrt(np.maximum(v, 0.0)) < max_value) & (spread > 0)
    err2 = np.where(good, spread / np.maximum(counts, 1) * counts / np.maximum(counts - 1, 1), np.inf)
    return m[good], v[good], err2[good], counts[good]


def fit_ptc(stacks: Sequence[Stack], max_value: int, bins: int) -> LineFit:
    """Weighted least-squares line through the binned PTC; errors scaled up by the reduced chi-square if > 1."""
    means, variances, err2, counts = ptc_points(stacks, max_value, bins)
    if means.size < 3 or np.ptp(means) <= 0:
        raise InvalidArgumentError(
            f"only {means.size} populated intensity bins remain after removing clipped and saturated pixels; the "
            "photon transfer curve needs a range of brightness. Give more or larger stacks with both dark and "
            "bright, unsaturated regions."
        )
    weights = 1.0 / err2
    design = np.stack([np.ones_like(means), means], axis=1)
    normal = design.T @ (design * weights[:, None])
    coef = np.linalg.solve(normal, design.T @ (variances * weights))
    resid = variances - design @ coef
    dof = max(means.size - 2, 1)
    chi2 = float(np.sum(weights * resid**2) / dof)
    cov: NDArray[np.float64] = np.linalg.inv(normal).astype(np.float64) * max(chi2, 1.0)
    return LineFit(
        slope=float(coef[1]),
        slope_se=float(math.sqrt(cov[1, 1])),
        intercept=float(coef[0]),
        intercept_se=float(math.sqrt(cov[0, 0])),
        reduced_chi2=chi2,
        covariance=cov,
        means=means,
        variances=variances,
        counts=counts,
    )


# -- bleaching, line phase, signal scale --------------------------------------------------------------------


def fit_bleach_rate(stacks: Sequence[Stack], offset: float) -> tuple[float, float]:
    """Per-frame log decay ``beta`` of the mean signal above offset, and its standard error.

    Each stack: least-squares line through ``log(mean_k - offset)`` against frame ``k``; stacks are combined
    with inverse-variance weights. The error is the larger of the weighted one and the between-stack scatter
    (real fields may bleach at different rates).
    """
    rates, errors = [], []
    for stack in stacks:
        signal = stack.reshape(stack.shape[0], -1).mean(axis=1) - offset
        if np.any(signal <= 0):
            raise InvalidArgumentError(
                f"a stack's mean frame value lies at or below the offset {offset:.1f}: it holds no signal to "
                "measure. Remove empty stacks or check the offset."
            )
        k = np.arange(signal.size, dtype=np.float64)
        slope, intercept = np.polyfit(k, np.log(signal), 1)
        resid = np.log(signal) - (slope * k + intercept)
        dof = max(signal.size - 2, 1)
        se = math.sqrt(float(np.sum(resid**2)) / dof / float(np.sum((k - k.mean()) ** 2)))
        rates.append(float(slope))
        errors.append(max(se, 1e-12))
    w = 1.0 / np.square(errors)
    rate = float(np.sum(w * np.array(rates)) / np.sum(w))
    se = math.sqrt(1.0 / float(np.sum(w)))
    if len(rates) > 1:
        se = max(se, float(np.std(rates, ddof=1)) / math.sqrt(len(rates)))
    return rate, se


def line_phase(mean_frame: NDArray[np.float64], max_shift: float = 4.0) -> float:
    """Shift of the backward (odd) lines along x relative to the forward (even) lines, in LR pixels.

    An odd line is compared with the average of the even lines above and below it; the shift ``phi`` minimises
    ``sum (odd(x) - even(x + phi))^2`` (cubic-spline resampling, coarse grid then bounded refinement). With
    the simulator's convention (a backward line samples ``x + phase``) this returns ``+phase``. The average of
    the neighbours blurs vertically, symmetrically in x, so the estimate is unbiased for content without a
    preferred slant.
    """
    height = mean_frame.shape[0] - (mean_frame.shape[0] % 2)
    even = 0.5 * (mean_frame[0 : height - 2 : 2] + mean_frame[2:height:2])
    odd = mean_frame[1 : height - 1 : 2]
    margin = math.ceil(max_shift) + 2
    coeffs = ndimage.spline_filter1d(even, order=3, axis=1)
    cols = np.arange(margin, even.shape[1] - margin, dtype=np.float64)
    rows = np.arange(even.shape[0], dtype=np.float64)

    def cost(phi: float) -> float:
        grid_r, grid_c = np.meshgrid(rows, cols + phi, indexing="ij")
        shifted = ndimage.map_coordinates(coeffs, [grid_r, grid_c], order=3, prefilter=False)
        return float(np.mean((odd[:, margin:-margin] - shifted) ** 2))

    grid = np.arange(-max_shift, max_shift + 1e-9, 0.25)
    best = float(grid[int(np.argmin([cost(float(p)) for p in grid]))])
    found = optimize.minimize_scalar(cost, bounds=(best - 0.25, best + 0.25), method="bounded", options={"xatol": 1e-3})
    return float(found.x)


def block_mean(image: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mean of each 2 x 2 block: what an LR pixel expects of an HR image with no drift or phase error."""
    h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    return image[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


def fit_signal_map(
    mean_frame: NDArray[np.float64], hr: NDArray[np.float64], smoothing_px: float, noise_var: float
) -> tuple[float, float, float]:
    """Linear map ``LR mean = intercept + slope * HR`` (HR normalised to [0, 1]) of one field by matching moments.

    Both images are smoothed with a Gaussian of ``smoothing_px`` LR pixels (HR after 2 x 2 block averaging)
    and cropped by ``3 sigma + 2`` pixels. Then ``slope = sd(LR) / sd(HR)`` (the LR pixel noise left after
    smoothing, ``noise_var``, removed) and ``intercept = mean(LR) - slope * mean(HR)``. Means and standard
    deviations over a field do not change when one image is shifted against the other, so drift and line phase
    (fractions of a pixel to a few pixels) do not shrink the slope as they would a least-squares regression,
    whose slope falls with the correlation. Returns (slope, intercept, correlation).
    """
    margin = math.ceil(3.0 * smoothing_px) + 2
    lr = ndimage.gaussian_filter(mean_frame, smoothing_px)[margin:-margin, margin:-margin]
    ref = ndimage.gaussian_filter(block_mean(hr), smoothing_px)[margin:-margin, margin:-margin]
    corr = float(np.corrcoef(lr.ravel(), ref.ravel())[0, 1])
    ref_var = float(np.var(ref))
    if ref_var <= 0.0:
        return math.nan, math.nan, corr
    slope = math.copysign(math.sqrt(max(float(np.var(lr)) - noise_var, 0.0) / ref_var), corr)
    return slope, float(np.mean(lr) - slope * np.mean(ref)), corr


def smoothing_noise_factor(smoothing_px: float) -> float:
    """Fraction of white-noise variance a Gaussian filter of ``smoothing_px`` keeps (sum of squared weights)."""
    size = 2 * math.ceil(4.0 * smoothing_px) + 1
    impulse = np.zeros((size, size))
    impulse[size // 2, size // 2] = 1.0
    return float(np.sum(ndimage.gaussian_filter(impulse, smoothing_px, mode="constant") ** 2))
