"""Paired comparison: a closed-form case enumerated by hand, SciPy's permutation test, and real result files."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.stats import permutation_test

from microsr_bench.cli import main
from microsr_bench.errors import InvalidArgumentError, RecordError
from microsr_bench.scoring import compare_records, score_predictions
from microsr_bench.scoring.compare import compare_field_means, compare_files, sign_flip_p_value

FINGERPRINT = "sha256:" + "0" * 64


def _record(psnr_by_field, fingerprint=FINGERPRINT, name="MITO"):
    return {
        "dataset": {"name": name, "split": "test", "fingerprint": fingerprint},
        "field_means": {"paper": {"psnr": dict(psnr_by_field)}},
    }


A = {"f1": 30.0, "f2": 31.0, "f3": 29.0, "f4": 32.0}
B = {"f1": 29.0, "f2": 30.5, "f3": 29.5, "f4": 30.0}


def test_closed_form_four_fields():
    # d = A - B = (1, 0.5, -0.5, 2), sum 3. Flipping the signs of a subset S gives 3 - 2 sum_S d; by hand,
    # |3 - 2 sum_S d| >= 3 for S in {}, {-0.5}, {1, 2}, {0.5, -0.5}, {1, 0.5, 2}, {all}: 6 of 16 -> p = 0.375.
    # t-interval: mean 0.75, sd sqrt(3.25 / 3), t_{3, 0.975} = 3.182446305284263 (Student t table).
    (diff,) = compare_records(_record(A), _record(B))
    assert (diff.dataset, diff.group, diff.metric, diff.n_fields) == ("MITO", "paper", "psnr", 4)
    assert diff.p_value == 6 / 16 and diff.p_method == "exact" and diff.n_permutations == 16
    assert diff.mean_diff == pytest.approx(0.75) and diff.mean_a == 30.5 and diff.mean_b == 29.75
    half = 3.182446305284263 * math.sqrt(3.25 / 3) / 2
    assert diff.ci95 == pytest.approx((0.75 - half, 0.75 + half), rel=1e-9)
    assert diff.ci95_boot[0] < 0.75 < diff.ci95_boot[1] and diff.a_better
    # Swapping A and B flips the difference, not the p-value.
    (back,) = compare_records(_record(B), _record(A))
    assert back.mean_diff == pytest.approx(-0.75) and back.p_value == diff.p_value and not back.a_better


def test_three_fields_can_never_reach_five_per_cent():
    # All three differences positive: only the identity and the full flip are as extreme: 2 / 8.
    assert sign_flip_p_value([1.0, 2.0, 3.0]) == (0.25, "exact", 8)


@pytest.mark.parametrize("g", [6, 11])
def test_exact_p_value_matches_scipy_permutation_test(g):
    rng = np.random.default_rng(g)
    a, b = rng.normal(30, 1, g), rng.normal(29.6, 1, g)
    # SciPy enumerates all 2^g pairings when n_resamples >= 2^g (permutation_type="samples" = paired).
    ref = permutation_test(
        (a, b),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        n_resamples=np.inf,
        alternative="two-sided",
    )
    p, how, count = sign_flip_p_value(a - b)
    assert how == "exact" and count == 2**g
    assert p == pytest.approx(ref.pvalue, abs=1e-12)


def test_monte_carlo_beyond_twenty_fields_agrees_with_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(30, 1, 24), rng.normal(29.7, 1, 24)
    p, how, count = sign_flip_p_value(a - b, n_resamples=50_000, seed=1)
    ref = permutation_test(
        (a, b),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        n_resamples=50_000,
        alternative="two-sided",
        rng=np.random.default_rng(2),
    )
    # Two Monte-Carlo estimates of the same p: each has SE sqrt(p (1 - p) / 50000); 5 SE of the difference.
    assert how == "monte-carlo" and count == 50_000
    assert abs(p - ref.pvalue) < 5 * math.sqrt(2 * p * (1 - p) / 50_000)


@pytest.mark.parametrize(
    ("b", "match"),
    [
        (_record(B, fingerprint="sha256:" + "1" * 64), "different test data.*fingerprint"),
        (_record(B, name="NUC"), "different test data.*name"),
        (
            _record({"f1": 1.0, "f2": 2.0, "f3": 3.0, "f9": 4.0}),
            r"same fields.*only in A: \['f4'\].*only in B: \['f9'\]",
        ),
        ({"dataset": _record(B)["dataset"]}, "no per-field means"),
    ],
)
def test_refuses_what_cannot_be_paired(b, match):
    with pytest.raises(InvalidArgumentError, match=match):
        compare_records(_record(A), b)


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="finite"):
        sign_flip_p_value([1.0, math.nan])
    with pytest.raises(InvalidArgumentError, match="n_resamples"):
        sign_flip_p_value([1.0], n_resamples=10)
    with pytest.raises(InvalidArgumentError, match="n_boot"):
        compare_field_means(A, B, metric="psnr", n_boot=5)


def test_result_files_with_field_means_or_only_the_csv(write, bench, tmp_path):
    good, _ = score_predictions(write("perfect", name="p"), bench=bench, progress=False, n_boot=200).write(
        tmp_path / "perfect.json"
    )
    bad, _ = score_predictions(write("bicubic", name="b"), bench=bench, progress=False, n_boot=200).write(
        tmp_path / "bicubic.json"
    )
    diffs = compare_files(good, bad)
    assert {d.dataset for d in diffs} == {"MITO", "NUC"}
    ssim = next(d for d in diffs if (d.dataset, d.group, d.metric) == ("NUC", "float", "ssim"))
    records = {r["dataset"]["name"]: r for r in json.loads(bad.read_text())["records"]}
    # Two frames per field in every tiny split: the mean of field means is the record's mean.
    assert ssim.mean_b == pytest.approx(records["NUC"]["metrics"]["float"]["ssim"]["mean"], rel=1e-12)
    assert ssim.mean_a == pytest.approx(1.0) and ssim.a_better and ssim.p_value == 0.5  # 2 fields: 2 / 4
    # A schema 1.0 record without field_means: the same numbers from the per-image CSV beside it.
    data = json.loads(bad.read_text())
    data["schema_version"] = "1.0"
    for record in data["records"]:
        record["schema_version"] = "1.0"
        del record["field_means"]
    old = tmp_path / "bicubic-old.json"
    old.write_text(json.dumps(data))
    assert [d.as_dict() for d in compare_files(good, old)] == [d.as_dict() for d in diffs]
    # ... and refused with a clear reason when that CSV is gone.
    (tmp_path / "bicubic.csv").unlink()
    with pytest.raises(RecordError, match=r"no per-field means.*no per-image CSV"):
        compare_files(good, old)


def test_cli(write, bench, tmp_path):
    a, _ = score_predictions(write("perfect", name="p"), bench=bench, progress=False, n_boot=200).write(
        tmp_path / "a.json"
    )
    b, _ = score_predictions(write("bicubic", name="b"), bench=bench, progress=False, n_boot=200).write(
        tmp_path / "b.json"
    )
    result = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert "MITO    paper/psnr" in result.output and "sign-flip" in result.output
    data = json.loads(CliRunner().invoke(main, ["compare", str(a), str(b), "--json"]).output)
    assert len(data["differences"]) == 2 * 3 * 4  # datasets x recipes x metrics
    missing = CliRunner().invoke(main, ["compare", str(a), str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "cannot be read" in missing.output


def test_cli_columns_stay_apart_for_tiny_differences(write, bench, tmp_path):
    # The same method run on two machines differs by 1e-8 to 1e-5 (docs/results/simulated/device-check/): such
    # differences print as +1.234e-08, and the interval column must not run into them.
    a, _ = score_predictions(write("bicubic", name="b"), bench=bench, progress=False, n_boot=200).write(
        tmp_path / "a.json"
    )
    data = json.loads(a.read_text())
    for record in data["records"]:
        for by_metric in record["field_means"].values():
            for by_field in by_metric.values():
                for i, field in enumerate(sorted(by_field)):
                    by_field[field] -= (i + 1) * 1.234567e-8
    b = tmp_path / "b.json"
    b.write_text(json.dumps(data))
    result = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if line.startswith(("MITO ", "NUC "))]
    assert len(rows) == 2 * 3 * 4
    for row in rows:  # dataset, metric, fields, A, B, A-B, [low,, high], p, better
        assert len(row) == 10, row
        assert row[5].startswith("+") and "e-08" in row[5] and row[6].startswith("[")
