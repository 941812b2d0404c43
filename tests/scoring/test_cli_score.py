"""``microsr-bench score`` refuses what it cannot honour at once, before any data is loaded or scored.

Each case is one from issue 10 (first use and hostile use); the expected texts are the command's messages.
"""

import json

import pytest
from click.testing import CliRunner

from microsr_bench.cli import main
from microsr_bench.errors import InvalidArgumentError, PredictionError, UnknownNameError
from microsr_bench.scoring import ProtocolInfo, score_predictions, write_predictions
from microsr_bench.scoring.table import PLUS_MINUS


@pytest.fixture
def score(bench):
    cache = str(bench.prepared["MITO"].root.parents[2])

    def run(folder, *args):
        base = ["score", str(folder), "--source", "simulated", "--cache-dir", cache, "--quiet", "--n-boot", "100"]
        return CliRunner().invoke(main, [*base, "--recipes", "float", *args])

    return run


def test_protocol_is_required_and_a_typo_gets_did_you_mean(write, score):
    folder = write("bicubic")
    missing = score(folder)
    assert (
        missing.exit_code == 2 and "--protocol is required" in missing.output and "paired, zero-shot" in missing.output
    )
    typo = score(folder, "--protocol", "pairde")
    assert typo.exit_code == 1 and "Unknown protocol 'pairde'" in typo.output and "Did you mean 'paired'" in typo.output
    assert not folder.with_name("preds-results.json").exists()


def test_zero_shot_onto_the_scored_dataset_and_stray_options_are_refused(write, score):
    folder = write("bicubic")
    same = score(folder, "--protocol", "zero-shot", "--dataset", "MITO", "--from", "MITO")
    assert same.exit_code == 1 and "source and target are both 'MITO'" in same.output
    # The default source is MITO, and the folder holds MITO: refused too, not recorded as zero-shot.
    assert "Use the paired protocol" in score(folder, "--protocol", "zero-shot").output
    stray = score(folder, "--protocol", "paired", "--from", "NUC")
    assert stray.exit_code == 2 and "--from belongs to --protocol zero-shot, not paired" in stray.output
    assert "--k belongs to --protocol burst" in score(folder, "--protocol", "paired", "--k", "8").output
    shots = score(folder, "--protocol", "blind-synthetic", "--shots", "200")
    assert shots.exit_code == 2 and "--shots belongs to --protocol paired or zero-shot or burst" in shots.output


def test_records_carry_the_protocol_its_id_and_shots(write, score):
    folder = write("bicubic")
    done = score(folder, "--protocol", "zero-shot", "--from", "MITO", "--dataset", "NUC", "--shots", "200")
    assert done.exit_code == 0, done.output
    record = json.loads(folder.with_name("preds-results.json").read_text())["records"][0]
    assert record["protocol"] == {
        "name": "zero_shot",
        "parameters": {"source": "MITO", "source_shots": 200, "id": "zero_shot(source=MITO,source_shots=200)"},
    }
    assert record["shots"] is None  # zero-shot trains on the source; the target's shots are not used
    paired = score(folder, "--protocol", "paired", "--shots", "200", "--out", str(folder.parent / "p.json"))
    assert paired.exit_code == 0, paired.output
    assert json.loads((folder.parent / "p.json").read_text())["records"][0]["shots"] == 200


def test_burst_scores_one_prediction_per_burst(bench, images, tmp_path, score):
    from microsr_bench.protocols.data import burst_inputs

    # Tiny data: 4 test frames per field, so k=4 gives one burst (named after its first frame) per field.
    firsts = [first for name in ("MITO", "NUC") for first, _ in burst_inputs(bench, name, 4)]
    folder = write_predictions(tmp_path / "bursts", {i: images[i][0] for i in firsts}, bench.benchmark)
    done = score(folder, "--protocol", "burst", "--k", "4")
    assert done.exit_code == 0, done.output
    records = json.loads(folder.with_name("bursts-results.json").read_text())["records"]
    assert [(r["protocol"]["parameters"]["id"], r["n_images"]) for r in records] == [("burst(k=4)", 2)] * 2


def test_size_comes_from_predictions_json(write, score):
    folder = write("bicubic")  # written from the tiny data: predictions.json says "size": "tiny"
    done = score(folder, "--protocol", "paired")  # no --size: the default would be full (not generated here)
    assert done.exit_code == 0, done.output
    assert json.loads(folder.with_name("preds-results.json").read_text())["records"][0]["dataset"]["size"] == "tiny"


def test_fingerprint_mismatch_names_the_fix(write, bench):
    folder = write("bicubic")
    meta = json.loads((folder / "predictions.json").read_text())
    meta["size"] = "small"
    meta["datasets"]["MITO"]["fingerprint"] = "0" * 64  # as if made on the small data
    (folder / "predictions.json").write_text(json.dumps(meta))
    with pytest.raises(PredictionError, match=r"score with --size small \(API: size='small'\)"):
        score_predictions(folder, bench=bench, progress=False, n_boot=100)


