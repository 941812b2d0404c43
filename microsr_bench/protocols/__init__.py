"""Protocols: what a method may train on and what is scored (paired, zero-shot, blind synthetic, burst).

``evaluate(method, protocol)`` runs one cell. The paper's grid (``reproduce``) is not here: it names the
reference methods, so it lives above the library, in ``baselines.paper``. Heavy modules load lazily.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microsr_bench.protocols.evaluation import evaluate
    from microsr_bench.protocols.method import Method, MethodOptions, TrainableMethod, load_method
    from microsr_bench.protocols.protocols import (
        PROTOCOL_NAMES,
        BlindSynthetic,
        Burst,
        Paired,
        Protocol,
        ZeroShot,
        blind_synthetic,
        burst,
        make_protocol,
        paired,
        zero_shot,
    )

_PROTOCOL_NAMES = ("PROTOCOL_NAMES", "BlindSynthetic", "Burst", "Paired", "Protocol", "ZeroShot")
_PROTOCOL_FUNCTIONS = ("blind_synthetic", "burst", "make_protocol", "paired", "zero_shot")
_SOURCES = {
    "evaluate": "evaluation",
    "Method": "method",
    "MethodOptions": "method",
    "TrainableMethod": "method",
    "load_method": "method",
    **dict.fromkeys(_PROTOCOL_NAMES + _PROTOCOL_FUNCTIONS, "protocols"),
}

__all__ = [
    "PROTOCOL_NAMES",
    "BlindSynthetic",
    "Burst",
    "Method",
    "MethodOptions",
    "Paired",
    "Protocol",
    "TrainableMethod",
    "ZeroShot",
    "blind_synthetic",
    "burst",
    "evaluate",
    "load_method",
    "make_protocol",
    "paired",
    "zero_shot",
]


def __getattr__(name: str) -> Any:
    if name == "reproduce":
        # Not re-exported, even deprecated: microsr_bench never imports baselines (DESIGN.md, "Layers").
        raise AttributeError(
            "microsr_bench.protocols.reproduce moved to baselines.paper.reproduce (the paper's grid names the "
            "reference methods, so it lives with them): use `from baselines.paper import reproduce`, or the "
            "`microsr-bench reproduce` command, which is unchanged."
        )
    if name in _SOURCES:
        return getattr(importlib.import_module(f"microsr_bench.protocols.{_SOURCES[name]}"), name)
    raise AttributeError(f"module 'microsr_bench.protocols' has no attribute {name!r}")
