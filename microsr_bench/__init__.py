"""microsr-bench: a benchmark for super-resolving and denoising video-rate fluorescence microscope images.

The public names below are imported lazily (PEP 562): ``import microsr_bench`` stays cheap, and each name
loads its module (and ``datasets``/torch) on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from microsr_bench._version import __version__

if TYPE_CHECKING:
    from microsr_bench.data import (
        BenchmarkDict,
        BenchmarkInfo,
        benchmark_info,
        get_card,
        list_benchmarks,
        load_benchmark,
        prepare_folder,
    )
    from microsr_bench.errors import MicroSRError
    from microsr_bench.protocols import evaluate
    from microsr_bench.scoring import score_predictions, write_model_predictions, write_predictions

_SOURCES = {
    "BenchmarkDict": "microsr_bench.data",
    "BenchmarkInfo": "microsr_bench.data",
    "MicroSRError": "microsr_bench.errors",
    "benchmark_info": "microsr_bench.data",
    "evaluate": "microsr_bench.protocols",
    "get_card": "microsr_bench.data",
    "list_benchmarks": "microsr_bench.data",
    "load_benchmark": "microsr_bench.data",
    "prepare_folder": "microsr_bench.data",
    "score_predictions": "microsr_bench.scoring",
    "write_model_predictions": "microsr_bench.scoring",
    "write_predictions": "microsr_bench.scoring",
}

__all__ = [
    "BenchmarkDict",
    "BenchmarkInfo",
    "MicroSRError",
    "__version__",
    "benchmark_info",
    "evaluate",
    "get_card",
    "list_benchmarks",
    "load_benchmark",
    "prepare_folder",
    "score_predictions",
    "write_model_predictions",
    "write_predictions",
]


def __getattr__(name: str) -> Any:
    if name in _SOURCES:
        return getattr(importlib.import_module(_SOURCES[name]), name)
    raise AttributeError(f"module 'microsr_bench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
