"""Output-folder guards (microsr_bench/scoring/folders.py) as write_predictions uses them."""

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from microsr_bench.errors import DiskFullError, InvalidArgumentError
from microsr_bench.scoring.folders import check_output_folder, is_stale_temp, remove_stale_temps


def _dead_pid():
    """The id of a process that has exited (a child we started and reaped)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(child.stdout)


def test_overwrite_replaces_only_our_own_folder(write, tmp_path):
    first = write("perfect")
    with pytest.raises(InvalidArgumentError, match="already holds predictions written by microsr-bench; pass"):
        write("bicubic")
    write("bicubic", overwrite=True)
    assert json.loads((first / "predictions.json").read_text())["method"] == "bicubic"
    assert json.loads((first / "predictions.json").read_text())["written_by"] == "microsr-bench"
    assert [p.name for p in tmp_path.iterdir()] == ["preds"], "no temporary or old copy may stay behind"


def test_a_foreign_folder_is_never_deleted(write, tmp_path):
    thesis = tmp_path / "preds" / "thesis.tex"
    thesis.parent.mkdir()
    thesis.write_text("chapter 1")
    for overwrite in (False, True):
        with pytest.raises(
            InvalidArgumentError,
            match=r"not a prediction folder written by microsr-bench \(it holds "
            r"thesis.tex\)\. It is left alone, also with --overwrite",
        ) as info:
            write("perfect", overwrite=overwrite)
        assert "pass --overwrite" not in str(info.value)
    assert thesis.read_text() == "chapter 1"


def test_a_prediction_folder_with_something_else_in_it_is_foreign(write, tmp_path):
    folder = write("perfect")
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(InvalidArgumentError, match="not a prediction folder written by microsr-bench"):
        write("bicubic", overwrite=True)
    assert (folder / "notes.txt").read_text() == "mine"


def test_current_home_and_data_folders_are_refused(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(InvalidArgumentError, match=r"--out \. is the same as .*work: a prediction folder replaces"):
        check_output_folder(Path(), overwrite=True)
    with pytest.raises(InvalidArgumentError, match=r"is a folder above .*work"):
        check_output_folder(Path(".."), overwrite=True)
    with pytest.raises(InvalidArgumentError, match="is the same as"):
        check_output_folder(Path("~"), overwrite=True)
    cache = tmp_path / "data" / "cache"
    with pytest.raises(InvalidArgumentError, match=r"a folder above .*cache"):
        check_output_folder(tmp_path / "data", overwrite=True, protected=[cache])
    (work / "file").write_text("x")
    with pytest.raises(InvalidArgumentError, match="is an existing file, not a folder"):
        check_output_folder(work / "file", overwrite=True)
    check_output_folder(work / "new", overwrite=False)  # a new folder below the current one is fine


def test_stale_temporaries_of_dead_runs_are_removed(write, tmp_path):
    dead = tmp_path / f".preds.tmp-{_dead_pid()}-0123abcd"
    old_self = tmp_path / f".preds.tmp-{os.getpid()}-89abcdef"
    live = tmp_path / f".preds.tmp-{os.getppid()}-00000000"
    other = tmp_path / ".preds.tmp-notes"  # not a name we make: never touched
    for folder in (dead, old_self, live, other):
        folder.mkdir()
    os.utime(old_self, (1_000_000, 1_000_000))  # this pid, but from before this process started
    assert is_stale_temp(dead) and is_stale_temp(old_self) and not is_stale_temp(live)
    write("perfect")
    assert not dead.exists() and not old_self.exists()
    assert live.is_dir() and other.is_dir()
    assert remove_stale_temps(tmp_path) == []


def test_full_disk_leaves_nothing(write, tmp_path, monkeypatch):
    calls = []
    real = Path.write_bytes

    def fill_up(self, data):
        calls.append(self)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", fill_up)
    with pytest.raises(DiskFullError, match=r"predictions.*preds"):
        write("perfect")
    assert list(tmp_path.iterdir()) == []
    assert isinstance(DiskFullError("x"), OSError)


def test_full_disk_on_a_real_small_tmpfs(write, bench, tmp_path):
    # 1 MB holds a few of the 192x192 uint16 predictions (74 kB each) but not the 16 of tiny MITO+NUC.
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        from microsr_bench.scoring import write_predictions
        from tests.scoring.conftest import test_images

        preds = {i: hr for i, (hr, _) in test_images(bench).items()}
        with pytest.raises(DiskFullError, match="the disk is full"):
            write_predictions(mount / "preds", preds, bench.benchmark)
        assert list(mount.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)
