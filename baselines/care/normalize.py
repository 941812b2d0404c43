"""CARE's percentile normalisation (CSBDeep ``csbdeep/utils/utils.py`` ``normalize_mi_ma``, ``csbdeep/data``).

``normalize(x, mi, ma) = (x - mi) / (ma - mi + eps)`` with ``eps = 1e-20`` and ``mi``, ``ma`` percentiles of
the image (linear interpolation between order statistics, as ``numpy.percentile``).

* Training (CSBDeep ``norm_percentiles`` with ``sample_percentiles(pmin=(1, 3), pmax=(99.5, 99.9))``): for each
  training pair one ``pmin`` is drawn uniformly in [1, 3] and one ``pmax`` in [99.5, 99.9]; the input is
  normalised with those percentiles of the whole input image it came from and the target with those of the
  whole target image (:class:`baselines.care.data.CarePatchSampler`, which also applies CSBDeep's background
  filter to the patch positions).
* Prediction (CSBDeep ``PercentileNormalizer(pmin=2, pmax=99.8, do_after=True)``): the input is normalised
  with its percentiles 2 and 99.8, and the output is mapped back with the same ``mi`` and ``ma``
  (``after``: ``x * (ma - mi) + mi``).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "EPS",
    "PREDICT_PERCENTILES",
    "TRAIN_PMAX",
    "TRAIN_PMIN",
    "denormalize",
    "normalize",
    "percentiles",
    "sample_percentiles",
]

EPS = 1e-20
#: CSBDeep ``PercentileNormalizer`` defaults.
PREDICT_PERCENTILES = (2.0, 99.8)
#: CSBDeep ``sample_percentiles`` defaults for training data.
TRAIN_PMIN = (1.0, 3.0)
TRAIN_PMAX = (99.5, 99.9)


def percentiles(
    images: torch.Tensor, low: torch.Tensor | float, high: torch.Tensor | float
) -> tuple[torch.Tensor, ...]:
    """Per-image percentiles ``low``, ``high`` (in %, scalar or one per image) of ``[B, C, H, W]``: ``[B, 1, 1, 1]``.

    Linear interpolation between order statistics, which is ``numpy.percentile``'s default.
    """
    flat = images.flatten(1).double()
    count = images.shape[0]
    lo = torch.as_tensor(low, dtype=torch.float64).expand(count) / 100
    hi = torch.as_tensor(high, dtype=torch.float64).expand(count) / 100
    ordered = flat.sort(dim=1).values
    out = []
    for q in (lo, hi):
        pos = q * (flat.shape[1] - 1)
        below = pos.floor().long().clamp(0, flat.shape[1] - 1)
        above = (below + 1).clamp(max=flat.shape[1] - 1)
        frac = pos - below.double()
        a = ordered.gather(1, below[:, None])[:, 0]
        b = ordered.gather(1, above[:, None])[:, 0]
        out.append((a + frac * (b - a)).to(images.dtype).view(-1, 1, 1, 1))
    return out[0], out[1]


def normalize(x: torch.Tensor, mi: torch.Tensor, ma: torch.Tensor) -> torch.Tensor:
    """``(x - mi) / (ma - mi + eps)``, CSBDeep's ``normalize_mi_ma``."""
    return (x - mi) / (ma - mi + EPS)


def denormalize(y: torch.Tensor, mi: torch.Tensor, ma: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`normalize` (CSBDeep ``PercentileNormalizer.after``: ``alpha * y + beta``)."""
    return y * (ma - mi + EPS) + mi


def sample_percentiles(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` draws of ``(pmin, pmax)``: uniform in ``TRAIN_PMIN`` and ``TRAIN_PMAX``."""
    return rng.uniform(*TRAIN_PMIN, size=count), rng.uniform(*TRAIN_PMAX, size=count)
