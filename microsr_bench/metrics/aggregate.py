"""Per-dataset and macro summaries of per-image scores: mean, cluster-robust SE, t- and bootstrap intervals.

The 100 low-resolution frames of one field of view share their high-resolution target and their
structures, so their scores are strongly correlated: the unit of independent replication is the **field
of view (HR image)**, not the frame. Every uncertainty here therefore treats HR images as clusters.

For ``N`` per-image values ``y_i`` in ``G`` groups with sums ``S_g`` and sizes ``n_g``:

- mean: ``m = sum_i y_i / N`` (every frame weighs the same; with equal group sizes this is also the
  mean of the group means);
- standard error: the cluster-robust (CR1) standard error of a mean, ``SE^2 = G / (G - 1) *
  sum_g e_g^2 / N^2`` with group residual totals ``e_g = S_g - n_g m``. With equal sizes it reduces to
  ``sd(group means) / sqrt(G)`` (sample standard deviation, ``ddof = 1``);
- 95 % interval (``ci95``, the primary one): ``m -/+ t_{G-1, 0.975} SE``, a Student-t interval over HR
  images. It keeps its coverage from 3 to 24 fields, skewed field distributions included, where the
  percentile bootstrap does not (``benchmarks/interval_coverage.py`` measures both; ``docs/metrics.md``
  has the table and the argument);
- percentile bootstrap (``ci95_boot``, secondary): draws ``G`` HR images with replacement (all frames of a
  drawn image come along) ``n_boot`` times, recomputes ``sum S / sum n`` each time and takes the 2.5 % and
  97.5 % quantiles (linear interpolation). Vectorised and deterministic: one
  ``numpy.random.Generator(PCG64(seed))``. Too narrow with few fields (about 75 % coverage at ``G = 3``).

With a single HR image (``G = 1``) nothing is known about the spread between fields of view: the SE and the
intervals are NaN, never a misleading zero width.

PSNR of an exact match is ``+inf``. Per-image tables keep it; for means and intervals every value above
``cap`` (``PSNR_CAP_DB`` = 100 dB for PSNR, see :func:`default_cap`) is replaced by ``cap`` and counted
in ``n_capped``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from microsr_bench.errors import InvalidArgumentError

__all__ = [
    "PSNR_CAP_DB",
    "MacroSummary",
    "Summary",
    "bootstrap_means",
    "default_cap",
    "field_means",
    "macro_average",
    "summarize",
]

#: Ceiling for PSNR in means and intervals. 8-bit images of 512x512 that differ by one grey level in one
#: pixel score 102.3 dB; real restorations score 20-45 dB, so the cap only bites on (near) exact matches.
PSNR_CAP_DB = 100.0
#: Fewest bootstrap resamples accepted; fewer make the 2.5 % and 97.5 % quantiles mostly noise.
MIN_BOOT = 100

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def default_cap(metric: str) -> float | None:
    """The cap :func:`summarize` should use for a metric: :data:`PSNR_CAP_DB` for ``psnr``, else ``None``."""
    return PSNR_CAP_DB if metric == "psnr" else None


def _nan_to_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def _t_interval(mean: float, sem: float, df: float, level: float = 0.95) -> tuple[float, float]:
    if not 0 < level < 1:
        raise InvalidArgumentError(f"t_interval: level must be in (0, 1), got {level!r}; 0.95 is the default.")
    if math.isnan(sem) or not df > 0:
        return (math.nan, math.nan)
    half = float(student_t.ppf(0.5 + level / 2, df)) * sem
    return (mean - half, mean + half)


@dataclass(frozen=True)
class Summary:
    """Mean, standard error and 95 % intervals (Student-t primary, bootstrap secondary) of one metric on one dataset."""

    mean: float
    #: Cluster-robust standard error (HR images as clusters); NaN when there is one HR image.
    sem: float
    #: ``mean -/+ t_{G-1} SE``, the primary 95 % interval; (NaN, NaN) when there is one HR image.
    ci95: tuple[float, float]
    #: Percentile-bootstrap 95 % interval over HR images (undercovers with few fields); NaN with one HR image.
    ci95_boot: tuple[float, float]
    n_images: int
    #: Number of HR images (clusters).
    n_groups: int
    #: Values replaced by ``cap`` before averaging (e.g. infinite PSNR of identical images).
    n_capped: int = 0
    cap: float | None = None

    def t_interval(self, level: float = 0.95) -> tuple[float, float]:
        """``mean -/+ t_{G-1} SE`` at any level (``ci95`` is the 0.95 one); NaN when ``G = 1``."""
        return _t_interval(self.mean, self.sem, self.n_groups - 1, level)

    def as_record(self) -> dict[str, Any]:
        """A JSON-safe dict for result records: NaN becomes ``None``."""
        return {
            "mean": _nan_to_none(self.mean),
            "sem": _nan_to_none(self.sem),
            "ci95": [_nan_to_none(self.ci95[0]), _nan_to_none(self.ci95[1])],
            "ci95_boot": [_nan_to_none(self.ci95_boot[0]), _nan_to_none(self.ci95_boot[1])],
            "n_images": self.n_images,
            "n_groups": self.n_groups,
            "n_capped": self.n_capped,
            "cap": self.cap,
        }


@dataclass(frozen=True)
class MacroSummary:
    """Macro average over datasets: the mean of the dataset means, each dataset weighing the same."""

    mean: float
    #: ``sqrt(sum_d SE_d^2) / D`` (datasets are independent); NaN if any dataset has one HR image.
    sem: float
    #: ``mean -/+ t_df SE`` with Welch-Satterthwaite degrees of freedom ``df`` (see :func:`macro_average`).
    ci95: tuple[float, float]
    #: Percentile interval of the mean of per-dataset bootstrap means (HR images resampled per dataset).
    ci95_boot: tuple[float, float]
    #: The per-dataset summaries, by dataset name.
    datasets: dict[str, Summary] = field(default_factory=dict)

    @property
    def n_capped(self) -> int:
        return sum(s.n_capped for s in self.datasets.values())

    def as_record(self) -> dict[str, Any]:
        """A JSON-safe dict for result records: NaN becomes ``None``."""
        return {
            "mean": _nan_to_none(self.mean),
            "sem": _nan_to_none(self.sem),
            "ci95": [_nan_to_none(self.ci95[0]), _nan_to_none(self.ci95[1])],
            "ci95_boot": [_nan_to_none(self.ci95_boot[0]), _nan_to_none(self.ci95_boot[1])],
            "n_capped": self.n_capped,
            "datasets": {name: s.as_record() for name, s in self.datasets.items()},
        }


@dataclass(frozen=True)
class _Clusters:
    """Values reduced to per-group sums and sizes, after capping."""

    sums: FloatArray
    sizes: FloatArray
    mean: float
    n_images: int
    n_capped: int


def _prepare(values: Sequence[float] | FloatArray, groups: Sequence[Hashable], cap: float | None) -> _Clusters:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise InvalidArgumentError(f"summarize: values must be a non-empty 1-D sequence, got shape {array.shape}.")
    if len(groups) != array.size:
        raise InvalidArgumentError(
            f"summarize: got {array.size} values but {len(groups)} group ids; give the HR image id of every value."
        )
    if np.isnan(array).any() or np.isneginf(array).any():
        raise InvalidArgumentError(
            f"summarize: values contain {int(np.isnan(array).sum())} NaN and {int(np.isneginf(array).sum())} "
            "-inf entries; per-image scores must be numbers (drop or fix failed images before summarising)."
        )
    n_capped = 0
    if cap is not None:
        if not math.isfinite(cap):
            raise InvalidArgumentError(f"summarize: cap must be a finite number or None, got {cap!r}.")
        above = array > cap
        n_capped = int(above.sum())
        array = np.where(above, cap, array)
    elif np.isposinf(array).any():
        raise InvalidArgumentError(
            f"summarize: {int(np.isposinf(array).sum())} values are +inf (PSNR of identical images?); pass "
            "cap=PSNR_CAP_DB (or default_cap(metric)) to average them as the cap and count them."
        )
    _, codes = np.unique(np.array([str(g) for g in groups]), return_inverse=True)
    sums = np.asarray(np.bincount(codes, weights=array), dtype=np.float64)
    sizes = np.bincount(codes).astype(np.float64)
    return _Clusters(sums, sizes, float(array.mean()), int(array.size), n_capped)


def _cluster_sem(c: _Clusters) -> float:
    g = c.sums.size
    if g < 2:
        return math.nan
    residuals = c.sums - c.sizes * c.mean
    return math.sqrt(g / (g - 1) * float(np.sum(residuals**2)) / float(c.sizes.sum()) ** 2)


def _boot_means(c: _Clusters, n_boot: int, rng: np.random.Generator) -> FloatArray:
    """``n_boot`` means of ``G`` groups drawn with replacement: ``(counts @ sums) / (counts @ sizes)``.

    The products are ``einsum``'s (NumPy's own loops) rather than BLAS, whose threaded split of a long
    product depends on the thread count: the interval must not change with ``OMP_NUM_THREADS``.
    """
    g = c.sums.size
    draws = rng.integers(0, g, size=(n_boot, g))
    counts = np.bincount((draws + g * np.arange(n_boot)[:, None]).ravel(), minlength=n_boot * g)
    counts = counts.reshape(n_boot, g).astype(np.float64)
    return np.asarray(np.einsum("bg,g->b", counts, c.sums) / np.einsum("bg,g->b", counts, c.sizes), dtype=np.float64)


def _interval(boot: FloatArray, valid: bool) -> tuple[float, float]:
    if not valid:
        return (math.nan, math.nan)
    low, high = np.quantile(boot, [0.025, 0.975])
    return (float(low), float(high))


def check_bootstrap(n_boot: int, seed: int) -> None:
    """Refuse a bootstrap size below the minimum or a seed that is not a non-negative integer."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < MIN_BOOT:
        raise InvalidArgumentError(f"n_boot must be an integer >= {MIN_BOOT}, got {n_boot!r}; 2000 is the default.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidArgumentError(f"seed must be a non-negative integer, got {seed!r}.")


def bootstrap_means(
    values: Sequence[float] | FloatArray,
    groups: Sequence[Hashable],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    cap: float | None = None,
) -> FloatArray:
    """The ``n_boot`` bootstrap replicates of the mean behind :func:`summarize`'s interval (same seed, same draws).

    Each replicate draws ``G`` HR images with replacement and returns ``sum(S_g) / sum(n_g)`` over the draws.
    """
    check_bootstrap(n_boot, seed)
    return _boot_means(_prepare(values, groups, cap), n_boot, np.random.Generator(np.random.PCG64(seed)))


def summarize(
    values: Sequence[float] | FloatArray,
    groups: Sequence[Hashable],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    cap: float | None = None,
) -> Summary:
    """Summarise per-image scores of one dataset with HR images as clusters (see the module docstring).

    Args:
        values: one score per image (frame).
        groups: the HR image (field of view) id of each value, same length; any hashable ids, compared
            as strings.
        n_boot: bootstrap resamples (at least 100).
        seed: seed of the ``PCG64`` generator; the same inputs and seed give the same interval.
        cap: values above it (and ``+inf``) are replaced by it and counted; required when values hold
            ``+inf``. Use :func:`default_cap` (100 dB for PSNR).

    Returns:
        A :class:`Summary`.
    """
    check_bootstrap(n_boot, seed)
    c = _prepare(values, groups, cap)
    boot = _boot_means(c, n_boot, np.random.Generator(np.random.PCG64(seed)))
    sem = _cluster_sem(c)
    return Summary(
        mean=c.mean,
        sem=sem,
        ci95=_t_interval(c.mean, sem, c.sums.size - 1),
        ci95_boot=_interval(boot, c.sums.size > 1),
        n_images=c.n_images,
        n_groups=int(c.sums.size),
        n_capped=c.n_capped,
        cap=cap,
    )


def macro_average(
    per_dataset: Mapping[str, tuple[Sequence[float] | FloatArray, Sequence[Hashable]]],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    cap: float | None = None,
) -> MacroSummary:
    """Macro average over datasets: mean of dataset means, combined SE, t- and stratified bootstrap intervals.

    Each dataset counts once, whatever its size. The datasets are independent, so
    ``SE = sqrt(sum_d SE_d^2) / D``. The primary interval is ``mean -/+ t_df SE`` with the Welch-Satterthwaite
    degrees of freedom ``df = (sum_d v_d)^2 / sum_d (v_d^2 / (G_d - 1))``, ``v_d = SE_d^2``: a dataset with
    few fields and a large SE pulls ``df`` towards its own ``G_d - 1``. The bootstrap interval comes from
    one bootstrap in which every replicate resamples the HR images **within** each dataset (stratified)
    and averages the ``D`` dataset means; datasets are visited in sorted name order so that the result
    does not depend on dict order.

    Args:
        per_dataset: ``{dataset name: (values, groups)}`` as for :func:`summarize`.
        n_boot, seed, cap: as for :func:`summarize`; each dataset's own summary uses the same seed.

    Returns:
        A :class:`MacroSummary` holding the per-dataset summaries too.
    """
    check_bootstrap(n_boot, seed)
    if not per_dataset:
        raise InvalidArgumentError("macro_average: got no datasets; pass {name: (values, groups)} for each one.")
    names = sorted(per_dataset)
    clusters = {name: _prepare(*per_dataset[name], cap) for name in names}
    rng = np.random.Generator(np.random.PCG64(seed))
    boot = np.mean([_boot_means(clusters[name], n_boot, rng) for name in names], axis=0)
    summaries = {name: summarize(*per_dataset[name], n_boot=n_boot, seed=seed, cap=cap) for name in names}
    valid = all(s.n_groups > 1 for s in summaries.values())
    sem = math.sqrt(sum(s.sem**2 for s in summaries.values())) / len(names) if valid else math.nan
    mean = float(np.mean([s.mean for s in summaries.values()]))
    return MacroSummary(
        mean=mean,
        sem=sem,
        ci95=_t_interval(mean, sem, _satterthwaite(list(summaries.values()))) if valid else (math.nan, math.nan),
        ci95_boot=_interval(boot, valid),
        datasets=summaries,
    )


def _satterthwaite(summaries: Sequence[Summary]) -> float:
    variances = [s.sem**2 for s in summaries]
    denominator = sum(v**2 / (s.n_groups - 1) for v, s in zip(variances, summaries, strict=True))
    # All SEs zero (every field identical): any df gives a zero-width interval; use the pooled count.
    return sum(variances) ** 2 / denominator if denominator > 0 else float(sum(s.n_groups - 1 for s in summaries))


def field_means(
    values: Sequence[float] | FloatArray, groups: Sequence[Hashable], *, cap: float | None = None
) -> dict[str, float]:
    """The mean of each HR image's values (after capping as :func:`summarize` does), keyed by ``str(id)``.

    These are the per-field numbers that paired comparisons (:mod:`microsr_bench.scoring.compare`) pair up.
    """
    c = _prepare(values, groups, cap)
    ids = np.unique(np.array([str(g) for g in groups]))
    return {str(i): float(s / n) for i, s, n in zip(ids, c.sums, c.sizes, strict=True)}