def test_out_collisions_are_refused_before_scoring(write, score):
    folder = write("bicubic")
    metadata = (folder / "predictions.json").read_bytes()
    inside = score(folder, "--protocol", "paired", "--out", str(folder / "predictions.json"))
    assert inside.exit_code == 1 and "lies inside the prediction folder" in inside.output
    assert (folder / "predictions.json").read_bytes() == metadata
    assert score(folder, "--protocol", "paired").exit_code == 0
    again = score(folder, "--protocol", "paired")
    assert again.exit_code == 1 and "already exists (an earlier result); nothing was scored" in again.output
    assert score(folder, "--protocol", "paired", "--overwrite").exit_code == 0


def test_out_folder_is_written_inside(write, score, tmp_path):
    folder = write("bicubic")
    (tmp_path / "res").mkdir()
    done = score(folder, "--protocol", "paired", "--out", str(tmp_path / "res"))
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == ["preds-results.csv", "preds-results.json"]
    assert not (tmp_path / "res.csv").exists()


def test_table_says_what_plus_minus_is(write, score):
    done = score(write("bicubic"), "--protocol", "paired")
    assert f"cells: mean {PLUS_MINUS}" in done.output
    assert "the leaderboard's ± is half the 95 % interval" in done.output


def test_api_protocol_info_is_checked_at_construction():
    with pytest.raises(UnknownNameError, match="Did you mean 'paired'"):
        ProtocolInfo(name="pairde")
    with pytest.raises(InvalidArgumentError, match=r"protocol id 'paired' does not match protocol 'burst'"):
        ProtocolInfo(name="burst", parameters={"k": 4, "id": "paired"})
    assert ProtocolInfo().name == "unspecified"  # the API default, refused by leaderboard submit


def test_bad_n_boot_is_refused_before_loading(write):
    with pytest.raises(InvalidArgumentError, match="n_boot must be an integer >= 100"):
        score_predictions(write("bicubic"), n_boot=5, source="folder", progress=False)  # folder: fails fast if late


def test_fields_records_what_evaluate_fields_records(bench, score, tmp_path):
    # The reference is evaluate's own record for the same field-level run (bicubic needs no training), so the
    # two commands must agree on fields, shots, train_pairs and the protocol id.
    cache = str(bench.prepared["MITO"].root.parents[2])
    args = ["evaluate", "--method", "bicubic", "--dataset", "MITO", "--fields", "2", "--source", "simulated"]
    args += ["--size", "tiny", "--cache-dir", cache, "--out", str(tmp_path / "r"), "--quiet", "--keep-predictions"]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    (result,) = (tmp_path / "r").rglob("result.json")
    evaluated = json.loads(result.read_text())["records"][0]
    scored = score(result.parent / "predictions", "--protocol", "paired", "--fields", "2", "--out", str(tmp_path))
    assert scored.exit_code == 0, scored.output
    record = json.loads((tmp_path / "predictions-results.json").read_text())["records"][0]
    keys = ("fields", "shots", "train_pairs", "protocol")
    assert {k: record[k] for k in keys} == {k: evaluated[k] for k in keys}
    # Tiny profile: 2 whole fields of 4 frames (microsr_bench/data/profiles.py).
    assert (record["fields"], record["shots"], record["train_pairs"]) == (2, None, 8)
    assert record["protocol"]["parameters"]["id"] == "paired(fields=2)"


def test_fields_is_exclusive_with_shots_and_paired_only(write, score):
    folder = write("bicubic")
    both = score(folder, "--protocol", "paired", "--shots", "200", "--fields", "4")
    assert both.exit_code == 2 and "--shots 200 and --fields 4 both choose the training set" in both.output
    zero = score(folder, "--protocol", "zero-shot", "--dataset", "NUC", "--fields", "4")
    assert zero.exit_code == 2 and "--fields belongs to --protocol paired, not zero-shot" in zero.output
    assert not folder.with_name("preds-results.json").exists()


def test_crop_border_equals_the_api(bench, write, score, tmp_path):
    # The reference is score_predictions(crop_border=4) on the same folder: same per-image rows and summaries.
    folder = write("bicubic")
    done = score(folder, "--protocol", "paired", "--crop-border", "4", "--out", str(tmp_path / "c.json"))
    assert done.exit_code == 0, done.output
    api = score_predictions(
        folder, bench=bench, recipes=["float"], n_boot=100, crop_border=4, progress=False, protocol=ProtocolInfo()
    )
    records = json.loads((tmp_path / "c.json").read_text())["records"]
    assert [r["aggregation"]["crop_border"] for r in records] == [4, 4]
    assert [r["metrics"] for r in records] == [r["metrics"] for r in api.result_set()["records"]]
    uncropped = score_predictions(folder, bench=bench, recipes=["float"], n_boot=100, progress=False)
    assert records[0]["metrics"] != uncropped.result_set()["records"][0]["metrics"]  # the border mattered
    negative = score(folder, "--protocol", "paired", "--crop-border", "-1", "--out", str(tmp_path / "n.json"))
    assert negative.exit_code == 2 and "-1 is not in the range x>=0" in negative.output
