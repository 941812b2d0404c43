"""Fixtures shared by every test package: a small RAM disk to test what a full disk does."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _mount_tmpfs(size: str) -> tuple[Path | None, str]:
    """Mount a tmpfs of ``size`` (e.g. ``"1m"``) on a fresh folder; (path, "") or (None, why it was not possible)."""
    if shutil.which("mount") is None:
        return None, "no `mount` command on this machine"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return None, "mounting a tmpfs needs root, and the tests do not run as root"
    mount_point = Path(tempfile.mkdtemp(prefix="microsr-tmpfs-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        mount_point.rmdir()
        return None, f"`mount -t tmpfs` was refused here ({done.stderr.strip() or done.returncode})"
    return mount_point, ""


def _unmount(mount_point: Path) -> None:
    # Lazy unmount: a test that failed may still hold a file open there; the kernel frees it when closed.
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)
    mount_point.rmdir()


@pytest.fixture
def tmpfs_factory() -> Iterator[Callable[[str], Path]]:
    """``tmpfs_factory("4m") -> Path``: a fresh RAM disk of that size, unmounted after the test.

    Skips the test, with the reason, where the machine does not allow mounting one (not root, no ``mount``,
    or a container without the capability). Use it to check what a command does when the disk fills up.
    """
    mounted: list[Path] = []

    def make(size: str) -> Path:
        path, why = _mount_tmpfs(size)
        if path is None:
            pytest.skip(f"full-disk test needs a small tmpfs: {why}")
        mounted.append(path)
        return path

    yield make
    for path in mounted:
        _unmount(path)


@pytest.fixture
def small_tmpfs(tmpfs_factory: Callable[[str], Path]) -> Path:
    """A 1 MiB RAM disk: any write of more than 1 MiB there fails with ENOSPC."""
    return tmpfs_factory("1m")
