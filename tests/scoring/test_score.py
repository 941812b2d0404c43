"""Round trips on the simulated test split: predictions written, scored by the library and the CLI."""

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from microsr_bench.cli import main
from microsr_bench.errors import NotFoundError
from microsr_bench.metrics import PSNR_CAP_DB
from microsr_bench.scoring import MethodInfo, ProtocolInfo, read_result, score_predictions, validate_record


def test_perfect_predictions_score_perfectly(write, bench):
    folder = write("perfect")
    result = score_predictions(folder, bench=bench, progress=False, n_boot=200)
    assert [r["dataset"]["name"] for r in result.records] == ["MITO", "NUC"]
    for record in result.records:
        validate_record(record)
        psnr = record["metrics"]["paper"]["psnr"]
        # Identical images have infinite PSNR; aggregates cap it at PSNR_CAP_DB and count the capped images.
        assert psnr["mean"] == PSNR_CAP_DB and psnr["n_capped"] == 8 == record["n_images"]
        assert record["metrics"]["float"]["ssim"]["mean"] == pytest.approx(1.0, abs=1e-12)
        assert record["dataset"]["source"] == "simulated" and record["n_fields"] == 2
    assert all(row["paper/psnr"] == float("inf") for row in result.per_image)
    assert result.macro["datasets"] == ["MITO", "NUC"]


