"""Disk space: say how much a write needs before it starts, and turn a full disk into one clear error.

Every command that writes more than a few files uses :func:`disk_full_as_error` around the write, so that
``ENOSPC`` (and a full quota, ``EDQUOT``) reaches the user as a :class:`~microsr_bench.errors.DiskFullError`
naming what was being written, where, and how much space it needs, instead of a raw ``OSError`` traceback.
The context manager only translates the error; leaving nothing half-written is the job of the writer inside it
(temporary names renamed into place on success, removed on failure), which runs its clean-up before the
translated error leaves this block.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from microsr_bench.errors import DiskFullError

__all__ = ["disk_full_as_error", "format_bytes", "free_bytes", "is_disk_full"]

_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
CACHE_HINT = "or set MICROSR_BENCH_CACHE (or pass --cache-dir) to a folder on a disk with enough space"


def format_bytes(n: float) -> str:
    """``1234567`` -> ``'1.2 MB'`` (decimal units, as disk tools print them)."""
    if abs(n) < 1000:
        return f"{n:.0f} B"
    if abs(n) < 1e6:
        return f"{n / 1e3:.1f} kB"
    if abs(n) < 1e9:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e9:.1f} GB"


def free_bytes(path: Path) -> int | None:
    """Free bytes on the file system that holds ``path`` (or its nearest existing parent); None if unknown."""
    probe = Path(path).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def is_disk_full(exc: BaseException) -> bool:
    """True for an ``OSError`` that means no space left (ENOSPC) or quota exceeded (EDQUOT)."""
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL


@contextmanager
def disk_full_as_error(
    what: str, where: Path, *, needed: float | None = None, hint: str = CACHE_HINT
) -> Iterator[None]:
    """Re-raise a full disk inside the block as :class:`DiskFullError` with what, where, space needed and the fix.

    Args:
        what: what was being written, e.g. ``"the simulated MITO data (small)"``.
        where: the folder or file being written.
        needed: about how many bytes the whole write needs, if known.
        hint: the second way out besides freeing space (default: point the cache elsewhere).
    """
    try:
        yield
    except DiskFullError:
        raise  # already translated by an inner block, which knows more
    except OSError as exc:
        if exc.errno not in _DISK_FULL:
            raise
        message = _message(what, Path(where), needed, hint, exc)
        raise DiskFullError(message, errno_code=exc.errno or errno.ENOSPC) from exc


def _message(what: str, where: Path, needed: float | None, hint: str, exc: OSError) -> str:
    reason = "the disk quota is exceeded" if exc.errno == errno.EDQUOT else "the disk is full"
    free = free_bytes(where)
    need = f"it needs about {format_bytes(needed)}" if needed is not None else "it needs more space"
    have = f", {format_bytes(free)} free now" if free is not None else ""
    return (
        f"Could not write {what} to {where}: {reason} ({need}{have}). "
        f"Free space on that disk and run the command again, {hint}."
    )
