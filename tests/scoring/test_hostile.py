"""A hostile or careless prediction folder: refused with one clear error naming the file, never a hang or a traceback.

Each case starts from a valid folder (written by write_predictions) and breaks one thing the way an attacker or
a clumsy script would; the expected message is the scorer's documented one (docs/scoring.md, "Validation").
"""

import json
import os
import socket
import threading

import numpy as np
import pytest

from microsr_bench.errors import PredictionError
from microsr_bench.scoring import read_prediction, score_predictions
from microsr_bench.scoring.format import PredictionFileError


def _score(folder, bench):
    return score_predictions(folder, bench=bench, progress=False, n_boot=100, recipes=("float",))


def _first(folder, dataset="MITO"):
    return sorted(folder.glob(f"{dataset}/*/*.tif"))[0]


@pytest.fixture
def unblock():
    """Opens the write end of FIFOs that a broken scorer would wait on, after 20 s, so a regression fails
    instead of hanging the suite; ``fired`` tells whether that was needed."""
    state = {"fifos": [], "fired": False}

    def release():
        for fifo in state["fifos"]:
            try:  # succeeds only while a reader waits on the FIFO; closing it gives that reader EOF
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                continue
            state["fired"] = True

    timer = threading.Timer(20.0, release)
    timer.start()
    yield state
    timer.cancel()
    assert not state["fired"], "the scorer opened a FIFO and waited on it"


def test_a_fifo_named_like_a_prediction_is_refused_unopened(write, bench, unblock):
    folder = write("perfect")
    victim = _first(folder)
    victim.unlink()
    os.mkfifo(victim)
    unblock["fifos"].append(victim)
    with pytest.raises(PredictionError, match=rf"{victim.name}: a FIFO, not a regular file"):
        _score(folder, bench)
    with pytest.raises(PredictionFileError, match="a FIFO, not a regular file"):
        read_prediction(victim, shape=(192, 192), max_value=4095)  # the public reader checks too


def test_a_fifo_as_predictions_json_is_refused_unopened(write, bench, unblock):
    folder = write("perfect")
    (folder / "predictions.json").unlink()
    os.mkfifo(folder / "predictions.json")
    unblock["fifos"].append(folder / "predictions.json")
    with pytest.raises(PredictionError, match=r"predictions.json: a FIFO, not a regular file.*; fix or delete it"):
        _score(folder, bench)


def test_a_socket_is_refused(write, bench):
    folder = write("perfect")
    victim = _first(folder, "NUC")
    victim.unlink()
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(victim))
        with pytest.raises(PredictionError, match=rf"{victim.name}: a special file, not a regular file"):
            _score(folder, bench)
    finally:
        server.close()


def test_a_symlink_loop_is_one_problem_not_a_traceback(write, bench):
    folder = write("perfect")
    victim = _first(folder)
    victim.unlink()
    other = victim.with_name("loop.tif")
    victim.symlink_to(other.name)
    other.symlink_to(victim.name)
    with pytest.raises(PredictionError) as caught:
        _score(folder, bench)
    assert f"{victim}: broken or looping symbolic link" in str(caught.value)


def test_a_dangling_symlink_is_named(write, bench):
    folder = write("perfect")
    victim = _first(folder)
    victim.unlink()
    victim.symlink_to("gone.tif")
    with pytest.raises(PredictionError, match=rf"{victim.name}: broken or looping symbolic link"):
        _score(folder, bench)


def test_a_dataset_folder_linking_outside_is_refused(write, bench, tmp_path):
    # docs/scoring.md: symbolic links are followed only when they stay inside the folder. A linked MITO/ was
    # followed by os.walk wherever it led.
    folder = write("perfect")
    elsewhere = tmp_path / "elsewhere"
    (folder / "MITO").rename(elsewhere)
    (folder / "MITO").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(PredictionError, match=r"MITO: symbolic link leading outside the prediction folder"):
        _score(folder, bench)


def test_a_file_linking_outside_is_refused(write, bench, tmp_path):
    folder = write("perfect")
    victim = _first(folder)
    outside = tmp_path / "outside.tif"
    victim.rename(outside)
    victim.symlink_to(outside)
    with pytest.raises(PredictionError, match="symbolic link leading outside the prediction folder"):
        _score(folder, bench)


def test_a_folder_named_like_a_prediction_file(write, bench):
    folder = write("perfect")
    victim = _first(folder)
    victim.unlink()
    victim.mkdir()
    with pytest.raises(PredictionError, match=r"1 of 8 predictions missing"):
        _score(folder, bench)


def test_wrong_dtype_and_huge_files_are_refused_before_decoding(write, bench):
    folder = write("perfect", fmt="npy", dtype="float32")
    h, w = bench.prepared["MITO"].manifest.hr_shape
    first, second = sorted(folder.glob("MITO/*/*.npy"))[:2]
    np.save(first, np.zeros((h, w), np.int32))
    # Eight images' worth in one file (a stack, or a decompression bomb): refused by its size on disk, the
    # limit being 4.5 bytes per expected pixel plus 64 KiB of header (format.MAX_BYTES_PER_PIXEL).
    np.save(second, np.zeros((h, w * 8), np.float32))
    with pytest.raises(PredictionError) as caught:
        _score(folder, bench)
    message = str(caught.value)
    assert f"{first}: dtype int32, expected uint8, uint16 or float32" in message
    assert f"{second}: {second.stat().st_size} bytes is too large for a {h}x{w} image" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2, 3]", "a JSON list, expected an object"),
        ('{"format_version": 1, "datasets": "MITO"}', "'datasets' is a str, expected an object"),
        ('{"format_version": 1, "datasets": {"MITO": 7}}', None),
        ("{not json", "not valid JSON"),
        (" " * (1024 * 1024 + 1), "bytes; a predictions.json is a few hundred"),
    ],
)
def test_malformed_predictions_json_is_reported_not_a_traceback(write, bench, content, expected):
    folder = write("perfect")
    (folder / "predictions.json").write_text(content)
    if expected is None:  # a non-object entry carries no fingerprint: nothing to compare, scoring proceeds
        assert _score(folder, bench).records[0]["dataset"]["name"] == "MITO"
        return
    with pytest.raises(PredictionError, match=expected):
        _score(folder, bench)


def test_predictions_json_as_a_folder(write, bench):
    folder = write("perfect")
    (folder / "predictions.json").unlink()
    (folder / "predictions.json").mkdir()
    with pytest.raises(PredictionError, match=r"predictions.json: a folder, not a regular file"):
        _score(folder, bench)


def test_method_name_from_hostile_metadata_is_not_trusted_blindly(write, bench):
    from microsr_bench.cli.score import _method_from_metadata

    folder = write("perfect")
    meta = json.loads((folder / "predictions.json").read_text())
    (folder / "predictions.json").write_text(json.dumps({**meta, "method": {"evil": 1}}))
    assert _method_from_metadata(folder) == "unnamed"
