"""Numba compilation of the metrics' kernels: lazily, once per process, in IEEE order, cached where possible.

Numba is imported on the first call, not with the metrics. Every kernel is compiled with ``fastmath`` off
(no reassociation, no fused multiply-add contraction), so its bits follow its source's order of operations
whatever the CPU; the machine code is cached on disk next to the source when the folder is writable, else
in Numba's user cache, and compiled in memory when neither is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_compiled: dict[str, Callable[..., Any]] = {}
_lock = threading.Lock()


def compiled(function: Callable[..., Any]) -> Callable[..., Any]:
    """The compiled ``function`` (a kernel written in Numba's subset of Python), made once per process."""
    key = f"{function.__module__}.{function.__qualname__}"
    if key not in _compiled:
        with _lock:
            if key not in _compiled:
                import numba

                options: dict[str, Any] = {"nogil": True, "fastmath": False, "error_model": "numpy"}
                try:
                    kernel = numba.njit(cache=True, **options)(function)
                except RuntimeError:  # no writable cache folder anywhere: compile in memory, once per process
                    kernel = numba.njit(cache=False, **options)(function)
                _compiled[key] = kernel
    return _compiled[key]
