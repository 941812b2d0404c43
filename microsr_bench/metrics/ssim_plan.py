"""The SSIM kernel's entry point, named for profiling (``benchmarks/scoring.py --profile``).

:func:`ssim_and_cs` runs the compiled kernel on one float64 pair and returns its mean SSIM and mean
contrast-structure term, without the input checks and thread fan-out of :func:`microsr_bench.metrics.ssim`,
so that a profiler can time the kernel alone. It is not part of the stable metrics API (use
:func:`microsr_bench.metrics.ssim`). The per-shape ``Plan`` of the banded BLAS filter it used to expose is
gone with that filter: the kernel needs no per-shape state.
"""

from microsr_bench.metrics._ssim import ssim_and_cs

__all__ = ["ssim_and_cs"]
