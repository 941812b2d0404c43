"""Image-quality metrics: full-reference metrics and their recipes, NIQE, FID, the metric registry, aggregation."""

from microsr_bench.metrics._fid import extract_features, feature_statistics, fid, frechet_distance
from microsr_bench.metrics._inception_weights import find_inception_weights
from microsr_bench.metrics._kid import SetMetrics, kid, set_metrics
from microsr_bench.metrics._microms3im import MicroMS3IM, micro_ms3im
from microsr_bench.metrics._microssim import MicroSSIM, micro_ssim
from microsr_bench.metrics._niqe import NiqeModel, fit_niqe_model, niqe, pristine_model
from microsr_bench.metrics.aggregate import (
    PSNR_CAP_DB,
    MacroSummary,
    Summary,
    default_cap,
    field_means,
    macro_average,
    summarize,
)
from microsr_bench.metrics.functional import MS_SSIM_WEIGHTS, ms_ssim, nrmse, psnr, ssim, ssim_and_ms_ssim
from microsr_bench.metrics.recipes import (
    FULL_REFERENCE_METRICS,
    PreparedPair,
    Recipe,
    get_recipe,
    list_recipes,
    score_batch,
    score_group,
    score_pair,
    to_unit_float,
)
from microsr_bench.metrics.registry import MetricInfo, get_metric_info, list_metrics

__all__ = [
    "FULL_REFERENCE_METRICS",
    "MS_SSIM_WEIGHTS",
    "PSNR_CAP_DB",
    "MacroSummary",
    "MetricInfo",
    "MicroMS3IM",
    "MicroSSIM",
    "NiqeModel",
    "PreparedPair",
    "Recipe",
    "SetMetrics",
    "Summary",
    "default_cap",
    "extract_features",
    "feature_statistics",
    "fid",
    "field_means",
    "find_inception_weights",
    "fit_niqe_model",
    "frechet_distance",
    "get_metric_info",
    "get_recipe",
    "kid",
    "list_metrics",
    "list_recipes",
    "macro_average",
    "micro_ms3im",
    "micro_ssim",
    "ms_ssim",
    "niqe",
    "nrmse",
    "pristine_model",
    "psnr",
    "score_batch",
    "score_group",
    "score_pair",
    "set_metrics",
    "ssim",
    "ssim_and_ms_ssim",
    "summarize",
    "to_unit_float",
]
