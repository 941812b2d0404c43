"""MicroSSIM and MicroMS3IM of a sub-dataset's predictions: the set-level fit, streamed over fields of view.

Both metrics score a pair with parameters fitted on the whole set of (target, prediction) pairs first
(:mod:`microsr_bench.metrics._microssim`): background offsets (the 3rd percentile of all target pixels, and of
all prediction pixels), a scale (the largest background-free target value) and the range-invariant factor
``alpha`` that maximises the mean scaled SSIM map over all pixels of all pairs. The metric classes fit on
images held in memory; here the fit streams the fields of view (one HR image and its frames at a time), so a
sub-dataset of 2,400 predictions is never stacked:

1. histograms of the top 16 bits of every value (targets counted once per frame) locate the percentile ranks;
2. the distinct values inside the located bins give the exact order statistics, so the offsets equal
   ``np.percentile`` of the stacked pixels;
3. safeguarded Newton steps on ``alpha``: each pass sums the scaled map and its first two derivatives in
   ``alpha`` over every pixel (the objective is a sum of per-pixel rational functions, which no fixed set of
   statistics summarises, hence one pass per step).

Every pass maps over the fields (:func:`~microsr_bench.scoring._fields.map_fields_distributed`) and sums the
per-field partials in field order, so the fit is the same bits for any number of workers or ranks; the sums
use ``np.sum`` (never a BLAS dot, whose thread split changes the rounding). The per-image scores are then taken
in the ordinary scoring pass with :class:`~microsr_bench.metrics.MicroSSIM` and ``MicroMS3IM`` set to the
fitted parameters (:func:`micro_scorers`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.scoring._fields import FieldJob, map_fields_distributed, worker_pool

#: The per-image columns ``--micro-ssim`` adds, in the record's ``micro`` group.
MICRO_COLUMNS = ("micro/micro_ssim", "micro/micro_ms3im")
BG_PERCENTILE = 3.0
_BINS = 1 << 16
#: Newton steps stop when a step moves alpha by less than this fraction (Brent's default tolerance is 1.5e-8),
#: or when a step is no smaller than the one before (the rounding of the sums is reached).
_TOLERANCE = 1e-10
_MAX_PASSES = 60

Array = NDArray[np.float64]


@dataclass(frozen=True)
class MicroFit:
    """The parameters both metrics use for one sub-dataset, and how many passes fitting ``alpha`` took."""

    offset_true: float
    offset_test: float
    max_value: float
    ri_factor: float
    alpha_passes: int

    def as_record(self) -> dict[str, float | int]:
        return {
            "offset_true": self.offset_true,
            "offset_test": self.offset_test,
            "max_value": self.max_value,
            "ri_factor": self.ri_factor,
            "alpha_passes": self.alpha_passes,
        }


def _pairs(job: FieldJob) -> Iterator[tuple[Array, Array]]:
    """(target, prediction) of each frame, both in [0, 1] as the scorer reads them, one frame at a time."""
    from microsr_bench.imageio import read_image
    from microsr_bench.scoring.format import read_prediction

    target = read_image(job.hr_path).astype(np.float64) / job.max_value
    for _, path in job.frames:
        yield target, read_prediction(path, shape=job.shape, max_value=job.max_value)


def _bins(values: Array) -> NDArray[np.intp]:
    # Values are >= 0 (the reader refuses negatives), so their IEEE bits sort as they do; + 0.0 turns -0.0 into 0.0.
    return (np.add(values, 0.0).view(np.uint64) >> np.uint64(48)).astype(np.intp)


def _histograms(job: FieldJob, _: Any) -> tuple[NDArray[np.int64], NDArray[np.int64], float]:
    from microsr_bench.imageio import read_image

    target = read_image(job.hr_path).astype(np.float64) / job.max_value
    true_hist = np.bincount(_bins(target).ravel(), minlength=_BINS).astype(np.int64) * len(job.frames)
    test_hist = np.zeros(_BINS, dtype=np.int64)
    for _, pred in _pairs(job):
        test_hist += np.bincount(_bins(pred).ravel(), minlength=_BINS)
    return true_hist, test_hist, float(target.max())


def _values_in(job: FieldJob, wanted: tuple[NDArray[np.intp], NDArray[np.intp]]) -> tuple[NDArray[Any], ...]:
    """Distinct values, and their counts, of the targets and of the predictions inside the wanted bins."""
    from microsr_bench.imageio import read_image

    target = read_image(job.hr_path).astype(np.float64) / job.max_value
    t_values, t_counts = np.unique(target[np.isin(_bins(target), wanted[0])], return_counts=True)
    parts = [np.unique(pred[np.isin(_bins(pred), wanted[1])], return_counts=True) for _, pred in _pairs(job)]
    p_values, p_counts = _merge_counts([v for v, _ in parts], [c for _, c in parts])
    return t_values, t_counts * len(job.frames), p_values, p_counts


def _merge_counts(values: Sequence[Array], counts: Sequence[NDArray[Any]]) -> tuple[Array, NDArray[np.int64]]:
    if not values:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    merged, inverse = np.unique(np.concatenate(values), return_inverse=True)
    total = np.zeros(len(merged), dtype=np.int64)
    np.add.at(total, inverse.ravel(), np.concatenate(counts).astype(np.int64))
    return merged, total


def _lerp(a: float, b: float, t: float) -> float:
    """NumPy's linear interpolation between order statistics (``np.percentile``'s default method)."""
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def _rank_bins(hist: NDArray[np.int64], q: float) -> tuple[tuple[int, int], float, NDArray[np.intp]]:
    """The two ranks ``np.percentile(q)`` interpolates between, the weight, and the bins that hold them."""
    n = int(hist.sum())
    index = (n - 1) * (q / 100)
    low = math.floor(index)
    ranks = (low, min(low + 1, n - 1))
    ends = np.cumsum(hist)
    bins = np.unique([int(np.searchsorted(ends, r, side="right")) for r in ranks]).astype(np.intp)
    return ranks, index - low, bins


def _order_value(
    hist: NDArray[np.int64], bins: NDArray[np.intp], values: Array, counts: NDArray[Any], rank: int
) -> float:
    """The value of the given rank (0-based) among all values, from the distinct values inside ``bins``."""
    before = int(hist[: bins[0]].sum())  # the located bins hold consecutive ranks: nothing lies between them
    position = int(np.searchsorted(np.cumsum(counts), rank - before, side="right"))
    return float(values[position])


def _offsets(jobs: Sequence[FieldJob], workers: int, pool: Any) -> tuple[float, float, float]:
    """Both offsets (exact ``np.percentile`` of every target and every prediction pixel) and the scale."""
    parts = map_fields_distributed(_histograms, jobs, None, workers=workers, pool=pool)
    true_hist = np.sum([p[0] for p in parts], axis=0)
    test_hist = np.sum([p[1] for p in parts], axis=0)
    t_ranks, t_weight, t_bins = _rank_bins(true_hist, BG_PERCENTILE)
    p_ranks, p_weight, p_bins = _rank_bins(test_hist, BG_PERCENTILE)
    found = map_fields_distributed(_values_in, jobs, (t_bins, p_bins), workers=workers, pool=pool)
    t_values, t_counts = _merge_counts([f[0] for f in found], [f[1] for f in found])
    p_values, p_counts = _merge_counts([f[2] for f in found], [f[3] for f in found])
    t_low, t_high = (_order_value(true_hist, t_bins, t_values, t_counts, r) for r in t_ranks)
    p_low, p_high = (_order_value(test_hist, p_bins, p_values, p_counts, r) for r in p_ranks)
    offset_true, offset_test = _lerp(t_low, t_high, t_weight), _lerp(p_low, p_high, p_weight)
    # (t - o).max() == t.max() - o: subtracting a constant keeps the order, and rounding is monotone.
    scale = max(p[2] for p in parts) - offset_true
    if scale <= 0:
        raise InvalidArgumentError(
            "MicroSSIM: the targets are flat after background subtraction (the largest target value equals the "
            f"{BG_PERCENTILE:g}th percentile); nothing to compare. Score without --micro-ssim."
        )
    return offset_true, offset_test, scale


def objective_terms(alpha: float, elements: Any, c1: float, c2: float) -> tuple[float, float, float]:
    """Sums over pixels of the scaled SSIM map and of its first and second derivatives in ``alpha``.

    Per pixel ``S = N / D`` with ``N = (2 a ux uy + c1)(2 a vxy + c2)`` and
    ``D = (ux² + a² uy² + c1)(vx + a² vy + c2)`` (metrics/_microssim.py); the derivatives are the quotient rule's.
    """
    a, b = elements.ux * elements.uy, elements.vxy
    p, q, r, s = elements.ux**2 + c1, elements.uy**2, elements.vx + c2, elements.vy
    n1, n2 = 2 * alpha * a + c1, 2 * alpha * b + c2
    d1, d2 = p + alpha**2 * q, r + alpha**2 * s
    num, den = n1 * n2, d1 * d2
    dnum, ddnum = 2 * a * n2 + 2 * b * n1, 8 * a * b
    dden = 2 * alpha * q * d2 + 2 * alpha * s * d1
    ddden = 2 * q * d2 + 2 * s * d1 + 8 * alpha**2 * q * s
    first = (dnum * den - num * dden) / den**2
    second = ddnum / den - (2 * dnum * dden + num * ddden) / den**2 + 2 * num * dden**2 / den**3
    return float(np.sum(num / den)), float(np.sum(first)), float(np.sum(second))


def _field_objective(job: FieldJob, fit: tuple[float, float, float, float, float, float]) -> tuple[float, float, float]:
    from microsr_bench.metrics.microssim_fit import fit_elements

    offset_true, offset_test, scale, alpha, c1, c2 = fit
    totals = [0.0, 0.0, 0.0]
    for target, pred in _pairs(job):
        x, y = (target - offset_true) / scale, (pred - offset_test) / scale
        terms = objective_terms(alpha, fit_elements(x, y), c1, c2)
        totals = [t + v for t, v in zip(totals, terms, strict=True)]
    return totals[0], totals[1], totals[2]


def _constants(job: FieldJob, offset_true: float, scale: float) -> tuple[float, float]:
    """C1 and C2 of the fit: those of the set's last pair, as the reference package aggregates."""
    from microsr_bench.imageio import read_image
    from microsr_bench.metrics.microssim_fit import fit_constants

    x = (read_image(job.hr_path).astype(np.float64) / job.max_value - offset_true) / scale
    data_range = float(x.max() - x.min())
    return fit_constants(data_range)


