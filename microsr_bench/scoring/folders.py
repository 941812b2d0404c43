"""Guarding the folders commands write: which folder may be replaced, stale temporaries, a full disk.

A command replaces only what it made itself: a prediction folder is ours when its ``predictions.json``
says so and it holds nothing else than the sub-dataset folders listed there. Half-written folders are
hidden siblings named ``.<name>.tmp-<pid>-<hex>`` (``.old-`` while an old copy is being deleted), so a
later run can tell a dead run's leftovers from a live run's work.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from microsr_bench.diskspace import disk_full_as_error as _disk_full_as_error
from microsr_bench.errors import InvalidArgumentError

#: ``predictions.json`` -> ``written_by``: marks a folder this library wrote (and may replace).
WRITTEN_BY = "microsr-bench"
#: Temporaries made before this moment by a process with our own pid are a previous life's (pid reuse in a
#: restarted container): the import happens before this process makes any.
_PROCESS_STARTED = time.time()
_TEMP_KINDS = ("tmp", "old")


def temp_sibling(path: Path, kind: str = "tmp") -> Path:
    """A hidden sibling of ``path`` for a write in progress, named with this process's id."""
    return path.parent / f".{path.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _temp_owner(name: str) -> int | None:
    """The pid in a name made by :func:`temp_sibling`, or None for any other name."""
    for kind in _TEMP_KINDS:
        marker = f".{kind}-"
        if name.startswith(".") and marker in name:
            pid, _, suffix = name.rsplit(marker, 1)[1].partition("-")
            if pid.isdigit() and len(suffix) == 8 and all(c in "0123456789abcdef" for c in suffix):
                return int(pid)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale_temp(path: Path) -> bool:
    """Whether ``path`` is a temporary of ours whose process is gone (or an earlier life of this pid)."""
    pid = _temp_owner(path.name)
    if pid is None:
        return False
    if pid == os.getpid():
        try:
            return path.lstat().st_mtime < _PROCESS_STARTED
        except OSError:
            return False
    return not _alive(pid)


def remove_stale_temps(parent: Path, *, recursive: bool = False, stem: str = "") -> list[Path]:
    """Delete our dead runs' temporaries in ``parent`` (or below it); return what was removed."""
    if not parent.is_dir():
        return []
    pattern = f".{stem}*.*-*" if stem else ".*.*-*"
    found = parent.rglob(pattern) if recursive else parent.glob(pattern)
    removed = []
    for path in list(found):
        if path.is_dir() and not path.is_symlink() and is_stale_temp(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def is_prediction_folder(path: Path) -> bool:
    """Whether ``path`` is a prediction folder this library wrote, holding nothing else."""
    meta_file = path / "predictions.json"
    try:
        meta = json.loads(meta_file.read_text())
        entries = {p.name for p in path.iterdir()}
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(meta, dict) or not isinstance(meta.get("datasets"), dict):
        return False
    # Folders written before the marker existed carry the format and library versions instead.
    ours = meta.get("written_by") == WRITTEN_BY or {"format_version", "library_version"} <= meta.keys()
    return ours and entries <= {"predictions.json", *map(str, meta["datasets"])}


def _contents(path: Path, limit: int = 5) -> str:
    try:
        names = sorted(p.name for p in path.iterdir())
    except OSError:
        return "unreadable"
    shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
    return shown or "nothing"


def check_output_folder(out: Path, *, overwrite: bool, protected: Sequence[Path] = (), flag: str = "--out") -> None:
    """Refuse an output folder that cannot be (re)written safely; say how to fix it.

    Refused: the current folder, the home folder, the root or any folder above them; a folder that holds
    ``protected`` paths (e.g. the data cache); an existing file; an existing folder this library did not
    write (even with ``overwrite``); one it did write, without ``overwrite``.
    """
    resolved = out.expanduser().resolve()
    guarded = [Path.cwd().resolve(), Path.home().resolve(), *(p.expanduser().resolve() for p in protected)]
    for place in guarded:
        if resolved == place or resolved in place.parents:
            raise InvalidArgumentError(
                f"{flag} {out} is {'the same as' if resolved == place else 'a folder above'} {place}: a prediction "
                "folder replaces everything in it. Give a new folder for the predictions, e.g. "
                f"{flag} predictions/MITO-bicubic."
            )
    if resolved.exists() and not resolved.is_dir():
        raise InvalidArgumentError(f"{flag} {out} is an existing file, not a folder. Give a new folder name.")
    if not resolved.exists():
        return
    if not is_prediction_folder(resolved):
        raise InvalidArgumentError(
            f"{flag} {out} already exists and is not a prediction folder written by microsr-bench (it holds "
            f"{_contents(resolved)}). It is left alone, also with --overwrite: choose a new folder for {flag}."
        )
    if not overwrite:
        raise InvalidArgumentError(
            f"{flag} {out} already holds predictions written by microsr-bench; pass --overwrite to replace "
            f"them, or choose another {flag}."
        )


@contextlib.contextmanager
def disk_full_as_error(what: str, where: Path) -> Iterator[None]:
    """Turn "no space left" (or an exceeded quota) while writing ``what`` into one clear error.

    The one translation lives in :mod:`microsr_bench.diskspace`; here the fix names another output folder
    rather than another cache.
    """
    with _disk_full_as_error(what, where, hint="or write to another folder (--out) on a disk with more space"):
        yield
