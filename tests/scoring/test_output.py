"""The result pair (JSON + per-image CSV): all or nothing, never over the prediction folder or an earlier result.

Expected behaviour is the contract in ``microsr_bench/scoring/output.py`` and docs/scoring.md ("Outputs").
"""

import errno
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from microsr_bench.errors import OutputError
from microsr_bench.scoring import score_predictions
from microsr_bench.scoring.output import PAUSE_ENV, result_paths, write_pair


@pytest.fixture
def scored(write, bench):
    folder = write("bicubic")
    return folder, score_predictions(folder, bench=bench, progress=False, n_boot=100, recipes=("float",))


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_default_and_folder_out(scored, tmp_path):
    folder, result = scored
    json_path, csv_path = result.write()
    assert json_path == folder.resolve().with_name("preds-results.json") and csv_path.suffix == ".csv"
    # --out DIR/ (existing folder) writes inside it under the default name: no stray DIR.csv beside it.
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    assert result.write(out_dir)[0] == out_dir / "preds-results.json"
    assert _listing(out_dir) == ["preds-results.csv", "preds-results.json"]
    assert not (tmp_path / "results.csv").exists()


def test_out_inside_the_prediction_folder_is_refused(scored):
    folder, result = scored
    before = (folder / "predictions.json").read_bytes()
    for out in (folder / "predictions.json", folder, folder / "MITO" / "x.json", folder / "elsewhere.json"):
        with pytest.raises(OutputError, match="lies inside the prediction folder"):
            result.write(out, overwrite=True)
    assert (folder / "predictions.json").read_bytes() == before
    assert "elsewhere.json" not in _listing(folder)


def test_out_must_be_a_json_file(scored, tmp_path):
    _, result = scored
    with pytest.raises(OutputError, match=r"expected a \.json file name .* e.g. --out result.json"):
        result.write(tmp_path / "result.txt")
    (tmp_path / "taken.csv").mkdir()
    with pytest.raises(OutputError, match=r"taken.csv is a folder"):
        result.write(tmp_path / "taken.json")
    assert _listing(tmp_path) == ["preds", "taken.csv"]
    (tmp_path / "file").write_text("x")  # found before scoring, not as a mkdir traceback after it
    with pytest.raises(OutputError, match=r"file is a file, not a folder, so r.json cannot be written under it"):
        result_paths(tmp_path / "file" / "sub" / "r.json")


def test_existing_result_is_refused_unless_overwrite(scored, tmp_path):
    _, result = scored
    out = tmp_path / "r.json"
    result.write(out)
    first = out.read_bytes()
    with pytest.raises(OutputError, match=r"r.json already exists .* Pass --overwrite"):
        result.write(out)
    assert out.read_bytes() == first
    result.write(out, overwrite=True)
    assert json.loads(out.read_text())["records"][0]["per_image_file"] == "r.csv"


def test_a_foreign_csv_is_not_overwritten_but_an_orphan_of_ours_is(tmp_path):
    json_path, csv_path = tmp_path / "r.json", tmp_path / "r.csv"
    csv_path.write_text("my,own,data\n")
    with pytest.raises(OutputError, match="is not a per-image CSV of microsr-bench"):
        write_pair(json_path, csv_path, "{}", "dataset,id,hr_id\n")
    assert csv_path.read_text() == "my,own,data\n" and not json_path.exists()
    csv_path.write_text("dataset,id,hr_id,float/psnr\nMITO,a,b,1\n")  # what an interrupted write leaves
    write_pair(json_path, csv_path, "{}", "dataset,id,hr_id\n")
    assert csv_path.read_text() == "dataset,id,hr_id\n" and json_path.read_text() == "{}"


@pytest.mark.parametrize("fails_on", ["csv", "json"])
def test_full_disk_leaves_neither_file(tmp_path, monkeypatch, fails_on):
    json_path, csv_path = tmp_path / "r.json", tmp_path / "r.csv"
    original = Path.open

    def full(self, mode="r", *args, **kwargs):
        if "x" in mode and f".r.{fails_on}." in self.name:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return original(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", full)
    with pytest.raises(OutputError, match=r"no space left on the device holding .* nothing was written\. Free"):
        write_pair(json_path, csv_path, "{}", "dataset,id,hr_id\n")
    assert _listing(tmp_path) == []  # no CSV without its JSON, no temporary file


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def test_full_disk_on_a_real_tiny_tmpfs(scored, tmp_path):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "64k"):
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); the monkeypatched test covers the logic")
    try:
        _, result = scored
        (disk / "filler").write_bytes(b"\0" * (60 * 1024))  # leaves ~4 KiB: the CSV fits, the JSON does not
        with pytest.raises(OutputError, match=r"no space left on the device holding .*disk"):
            result.write(disk / "r.json")
        assert _listing(disk) == ["filler"]
        (disk / "filler").unlink()
        json_path, csv_path = result.write(disk / "r.json")  # room again: the same call succeeds
        assert json.loads(json_path.read_text())["records"] and csv_path.is_file()
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_result_paths_without_a_prediction_folder(tmp_path):
    with pytest.raises(OutputError, match="no output path"):
        result_paths(None)
    assert result_paths(tmp_path / "a.JSON") == (tmp_path / "a.JSON", tmp_path / "a.csv")


_KILLED = """
import sys
from microsr_bench.scoring import score_predictions
from microsr_bench.data import load_benchmark
bench = load_benchmark(["MITO", "NUC"], source="simulated", size="tiny", cache_dir=sys.argv[1], progress=False)
result = score_predictions(sys.argv[2], bench=bench, progress=False, n_boot=100, recipes=("float",))
result.write(sys.argv[3])
"""


def test_a_score_killed_mid_write_leaves_nothing_a_rerun_trips_over(write, bench, tmp_path):
    folder = write("bicubic")
    cache = bench.prepared["MITO"].root.parents[2]
    out_dir = tmp_path / "out"
    env = {**os.environ, PAUSE_ENV: "60", "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-c", _KILLED, str(cache), str(folder), str(out_dir / "r.json")]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(list(out_dir.glob(".r.*.tmp"))) < 2:  # both temporary files written: it now sleeps
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "the scoring subprocess did not reach the write"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".")) == []  # no JSON, no CSV
    assert len(list(out_dir.glob(".r.*.tmp"))) == 2  # the killed process's temporary files, unused
    # A re-run needs no --overwrite, picks up nothing stale, and removes the dead process's temporaries.
    result = score_predictions(folder, bench=bench, progress=False, n_boot=100, recipes=("float",))
    result.write(out_dir / "r.json")
    assert _listing(out_dir) == ["r.csv", "r.json"]


def test_live_writers_temporaries_are_left_alone(tmp_path):
    live = tmp_path / f".r.json.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    live.write_text("being written")
    write_pair(tmp_path / "r.json", tmp_path / "r.csv", "{}", "")
    assert live.exists()  # this process is alive: its temporary file may still be renamed
