"""Announcements before large or long work: what will be written or downloaded, how much, and about how long.

They are warnings of the category :class:`DataGenerationNotice` (the library's existing way to tell the user
something on stderr: the command line prints each as one ``Warning: ...`` line), emitted whether or not progress
bars are shown, because writing hundreds of megabytes is a side effect nobody should discover afterwards.
Silence them with ``warnings.filterwarnings("ignore", category=DataGenerationNotice)``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from microsr_bench.diskspace import format_bytes, free_bytes

__all__ = ["DataGenerationNotice", "announce", "format_seconds"]


class DataGenerationNotice(UserWarning):
    """Emitted once before data is generated or downloaded: what, how much, where, and about how long."""


def format_seconds(seconds: float) -> str:
    """``75`` -> ``'about 1 min'``; rounded, since it is an estimate."""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


def announce(action: str, where: Path, *, nbytes: int, seconds: float | None, stacklevel: int = 2) -> str:
    """Warn that ``action`` (e.g. "Generating the simulated MITO data (full)") is about to write ``nbytes``.

    Returns the message (the command line also uses it in ``--json`` output or logs).
    """
    free = free_bytes(where)
    room = f"; {format_bytes(free)} free there" if free is not None else ""
    took = f", {format_seconds(seconds)} on this machine" if seconds is not None else ""
    message = f"{action}: about {format_bytes(nbytes)} into {where}{room}{took}. Done once; later runs reuse it."
    warnings.warn(message, DataGenerationNotice, stacklevel=stacklevel + 1)
    return message
