"""The public names of microsr_bench.metrics are pinned: changing them is an API change."""

import microsr_bench.metrics as metrics

EXPECTED = [
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


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_pinned():
    assert metrics.__all__ == sorted(metrics.__all__, key=_isort_key)
    assert metrics.__all__ == EXPECTED
    assert all(hasattr(metrics, name) for name in metrics.__all__)
