"""Data: dataset cards, sources, canonical splits and shots, and ``load_benchmark``.

Names are imported lazily (PEP 562) so that ``microsr-bench datasets`` and ``--help`` do not pay for
importing ``datasets`` and torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microsr_bench.data.cache import PreparedDataset, default_cache_dir
    from microsr_bench.data.cards import DATASET_NAMES, DatasetCard, get_card, list_benchmarks
    from microsr_bench.data.collate import PairCollator
    from microsr_bench.data.folder import prepare_folder
    from microsr_bench.data.info import BenchmarkInfo, benchmark_info
    from microsr_bench.data.load import BenchmarkDict, SimulatedDataWarning, load_benchmark
    from microsr_bench.data.manifest import Manifest
    from microsr_bench.data.profiles import get_profile
    from microsr_bench.data.splits import select_shots
    from microsr_bench.data.torch_rows import TorchPairs

_SOURCES = {
    "PreparedDataset": "cache",
    "default_cache_dir": "cache",
    "DATASET_NAMES": "cards",
    "DatasetCard": "cards",
    "get_card": "cards",
    "list_benchmarks": "cards",
    "PairCollator": "collate",
    "prepare_folder": "folder",
    "BenchmarkInfo": "info",
    "benchmark_info": "info",
    "BenchmarkDict": "load",
    "SimulatedDataWarning": "load",
    "load_benchmark": "load",
    "Manifest": "manifest",
    "get_profile": "profiles",
    "select_shots": "splits",
    "TorchPairs": "torch_rows",
}

__all__ = [
    "DATASET_NAMES",
    "BenchmarkDict",
    "BenchmarkInfo",
    "DatasetCard",
    "Manifest",
    "PairCollator",
    "PreparedDataset",
    "SimulatedDataWarning",
    "TorchPairs",
    "benchmark_info",
    "default_cache_dir",
    "get_card",
    "get_profile",
    "list_benchmarks",
    "load_benchmark",
    "prepare_folder",
    "select_shots",
]


def __getattr__(name: str) -> Any:
    if name in _SOURCES:
        return getattr(importlib.import_module(f"microsr_bench.data.{_SOURCES[name]}"), name)
    raise AttributeError(f"module 'microsr_bench.data' has no attribute {name!r}")
