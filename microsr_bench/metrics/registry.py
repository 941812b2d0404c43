"""Metadata of every metric the benchmark reports: direction, range, unit and kind, for scorer and leaderboard."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.registry import Registry

__all__ = ["METRICS", "MetricInfo", "MetricKind", "get_metric_info", "list_metrics"]

MetricKind = Literal["full-reference", "no-reference", "set"]
_KINDS: tuple[MetricKind, ...] = ("full-reference", "no-reference", "set")


@dataclass(frozen=True)
class MetricInfo:
    """What a metric's numbers mean; the leaderboard sorts and formats by it."""

    #: Registered name, as in result records (``psnr``, ``ssim``, ...).
    name: str
    #: Whether larger values are better (sort order of a leaderboard column).
    higher_is_better: bool
    #: Smallest possible value (``-inf`` when unbounded).
    lower: float
    #: Largest possible value (``+inf`` when unbounded; PSNR of identical images is ``+inf``).
    upper: float
    #: Unit for table headers (``dB``), or ``""`` for unitless.
    unit: str
    #: ``full-reference`` (per image, needs the target), ``no-reference`` (per image, prediction only)
    #: or ``set`` (one value for a set of images, e.g. FID).
    kind: MetricKind
    #: One sentence: what it measures and its reference.
    description: str

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidArgumentError(f"metric {self.name!r}: kind must be one of {_KINDS}, got {self.kind!r}.")
        if not self.lower < self.upper or math.isnan(self.lower) or math.isnan(self.upper):
            raise InvalidArgumentError(
                f"metric {self.name!r}: lower ({self.lower}) must be below upper ({self.upper})."
            )


METRICS: Registry[MetricInfo] = Registry("metric")

for _info in (
    MetricInfo(
        "psnr",
        True,
        -math.inf,
        math.inf,
        "dB",
        "full-reference",
        "Peak signal-to-noise ratio 10 log10(L^2 / MSE); +inf for identical images.",
    ),
    MetricInfo(
        "ssim",
        True,
        -1.0,
        1.0,
        "",
        "full-reference",
        "Structural similarity (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, valid region.",
    ),
    MetricInfo(
        "ms_ssim",
        True,
        0.0,
        1.0,
        "",
        "full-reference",
        "Multi-scale SSIM (Wang, Simoncelli and Bovik 2003), 5 scales, negative terms clamped at 0.",
    ),
    MetricInfo(
        "nrmse",
        False,
        0.0,
        math.inf,
        "",
        "full-reference",
        "Root-mean-square error divided by the target's range (max - min).",
    ),
    MetricInfo(
        "micro_ssim",
        True,
        -1.0,
        1.0,
        "",
        "full-reference",
        "MicroSSIM (Ashesh et al. 2024): SSIM after background offsets and a range-invariant factor fitted on the set.",
    ),
    MetricInfo(
        "micro_ms3im",
        True,
        0.0,
        1.0,
        "",
        "full-reference",
        "MicroMS3IM (Ashesh et al. 2024): MicroSSIM's fit, each pair scored by 5-scale MS-SSIM.",
    ),
    MetricInfo(
        "niqe",
        False,
        0.0,
        math.inf,
        "",
        "no-reference",
        "Natural Image Quality Evaluator (Mittal et al. 2013); off-scale on micrographs.",
    ),
    MetricInfo(
        "fid",
        False,
        0.0,
        math.inf,
        "",
        "set",
        "Frechet Inception Distance (Heusel et al. 2017) between predicted and target image sets.",
    ),
    MetricInfo(
        "kid",
        False,
        -math.inf,
        math.inf,
        "",
        "set",
        "Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2, cubic kernel; can be below 0.",
    ),
):
    METRICS.add(_info.name, _info)


def get_metric_info(name: str) -> MetricInfo:
    """Metadata of a registered metric; an unknown name lists the valid ones and the closest match."""
    return METRICS.get(name)


def list_metrics(kind: MetricKind | None = None) -> list[str]:
    """Names of the registered metrics, sorted; only those of one ``kind`` when given."""
    if kind is not None and kind not in _KINDS:
        raise InvalidArgumentError(f"list_metrics: kind must be one of {_KINDS} or None, got {kind!r}.")
    return [name for name in METRICS.names() if kind is None or METRICS.get(name).kind == kind]
