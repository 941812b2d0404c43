"""The paper's grid: the reference baselines run over the protocols (``reproduce``), then its tables and plots.

It lives here, above the library, because it names the reference methods; ``microsr-bench reproduce`` plugs
in through the ``microsr_bench.commands`` entry points. The names load lazily, so that the command's module
(``baselines.paper.cli``) stays cheap to import for ``microsr-bench --help``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from baselines.paper.reproduction import METHODS, grid, reproduce

__all__ = ["METHODS", "grid", "reproduce"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("baselines.paper.reproduction"), name)
    raise AttributeError(f"module 'baselines.paper' has no attribute {name!r}")
