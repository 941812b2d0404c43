"""The SSIM kernel's per-shape work plan, named for profiling (``benchmarks/scoring.py --profile``).

:class:`Plan` holds the buffers and block sizes of the separable Gaussian filter for one image shape. It is
exposed so that a profiler can time the stages of one SSIM call; it is not part of the stable metrics API
(use :func:`microsr_bench.metrics.ssim`).
"""

from microsr_bench.metrics._ssim import Plan

__all__ = ["Plan"]
