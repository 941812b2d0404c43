"""MicroMS3IM (Ashesh et al., 2024): MicroSSIM's normalisation and range-invariant factor, scored by MS-SSIM.

The fit (background offsets, scale, factor) is MicroSSIM's (:mod:`microsr_bench.metrics._microssim`); only the
per-pair score differs: multi-scale SSIM of the normalised target and the normalised, factor-scaled prediction.
Conventions follow the reference package ``microssim`` 0.0.5, which scores with torchmetrics' MS-SSIM, so that
both give the same numbers (``tests/metrics/test_microms3im.py``, marker ``reference``):

- 5 scales with Wang et al.'s weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), 2×2 average pooling between
  scales (an odd last row/column dropped);
- 11×11 Gaussian window (sigma 1.5) on mirror-padded images, population (co)variances, variances clipped at 0,
  K1 = 0.01, K2 = 0.03, ``data_range`` = the normalised target's max - min (at every scale);
- per scale the contrast-structure term is averaged over the valid region (half a window cropped), the full SSIM
  of the last scale over the whole padded-filter output (as torchmetrics does); negative terms are set to 0
  (``normalize="relu"``) before the weighted product.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics._microssim import MicroSSIM, _as_stack

__all__ = ["MicroMS3IM", "micro_ms3im"]

_BETAS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_K1, _K2, _SIGMA, _TRUNCATE, _PAD = 0.01, 0.03, 1.5, 3.5, 5
#: The coarsest scale (1/16) must be wider than the 11-pixel window less one, as torchmetrics requires.
MIN_SIZE = 11 * 2 ** (len(_BETAS) - 1)


def _sim_cs(x: NDArray[np.float64], y: NDArray[np.float64], data_range: float) -> tuple[float, float]:
    def blur(a: NDArray[np.float64]) -> NDArray[np.float64]:
        return ndimage.gaussian_filter(a, sigma=_SIGMA, truncate=_TRUNCATE, mode="mirror")

    c1, c2 = (_K1 * data_range) ** 2, (_K2 * data_range) ** 2
    ux, uy = blur(x), blur(y)
    vx = np.maximum(blur(x * x) - ux * ux, 0.0)
    vy = np.maximum(blur(y * y) - uy * uy, 0.0)
    vxy = blur(x * y) - ux * uy
    cs = (2 * vxy + c2) / (vx + vy + c2)
    sim = (2 * ux * uy + c1) * cs / (ux * ux + uy * uy + c1)
    return float(sim.mean()), float(cs[_PAD:-_PAD, _PAD:-_PAD].mean())


def _pool(a: NDArray[np.float64]) -> NDArray[np.float64]:
    h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
    pooled: NDArray[np.float64] = a[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    return pooled


def ms3im(x: NDArray[np.float64], y: NDArray[np.float64], data_range: float) -> float:
    """Multi-scale SSIM of two normalised images with torchmetrics' conventions (see module doc)."""
    if min(x.shape) < MIN_SIZE:
        raise InvalidArgumentError(
            f"MicroMS3IM needs images of at least {MIN_SIZE}x{MIN_SIZE} pixels (5 scales of an 11-pixel window), "
            f"got {x.shape}; use MicroSSIM for smaller images."
        )
    terms = []
    for _ in _BETAS:
        sim, cs = _sim_cs(x, y, data_range)
        terms.append(max(cs, 0.0))
        x, y = _pool(x), _pool(y)
    terms[-1] = max(sim, 0.0)
    return float(np.prod([t**b for t, b in zip(terms, _BETAS, strict=True)]))


class MicroMS3IM(MicroSSIM):
    """MicroSSIM's fit on a set of pairs; each pair scored by MS-SSIM of the normalised, scaled images."""

    def score(self, image_true: Any, image_test: Any) -> float | NDArray[np.float64]:
        """MicroMS3IM of one pair (2-D) or of each pair of a stack (1-D array), with the fitted parameters."""
        if self.ri_factor is None:
            raise InvalidArgumentError("MicroMS3IM.score needs fitted parameters: call fit(images_true, images_test).")
        trues, tests = _as_stack(image_true, "image_true"), _as_stack(image_test, "image_test")
        values = []
        for a, b in zip(trues, tests, strict=True):
            x, y = self._normalise(a, b)
            values.append(ms3im(x, self.ri_factor * y, float(x.max() - x.min())))
        return values[0] if np.ndim(image_true) == 2 else np.asarray(values)


def micro_ms3im(image_true: Any, image_test: Any, *, bg_percentile: float = 3.0) -> float | NDArray[np.float64]:
    """MicroMS3IM of a pair, or of each pair of a set with parameters fitted on the whole set (see module doc)."""
    fitted = MicroMS3IM(bg_percentile=bg_percentile).fit(image_true, image_test)
    if isinstance(image_true, list | tuple):
        return fitted.score(np.stack(image_true), np.stack(image_test))
    return fitted.score(image_true, image_test)
