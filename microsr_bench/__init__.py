"""microsr-bench: a benchmark for super-resolving and denoising video-rate fluorescence microscope images."""

from microsr_bench._version import __version__
from microsr_bench.data.cards import list_benchmarks

__all__ = ["__version__", "list_benchmarks"]
