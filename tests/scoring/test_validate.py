"""Validation of prediction folders: every kind of problem, all reported at once, nothing written."""

import json

import numpy as np
import pytest
import tifffile

from microsr_bench.errors import PredictionError
from microsr_bench.scoring import score_predictions


def _score(folder, bench, **kwargs):
    return score_predictions(folder, bench=bench, progress=False, n_boot=200, **kwargs)


def test_every_problem_is_listed_at_once(write, bench, tmp_path):
    folder = write("perfect")
    frames = sorted(folder.glob("MITO/*/*.tif")) + sorted(folder.glob("NUC/*/*.tif"))  # 8 + 8 frames
    frames[0].unlink()  # missing
    (folder / "MITO" / "notes.txt").write_text("x")  # extra file
    tifffile.imwrite(frames[1], np.zeros((10, 10), np.uint16))  # wrong shape
    tifffile.imwrite(frames[2], np.zeros((192, 192), np.int32))  # wrong dtype
    np.save(frames[3].with_suffix(".npy"), np.full((192, 192), np.nan, np.float32))  # second file, NaN
    frames[3].unlink()
    np.save(frames[4].with_suffix(".npy"), np.full((192, 192), np.inf, np.float32))
    frames[4].unlink()
    frames[5].write_bytes(frames[5].read_bytes()[:200])  # truncated
    np.save(frames[6].with_suffix(".npy"), np.zeros((192, 192), np.float32))  # two files for one id
    outside = tmp_path / "outside.tif"
    tifffile.imwrite(outside, np.zeros((192, 192), np.uint16))
    frames[7].unlink()
    frames[7].symlink_to(outside)  # a link leading outside the folder
    frames[8].write_bytes(b"\0" * 400_000)  # far too large for a 192x192 image
    tifffile.imwrite(frames[9], np.full((192, 192), 4096, np.uint16))  # above max_value
    frames[10].unlink()  # a NUC frame missing too
    (folder / "EXTRA").mkdir()
    out = tmp_path / "results.json"
    with pytest.raises(PredictionError) as info:
        _score(folder, bench)
    message = str(info.value)
    expected = [
        "2 of 8 predictions missing: MITO/",  # the deleted one and the one behind the escaping link
        "1 of 8 predictions missing: NUC/",
        "notes.txt: extra file",
        "shape (10, 10), expected (192, 192)",
        "dtype int32, expected uint8, uint16 or float32",
        "NaN or Inf values",
        "unreadable or truncated",
        "second file for MITO/",
        "symbolic link leading outside the prediction folder",
        "too large for a 192x192 image",
        "uint16 value 4096 above the data's max_value 4095",
        "EXTRA: extra entry",
        "nothing was written",
    ]
    for text in expected:
        assert text in message, text
    assert not out.exists()


def test_missing_files_are_counted_and_the_first_few_named(write, bench):
    folder = write("perfect")
    for path in sorted(folder.glob("NUC/*/*.tif"))[:7]:
        path.unlink()
    with pytest.raises(PredictionError, match=r"7 of 8 predictions missing: NUC/f\d+/\d+, .* and 2 more"):
        _score(folder, bench)


def test_float_out_of_range(write, bench):
    folder = write("perfect", fmt="npy", dtype="float32")
    path = sorted(folder.glob("MITO/*/*.npy"))[0]
    np.save(path, np.full((192, 192), 1.5, np.float32))
    with pytest.raises(PredictionError, match=r"float32 values in \[1.5, 1.5\], expected within \[0, 1\]"):
        _score(folder, bench)


def test_predictions_for_other_data_are_refused(write, bench):
    folder = write("perfect")
    meta = json.loads((folder / "predictions.json").read_text())
    meta["datasets"]["MITO"]["fingerprint"] = "sha256:" + "0" * 64
    (folder / "predictions.json").write_text(json.dumps(meta))
    with pytest.raises(PredictionError, match=r"MITO predictions were made for test data sha256:0+, but the loaded"):
        _score(folder, bench)


def test_not_a_folder_and_empty_folder(bench, tmp_path):
    with pytest.raises(PredictionError, match="no MITO, MPM, MEM or NUC folder"):
        _score(tmp_path, bench)
    with pytest.raises(PredictionError, match="no MITO, MPM, MEM or NUC folder"):
        _score(tmp_path / "missing", bench)


def test_symlink_inside_the_folder_is_fine(write, bench):
    folder = write("perfect")
    frames = sorted(folder.glob("MITO/*/*.tif"))
    copy = folder / "MITO" / ".spare.tif"
    copy.write_bytes(frames[0].read_bytes())
    frames[0].unlink()
    frames[0].symlink_to(copy)
    result = _score(folder, bench, datasets=["MITO"])
    assert result.records[0]["n_images"] == 8
