"""``score --micro-ssim``: MicroSSIM and MicroMS3IM fitted in passes streamed over fields of view.

References: the metric classes fitted on the whole set held in memory (metrics/_microssim.py, the manual
two-pass computation: fit on every pair, then score each), and the ``microssim`` package (marker ``reference``;
``pip install --no-deps microssim==0.0.5 torchmetrics lightning-utilities``). Data: the tiny simulated MITO
test split (tests/scoring/conftest.py), 192x192 images, large enough for MicroMS3IM's 5 scales (176 px).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from microsr_bench.cli import main
from microsr_bench.imageio import read_image
from microsr_bench.metrics import MicroMS3IM, MicroSSIM
from microsr_bench.metrics.microssim_fit import fit_elements
from microsr_bench.scoring import score_predictions
from microsr_bench.scoring._micro import objective_terms
from microsr_bench.scoring.format import read_prediction
from microsr_bench.scoring.record import validate_record


def _score(folder: Any, bench: Any, workers: int = 1) -> Any:
    return score_predictions(
        folder,
        bench=bench,
        datasets=["MITO"],
        recipes=["float"],
        metrics=["psnr"],
        micro_ssim=True,
        n_boot=100,
        progress=False,
        workers=workers,
    )


def _pairs(bench: Any, folder: Any, rows: list[dict[str, Any]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Targets and predictions in the order of the per-image rows, as the scorer reads them."""
    prepared, top = bench.prepared["MITO"], bench.benchmark.max_values["MITO"]
    targets = [read_image(prepared.hr_path(r["hr_id"])).astype(np.float64) / top for r in rows]
    shape = targets[0].shape
    preds = [read_prediction(next(folder.glob(f"{r['id']}.*")), shape=shape, max_value=top) for r in rows]
    return targets, preds


def test_derivatives_match_finite_differences(rng: np.random.Generator) -> None:
    # Closed form check: the analytic first and second derivatives of the summed map against central
    # differences of the sum itself (step 1e-4: truncation error ~1e-8 relative).
    x = rng.random((24, 24))
    y = 0.6 * x + 0.1 * rng.random((24, 24))
    e = fit_elements(x, y)
    c1, c2, alpha, h = 1e-4, 9e-4, 1.3, 1e-4
    f = [objective_terms(a, e, c1, c2)[0] for a in (alpha - h, alpha, alpha + h)]
    _, first, second = objective_terms(alpha, e, c1, c2)
    assert first == pytest.approx((f[2] - f[0]) / (2 * h), rel=1e-6)
    assert second == pytest.approx((f[2] - 2 * f[1] + f[0]) / h**2, rel=1e-4)


@pytest.mark.parametrize("dtype", ["uint16", "float32"])
def test_streamed_fit_equals_the_metric_classes_on_the_stacked_set(bench: Any, write: Any, dtype: str) -> None:
    folder = write("bicubic", dtype=dtype)  # float32: many distinct values, so the percentile's bins are full
    result = _score(folder, bench)
    rows = result.per_image
    targets, preds = _pairs(bench, folder, rows)
    manual = MicroSSIM().fit(targets, preds)
    fit = result.records[0]["aggregation"]["micro_fit"]
    # The offsets are exact order statistics, interpolated as np.percentile does; the scale follows from them.
    assert fit["offset_true"] == manual.offset_true and fit["offset_test"] == manual.offset_test
    assert fit["max_value"] == manual.max_value
    # Newton on the summed map vs Brent on its mean (tolerance 1.5e-8 relative): the same maximum.
    assert fit["ri_factor"] == pytest.approx(manual.ri_factor, rel=1e-7)
    ms3im = MicroMS3IM().fit(targets, preds)
    expected_ssim = manual.score(np.stack(targets), np.stack(preds))
    expected_ms3im = ms3im.score(np.stack(targets), np.stack(preds))
    assert np.allclose([r["micro/micro_ssim"] for r in rows], expected_ssim, rtol=1e-7, atol=0)
    assert np.allclose([r["micro/micro_ms3im"] for r in rows], expected_ms3im, rtol=1e-7, atol=0)
    summary = result.records[0]["metrics"]["micro"]["micro_ssim"]
    assert summary["mean"] == pytest.approx(float(np.mean(expected_ssim)), rel=1e-7)
    validate_record(result.records[0])


def test_two_workers_equal_one_worker_bit_for_bit(bench: Any, write: Any) -> None:
    folder = write("bicubic")
    one, two = _score(folder, bench, workers=1), _score(folder, bench, workers=2)
    assert two.per_image == one.per_image
    assert [r["aggregation"] for r in two.records] == [r["aggregation"] for r in one.records]
    assert [r["metrics"] for r in two.records] == [r["metrics"] for r in one.records]


def test_cli_flag_writes_the_micro_group(bench: Any, write: Any, tmp_path: Any) -> None:
    folder = write("bicubic")
    cache = str(bench.prepared["MITO"].root.parents[2])
    args = ["score", str(folder), "--protocol", "paired", "--source", "simulated", "--cache-dir", cache, "--quiet"]
    done = CliRunner().invoke(main, [*args, "--n-boot", "100", "--recipes", "float", "--micro-ssim"])
    assert done.exit_code == 0, done.output
    assert "recipe micro: MicroSSIM/MicroMS3IM" in done.output
    data = json.loads(folder.with_name("preds-results.json").read_text())
    assert [sorted(r["metrics"]["micro"]) for r in data["records"]] == [["micro_ms3im", "micro_ssim"]] * 2
    assert sorted(data["macro_average"]["metrics"]["micro"]) == ["micro_ms3im", "micro_ssim"]
    header = folder.with_name("preds-results.csv").read_text().splitlines()[0]
    assert "micro/micro_ssim" in header and "micro/micro_ms3im" in header


@pytest.mark.reference
def test_per_image_values_equal_the_microssim_package(bench: Any, write: Any) -> None:
    microssim = pytest.importorskip("microssim", reason="pip install --no-deps microssim==0.0.5 (module doc)")
    folder = write("bicubic")
    rows = _score(folder, bench).per_image
    targets, preds = _pairs(bench, folder, rows)
    reference_ssim, reference_ms3im = microssim.MicroSSIM(), microssim.MicroMS3IM()
    reference_ssim.fit(targets, preds)
    reference_ms3im.fit(targets, preds)
    # Tolerances as tests/metrics/test_microssim.py and test_microms3im.py: the package's BFGS stops near 1e-5.
    expected = [float(reference_ssim.score(t, p)) for t, p in zip(targets, preds, strict=True)]
    assert np.allclose([r["micro/micro_ssim"] for r in rows], expected, rtol=1e-5, atol=0)
    expected = [float(reference_ms3im.score(t, p)) for t, p in zip(targets, preds, strict=True)]
    assert np.allclose([r["micro/micro_ms3im"] for r in rows], expected, rtol=0, atol=2e-5)
