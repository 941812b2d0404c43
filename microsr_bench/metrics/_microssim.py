"""MicroSSIM (Ashesh et al., 2024): SSIM made fair to microscopy intensity ranges, our own implementation.

SSIM compares absolute intensities, so a restoration whose output is a scaled copy of the target (common in
microscopy: predictions and targets come from different detectors, gains or normalisations) loses points
for the scale alone. MicroSSIM (i) subtracts a background offset from each image set (the ``bg_percentile``
percentile of all its pixels) and divides both by the target set's largest background-free value, then
(ii) fits one **range-invariant factor** ``alpha`` for the whole set, the scale of the prediction that
maximises the mean of the scaled SSIM map

    S_alpha = (2 alpha ux uy + C1)(2 alpha vxy + C2) / ((ux² + alpha² uy² + C1)(vx + alpha² vy + C2)),

and (iii) scores each image with ``S_alpha`` of its normalised pair. The parameters are fitted on a set of
images (a dataset's test split), not per pair: one factor for a whole method's output.

Conventions follow the reference package ``microssim`` 0.0.5 (BSD-3, Ashesh, Deschamps, Jug), so that both
give the same numbers (``tests/metrics/test_microssim.py``, marker ``reference``):

- the factor is fitted on SSIM elements from a 7×7 uniform window, the scores use an 11×11 Gaussian window
  (sigma 1.5, truncated at 3.5 sigma, reflected borders), both with the sample covariance (``N / (N - 1)``),
  K1 = 0.01, K2 = 0.03, ``data_range`` = the normalised target's max - min of each image, borders of half a
  window cropped;
- over a set, the constants C1 and C2 of the fit are those of the last image (as the package aggregates);
- the factor maximises the mean of all pixels of all images' scaled SSIM maps (we use Brent's method from the
  bracket (0.5, 1.0); the package uses BFGS from 1.0: both reach the same smooth maximum).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, optimize

from microsr_bench.errors import InvalidArgumentError

__all__ = ["MicroSSIM", "micro_ssim"]

_K1, _K2, _SIGMA, _TRUNCATE, _UNIFORM = 0.01, 0.03, 1.5, 3.5, 7
_FIELDS = ("ux", "uy", "vx", "vy", "vxy")


@dataclass(frozen=True)
class _Elements:
    ux: NDArray[np.float64]
    uy: NDArray[np.float64]
    vx: NDArray[np.float64]
    vy: NDArray[np.float64]
    vxy: NDArray[np.float64]
    c1: float
    c2: float


def _elements(x: NDArray[np.float64], y: NDArray[np.float64], data_range: float, gaussian: bool) -> _Elements:
    if gaussian:
        win = 2 * int(_TRUNCATE * _SIGMA + 0.5) + 1

        def blur(a: NDArray[np.float64]) -> NDArray[np.float64]:
            return ndimage.gaussian_filter(a, sigma=_SIGMA, truncate=_TRUNCATE, mode="reflect")
    else:
        win = _UNIFORM

        def blur(a: NDArray[np.float64]) -> NDArray[np.float64]:
            return ndimage.uniform_filter(a, size=_UNIFORM)

    if min(x.shape) < win:
        raise InvalidArgumentError(f"MicroSSIM needs images of at least {win}x{win} pixels, got {x.shape}.")
    norm = win * win / (win * win - 1)  # sample covariance over the window, as the reference package
    ux, uy = blur(x), blur(y)
    vx = norm * (blur(x * x) - ux * ux)
    vy = norm * (blur(y * y) - uy * uy)
    vxy = norm * (blur(x * y) - ux * uy)
    p = (win - 1) // 2
    crop = (slice(p, -p), slice(p, -p))
    return _Elements(
        ux[crop], uy[crop], vx[crop], vy[crop], vxy[crop], (_K1 * data_range) ** 2, (_K2 * data_range) ** 2
    )


def _scaled_map(alpha: float, e: _Elements) -> NDArray[np.float64]:
    num = (2 * alpha * e.ux * e.uy + e.c1) * (2 * alpha * e.vxy + e.c2)
    den = (e.ux**2 + alpha**2 * e.uy**2 + e.c1) * (e.vx + alpha**2 * e.vy + e.c2)
    result: NDArray[np.float64] = num / den
    return result


def _as_stack(images: Any, name: str) -> list[NDArray[np.float64]]:
    if hasattr(images, "detach"):
        images = images.detach().cpu().numpy()
    arrays = [np.asarray(a, dtype=np.float64) for a in images] if not isinstance(images, np.ndarray) else None
    if arrays is None:
        array = np.asarray(images, dtype=np.float64)
        arrays = [array] if array.ndim == 2 else list(array)
    if not arrays or any(a.ndim != 2 for a in arrays):
        raise InvalidArgumentError(f"MicroSSIM: {name} must be a 2-D image or a stack/list of 2-D images.")
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise InvalidArgumentError(f"MicroSSIM: {name} holds NaN or infinite values; pass finite images.")
    return arrays


class MicroSSIM:
    """Fit MicroSSIM's offsets, scale and range-invariant factor on a set of pairs, then score pairs."""

    def __init__(self, *, bg_percentile: float = 3.0) -> None:
        if not 0 <= bg_percentile < 100:
            raise InvalidArgumentError(f"bg_percentile must be in [0, 100), got {bg_percentile!r}.")
        self.bg_percentile = float(bg_percentile)
        self.offset_true: float | None = None
        self.offset_test: float | None = None
        self.max_value: float | None = None
        self.ri_factor: float | None = None

    def fit(self, images_true: Any, images_test: Any) -> MicroSSIM:
        trues, tests = _as_stack(images_true, "image_true"), _as_stack(images_test, "image_test")
        if len(trues) != len(tests) or any(a.shape != b.shape for a, b in zip(trues, tests, strict=True)):
            raise InvalidArgumentError(
                "MicroSSIM: image_true and image_test must hold the same number of same-size images."
            )
        self.offset_true = float(np.percentile(np.concatenate([a.ravel() for a in trues]), self.bg_percentile))
        self.offset_test = float(np.percentile(np.concatenate([a.ravel() for a in tests]), self.bg_percentile))
        self.max_value = float(max((a - self.offset_true).max() for a in trues))
        if self.max_value <= 0:
            raise InvalidArgumentError(
                "MicroSSIM: the targets are flat after background subtraction; nothing to compare."
            )
        pairs = [self._normalise(a, b) for a, b in zip(trues, tests, strict=True)]
        elements = [_elements(x, y, float(x.max() - x.min()), gaussian=False) for x, y in pairs]
        ux, uy, vx, vy, vxy = (np.concatenate([getattr(e, k).ravel() for e in elements]) for k in _FIELDS)
        merged = _Elements(ux, uy, vx, vy, vxy, c1=elements[-1].c1, c2=elements[-1].c2)
        found = optimize.minimize_scalar(lambda a: -float(_scaled_map(a, merged).mean()), bracket=(0.5, 1.0))
        self.ri_factor = float(found.x)
        return self

    def _normalise(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        if self.offset_true is None or self.offset_test is None or self.max_value is None:
            raise InvalidArgumentError("MicroSSIM needs fitted parameters: call fit(images_true, images_test) first.")
        return (x - self.offset_true) / self.max_value, (y - self.offset_test) / self.max_value

    def score(self, image_true: Any, image_test: Any) -> float | NDArray[np.float64]:
        """MicroSSIM of one pair (2-D) or of each pair of a stack (1-D array), with the fitted parameters."""
        if self.ri_factor is None:
            raise InvalidArgumentError("MicroSSIM.score needs fitted parameters: call fit(images_true, images_test).")
        trues, tests = _as_stack(image_true, "image_true"), _as_stack(image_test, "image_test")
        values = []
        for a, b in zip(trues, tests, strict=True):
            x, y = self._normalise(a, b)
            values.append(float(_scaled_map(self.ri_factor, _elements(x, y, float(x.max() - x.min()), True)).mean()))
        return values[0] if np.ndim(image_true) == 2 else np.asarray(values)


def micro_ssim(image_true: Any, image_test: Any, *, bg_percentile: float = 3.0) -> float | NDArray[np.float64]:
    """MicroSSIM of a pair, or of each pair of a set with parameters fitted on the whole set (see module doc).

    ``image_true``/``image_test``: 2-D arrays, or ``[B, H, W]`` stacks / lists of 2-D arrays, in any intensity
    unit (MicroSSIM normalises them itself). Returns a float for a pair, else one value per pair.
    """
    fitted = MicroSSIM(bg_percentile=bg_percentile).fit(image_true, image_test)
    if isinstance(image_true, Sequence) and not isinstance(image_true, np.ndarray):
        return fitted.score(np.stack(image_true), np.stack(image_test))
    return fitted.score(image_true, image_test)