def _newton_step(alpha: float, slope: float, curvature: float) -> float:
    """The next alpha: a Newton step where the objective is concave, else a move uphill; within [a/2, 2a]."""
    step = -slope / curvature if curvature < 0 else math.copysign(0.5 * alpha, slope)
    return min(max(alpha + step, 0.5 * alpha), 2.0 * alpha)


def fit_micro(jobs: Sequence[FieldJob], workers: int = 1) -> MicroFit:
    """Fit MicroSSIM's offsets, scale and range-invariant factor on one sub-dataset's fields (module doc)."""
    with worker_pool(workers) as pool:
        offset_true, offset_test, scale = _offsets(jobs, workers, pool)
        c1, c2 = _constants(jobs[-1], offset_true, scale)
        alpha, last_step = 1.0, math.inf
        for passes in range(1, _MAX_PASSES + 1):
            payload = (offset_true, offset_test, scale, alpha, c1, c2)
            parts = map_fields_distributed(_field_objective, jobs, payload, workers=workers, pool=pool)
            slope = sum((p[1] for p in parts), 0.0)  # in field order: the same bits for any sharding
            curvature = sum((p[2] for p in parts), 0.0)
            new = _newton_step(alpha, slope, curvature)
            step = abs(new - alpha)
            if step <= _TOLERANCE * alpha or (passes > 3 and step >= last_step):
                return MicroFit(offset_true, offset_test, scale, new, passes)
            alpha, last_step = new, step
    raise InvalidArgumentError(
        f"MicroSSIM: the range-invariant factor did not converge in {_MAX_PASSES} passes (last alpha {alpha:.6g}); "
        "the predictions may be constant or unrelated to the targets. Score without --micro-ssim."
    )


def micro_scorers(fit: MicroFit) -> tuple[Any, Any]:
    """A MicroSSIM and a MicroMS3IM set to the fitted parameters (their ``score`` gives the per-image values)."""
    from microsr_bench.metrics import MicroMS3IM, MicroSSIM

    scorers = (MicroSSIM(bg_percentile=BG_PERCENTILE), MicroMS3IM(bg_percentile=BG_PERCENTILE))
    for scorer in scorers:
        scorer.offset_true, scorer.offset_test = fit.offset_true, fit.offset_test
        scorer.max_value, scorer.ri_factor = fit.max_value, fit.ri_factor
    return scorers
