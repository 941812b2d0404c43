"""MicroSSIM's fit elements, named for a streamed fit (``score --micro-ssim``, scoring/_micro.py).

:func:`fit_elements` gives one pair's local SSIM elements on the 7×7 uniform window the range-invariant factor
is fitted on, and :func:`fit_constants` the C1 and C2 of a data range. They are exposed so that the scorer can
fit MicroSSIM over a sub-dataset one field at a time with exactly the class's conventions; they are not part of
the stable metrics API (use :class:`microsr_bench.metrics.MicroSSIM`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench.metrics._microssim import _K1, _K2, _elements

__all__ = ["fit_constants", "fit_elements"]


def fit_elements(x: NDArray[np.float64], y: NDArray[np.float64]) -> Any:
    """Local means, variances and covariance (attributes ``ux uy vx vy vxy``) of a normalised pair, as ``fit``."""
    return _elements(x, y, 1.0, gaussian=False)


def fit_constants(data_range: float) -> tuple[float, float]:
    """``(C1, C2)`` of SSIM for a data range (K1 = 0.01, K2 = 0.03)."""
    return (_K1 * data_range) ** 2, (_K2 * data_range) ** 2
