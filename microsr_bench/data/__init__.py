"""Data: dataset cards, sources, canonical splits and shots, and ``load_benchmark``."""

from microsr_bench.data.cache import PreparedDataset, default_cache_dir
from microsr_bench.data.cards import DATASET_NAMES, DatasetCard, get_card, list_benchmarks
from microsr_bench.data.collate import PairCollator
from microsr_bench.data.folder import prepare_folder
from microsr_bench.data.info import BenchmarkInfo, benchmark_info
from microsr_bench.data.load import BenchmarkDict, SimulatedDataWarning, load_benchmark
from microsr_bench.data.manifest import Manifest
from microsr_bench.data.profiles import get_profile
from microsr_bench.data.splits import select_shots

__all__ = [
    "DATASET_NAMES",
    "BenchmarkDict",
    "BenchmarkInfo",
    "DatasetCard",
    "Manifest",
    "PairCollator",
    "PreparedDataset",
    "SimulatedDataWarning",
    "benchmark_info",
    "default_cache_dir",
    "get_card",
    "get_profile",
    "list_benchmarks",
    "load_benchmark",
    "prepare_folder",
    "select_shots",
]
