"""Atomic writes (microsr_bench/imageio.py): content, no leftovers on failure, and ordinary file permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from microsr_bench.imageio import atomic_write_bytes, atomic_write_text


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_file_has_the_umask_permissions_of_a_plain_open(tmp_path: Path, umask: int, expected: int) -> None:
    # tempfile.mkstemp creates files with mode 0600; a result record or a table must get the mode a file written
    # with open() gets: 0666 minus the umask (expected values: 0666 & ~umask).
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "record.json", "{}")
        (tmp_path / "plain.json").write_text("{}")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "record.json").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain.json").stat().st_mode) == expected


def test_replaces_content_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "table.md"
    atomic_write_text(target, "first")
    atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.md"]


def test_failure_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "table.md"
    target.write_text("old")

    def fail(fd: int) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_bytes(target, b"new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.md"]
