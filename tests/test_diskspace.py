"""The full-disk helper: ENOSPC becomes DiskFullError with what, where, space needed and the fix."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from microsr_bench.diskspace import disk_full_as_error, format_bytes, free_bytes
from microsr_bench.errors import DiskFullError, MicroSRError
from microsr_bench.imageio import atomic_write_bytes


def test_format_bytes_uses_decimal_units():
    # Expected strings follow from 1 kB = 1000 B, as df -H prints.
    assert format_bytes(999) == "999 B"
    assert format_bytes(1500) == "1.5 kB"
    assert format_bytes(850_000_000) == "850.0 MB"
    assert format_bytes(3.4e9) == "3.4 GB"


def test_free_bytes_of_a_path_that_does_not_exist_yet_uses_its_parent(tmp_path):
    assert free_bytes(tmp_path / "not" / "yet") == free_bytes(tmp_path)


def test_enospc_becomes_a_clear_error_that_is_still_an_oserror(tmp_path):
    expected = r"Could not write the test data to .*disk is full.*about 2\.0 MB"
    with (
        pytest.raises(DiskFullError, match=expected) as info,
        disk_full_as_error("the test data", tmp_path, needed=2e6),
    ):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert isinstance(info.value, MicroSRError) and isinstance(info.value, OSError)
    assert info.value.errno == errno.ENOSPC
    assert "MICROSR_BENCH_CACHE" in str(info.value) and "Free space" in str(info.value)


def test_other_oserrors_pass_unchanged(tmp_path):
    with pytest.raises(PermissionError), disk_full_as_error("x", tmp_path):
        raise PermissionError(errno.EACCES, "denied")


def test_an_inner_translation_is_kept(tmp_path):
    with (
        pytest.raises(DiskFullError, match="inner thing"),
        disk_full_as_error("outer thing", tmp_path),
        disk_full_as_error("inner thing", tmp_path),
    ):
        raise OSError(errno.ENOSPC, "full")


def test_a_real_full_disk(small_tmpfs: Path):
    """On a 1 MiB tmpfs a 2 MB write fails; the atomic writer leaves no temporary file behind."""
    target = small_tmpfs / "big.bin"
    with (
        pytest.raises(DiskFullError, match=r"big\.bin.*disk is full.*MB free now"),
        disk_full_as_error("a 2 MB test file", target, needed=2_000_000),
    ):
        atomic_write_bytes(target, b"\0" * 2_000_000)
    assert list(small_tmpfs.iterdir()) == []