def test_bicubic_scores_match_scikit_image(write, bench, images):
    folder = write("bicubic", dtype="float32", fmt="npy")
    result = score_predictions(folder, bench=bench, progress=False, n_boot=200, recipes=("float",))
    row = result.per_image[3]
    # Independent reference: scikit-image on the same pair (prediction read back from the float32 file).
    pred = np.load(folder / f"{row['id']}.npy").astype(np.float64)
    hr = images[row["id"]][0]
    assert row["float/psnr"] == pytest.approx(peak_signal_noise_ratio(hr, pred, data_range=1.0), abs=1e-9)
    ssim = structural_similarity(
        hr, pred, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert row["float/ssim"] == pytest.approx(ssim, abs=1e-9)
    mito = result.records[0]["metrics"]["float"]["psnr"]
    values = [r["float/psnr"] for r in result.per_image if r["dataset"] == "MITO"]
    assert mito["mean"] == pytest.approx(np.mean(values), abs=1e-12)
    assert mito["ci95"][0] <= mito["mean"] <= mito["ci95"][1]


def test_bicubic_is_far_from_perfect(write, bench):
    result = score_predictions(write("bicubic"), bench=bench, progress=False, n_boot=200)
    for record in result.records:
        assert record["metrics"]["paper"]["psnr"]["mean"] < 30
        assert record["metrics"]["normalized"]["ssim"]["mean"] < 0.7


def test_record_fields_and_schema(write, bench, tmp_path):
    result = score_predictions(
        write("bicubic"),
        bench=bench,
        progress=False,
        n_boot=200,
        method=MethodInfo(name="bicubic", description="PyTorch bicubic"),
        protocol=ProtocolInfo(name="paired", parameters={"shots": None}),
        niqe=True,
    )
    json_path, csv_path = result.write(tmp_path / "out" / "bicubic.json")
    data = read_result(json_path)
    record = data["records"][1]
    assert record["method"]["name"] == "bicubic" and record["protocol"]["name"] == "paired"
    assert record["dataset"]["fingerprint"] == bench.benchmark.fingerprint("NUC", "test")
    # Written from arrays, not by a model: no runtime is known, and the record does not invent one.
    assert record["runtime"] == {"seconds_per_image": None, "device": None, "device_name": None, "what": None}
    assert record["no_reference"]["niqe"]["mean"] > 0
    assert record["per_image_file"] == "bicubic.csv"
    with csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 16 and {"dataset", "id", "hr_id", "paper/psnr", "niqe"} <= set(rows[0])


def test_intervals_are_deterministic(write, bench):
    folder = write("bicubic")
    first = score_predictions(folder, bench=bench, progress=False, n_boot=300, seed=3).records
    again = score_predictions(folder, bench=bench, progress=False, n_boot=300, seed=3).records
    assert first[0]["metrics"] == again[0]["metrics"]


def test_cli_round_trip(write, bench, tmp_path):
    folder = write("bicubic")
    cache = str(bench.prepared["MITO"].root.parents[2])
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "score",
            str(folder),
            "--source",
            "simulated",
            "--size",
            "tiny",
            "--cache-dir",
            cache,
            "--quiet",
            "--protocol",
            "paired",
            "--n-boot",
            "200",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "method bicubic, protocol paired, source simulated - SIMULATED data" in result.output
    assert "recipe paper" in result.output and "macro" in result.output
    out = folder.with_name("preds-results.json")
    assert json.loads(out.read_text())["records"][0]["method"]["name"] == "bicubic"
    as_json = runner.invoke(
        main,
        [
            "score",
            str(folder),
            "--source",
            "simulated",
            "--size",
            "tiny",
            "--cache-dir",
            cache,
            "--quiet",
            "--json",
            "--protocol",
            "paired",
            "--dataset",
            "NUC",
            "--out",
            str(tmp_path / "nuc.json"),
        ],
    )
    assert as_json.exit_code == 0 and json.loads(as_json.output)["records"][0]["dataset"]["name"] == "NUC"


def test_cli_reports_problems_and_exits_1(write, bench):
    folder = write("perfect")
    next(folder.glob("NUC/*/*.tif")).unlink()
    cache = str(bench.prepared["MITO"].root.parents[2])
    args = ["score", str(folder), "--source", "simulated", "--size", "tiny", "--cache-dir", cache, "--quiet"]
    result = CliRunner().invoke(main, [*args, "--protocol", "paired"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "1 of 8 predictions missing: NUC/" in result.output
    assert not folder.with_name("preds-results.json").exists()


def test_fid_without_weights_says_what_to_fetch(write, bench, monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("MICROSR_BENCH_INCEPTION", raising=False)
    with pytest.raises(NotFoundError, match=r"pt_inception-2015-12-05-6726825d\.pth"):
        score_predictions(write("perfect"), bench=bench, progress=False, n_boot=200, fid=True, datasets=["MITO"])


def test_model_predictions_carry_their_runtime(bench, tmp_path):
    from baselines.classical import Interpolate
    from microsr_bench.scoring import write_model_predictions

    folder = write_model_predictions(
        Interpolate("bicubic"), bench, tmp_path / "model", method="bicubic", progress=False
    )
    meta = json.loads((folder / "predictions.json").read_text())
    assert meta["datasets"]["MITO"]["n"] == 8 and meta["method"] == "bicubic"
    result = score_predictions(folder, bench=bench, progress=False, n_boot=200)
    runtime = result.records[0]["runtime"]
    assert runtime["device"] == "cpu" and runtime["seconds_per_image"] > 0
    assert "model forward only" in runtime["what"]


def test_crop_border_is_applied_and_recorded(write, bench):
    # Reference: the same prediction folder scored with crop 0 vs 2 differs, and crop 2 equals score_group on
    # manually cropped images (recipes.score_group is tested against scikit-image on manual crops).
    from microsr_bench.metrics import score_group

    folder = write("bicubic")
    full = score_predictions(folder, bench=bench, progress=False, n_boot=200, recipes=("paper",), metrics=("psnr",))
    cropped = score_predictions(
        folder, bench=bench, progress=False, n_boot=200, recipes=("paper",), metrics=("psnr",), crop_border=2
    )
    assert cropped.records[0]["aggregation"]["crop_border"] == 2 and full.records[0]["aggregation"]["crop_border"] == 0
    row_full, row_crop = full.per_image[0], cropped.per_image[0]
    assert row_full["id"] == row_crop["id"] and row_full["paper/psnr"] != row_crop["paper/psnr"]
    validate_record(cropped.records[0])
    from microsr_bench.scoring import read_prediction

    hr_id = row_crop["hr_id"]
    target = bench["test"].with_format("numpy")
    hr = next(r["hr"] for r in target if r["hr_id"] == hr_id) / bench.benchmark.max_values["MITO"]
    pred = read_prediction(
        folder / "MITO" / hr_id / f"{row_crop['id'].split('/')[-1]}.tif",
        shape=hr.shape,
        max_value=bench.benchmark.max_values["MITO"],
    )
    manual = score_group(
        reference=hr[2:-2, 2:-2], predictions=pred[None, 2:-2, 2:-2], recipes=("paper",), metrics=("psnr",)
    )
    assert row_crop["paper/psnr"] == pytest.approx(float(manual["paper"]["psnr"][0]), abs=1e-9)


def test_fid_and_kid_are_streamed_on_tiles_with_their_counts(write, bench, monkeypatch):
    # The Inception weights are not shipped: a stand-in extractor (per-image mean and std) exercises the
    # scorer's streaming path; the numbers themselves are checked in tests/metrics/test_kid.py.
    import torch

    import microsr_bench.metrics._inception_weights as weights

    def fake(x: torch.Tensor) -> torch.Tensor:
        return torch.stack([x.mean((1, 2, 3)), x.std((1, 2, 3))], dim=1)

    monkeypatch.setattr(weights, "load_fid_inception", lambda *a, **k: fake)
    import microsr_bench.metrics as metrics

    monkeypatch.setattr(metrics, "find_inception_weights", lambda *a, **k: None)  # the early check of the file
    result = score_predictions(write("bicubic"), bench=bench, progress=False, n_boot=200, fid=True, datasets=["MITO"])
    record = result.records[0]
    validate_record(record)
    assert set(record["set_metrics"]) == {"fid", "kid"} and record["set_metrics"]["fid"] >= 0
    samples = record["set_metrics_samples"]
    hr_side = max(bench.prepared["MITO"].manifest.hr_shape)
    per_image = (
        1
        if hr_side <= 299
        else len(__import__("microsr_bench.metrics._kid", fromlist=["x"]).tile_offsets(hr_side)) ** 2
    )
    assert samples["n_images_pred"] == record["n_images"] and samples["n_images_ref"] == record["n_fields"]
    assert samples["n_patches_pred"] == per_image * record["n_images"]
