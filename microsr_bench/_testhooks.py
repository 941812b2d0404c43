"""A pause at a named point, for tests that kill a command at its most fragile moment (off unless asked).

With ``MICROSR_BENCH_TEST_PAUSE_AT=<point>`` and ``MICROSR_BENCH_TEST_PAUSE_FILE=<path>`` in the environment,
the process creates the file on reaching the point and sleeps, so that a test can SIGKILL it exactly there.
Without both variables this is a dictionary lookup and nothing else.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

#: The points: a prediction folder complete but not yet renamed into place (also inside evaluate and
#: reproduce); an evaluation's result written but its key not yet; a prepared-data build with a field written
#: (``prepare``, and any build of the cache); a rebuild with the previous copy moved aside, the new one not
#: yet renamed into place.
POINTS = ("predictions-commit", "evaluate-before-key", "cache-field-written", "cache-replace")


def pause_point(point: str) -> None:
    """Pause here for a minute if a test asked for ``point`` (see the module docstring)."""
    if os.environ.get("MICROSR_BENCH_TEST_PAUSE_AT") != point:
        return
    flag = os.environ.get("MICROSR_BENCH_TEST_PAUSE_FILE")
    if not flag:
        return
    Path(flag).write_text(str(os.getpid()))
    time.sleep(60)
