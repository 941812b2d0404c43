"""The metric registry: every entry is consistent, lookups and errors behave."""

import math

import pytest

from microsr_bench.errors import InvalidArgumentError, UnknownNameError
from microsr_bench.metrics import get_metric_info, list_metrics
from microsr_bench.metrics.registry import METRICS, MetricInfo


@pytest.mark.parametrize("name", METRICS.names())
def test_every_entry_is_consistent(name):
    info = get_metric_info(name)
    assert info.name == name
    assert info.lower < info.upper
    assert info.kind in ("full-reference", "no-reference", "set")
    assert info.description.endswith(".")


def test_expected_entries():
    # Directions and ranges from the definitions: PSNR in dB (+inf for identical images), SSIM in [-1, 1],
    # MS-SSIM in [0, 1] (negative terms clamped), NRMSE, NIQE and FID are distances (lower is better).
    assert list_metrics() == ["fid", "kid", "micro_ms3im", "micro_ssim", "ms_ssim", "niqe", "nrmse", "psnr", "ssim"]
    psnr = get_metric_info("psnr")
    assert (psnr.higher_is_better, psnr.unit, psnr.upper) == (True, "dB", math.inf)
    assert (get_metric_info("ssim").lower, get_metric_info("ssim").upper) == (-1.0, 1.0)
    assert (get_metric_info("ms_ssim").lower, get_metric_info("ms_ssim").upper) == (0.0, 1.0)
    assert not get_metric_info("nrmse").higher_is_better
    assert get_metric_info("niqe").kind == "no-reference" and not get_metric_info("niqe").higher_is_better
    assert get_metric_info("fid").kind == "set" and not get_metric_info("fid").higher_is_better
    assert list_metrics("full-reference") == ["micro_ms3im", "micro_ssim", "ms_ssim", "nrmse", "psnr", "ssim"]
    # MicroSSIM is an SSIM (in [-1, 1]); MicroMS3IM an MS-SSIM with negative terms clamped (in [0, 1]).
    assert (get_metric_info("micro_ssim").lower, get_metric_info("micro_ms3im").lower) == (-1.0, 0.0)
    assert list_metrics("set") == ["fid", "kid"]


def test_unknown_metric_did_you_mean():
    with pytest.raises(UnknownNameError, match=r"Unknown metric 'PSNR'.*Did you mean 'psnr'\?"):
        get_metric_info("PSNR")
    with pytest.raises(InvalidArgumentError, match="kind must be one of"):
        list_metrics("reference")  # type: ignore[arg-type]


def test_metric_info_validation():
    with pytest.raises(InvalidArgumentError, match="kind"):
        MetricInfo("x", True, 0.0, 1.0, "", "pairwise", "x.")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="below upper"):
        MetricInfo("x", True, 1.0, 1.0, "", "set", "x.")
    with pytest.raises(ValueError, match="registered twice"):
        METRICS.add("psnr", get_metric_info("psnr"))
