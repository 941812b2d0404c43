"""KID and patch-wise, streamed set metrics: FID and KID of two image sets from Inception features of tiles.

Metric metadata (for the metric registry): name ``kid``; kind ``set``; **lower is better**; unitless; the
unbiased estimate can be slightly negative when the two sets are alike.

KID (Bińkowski, Sutherland, Arbel and Gretton, "Demystifying MMD GANs", ICLR 2018) is the squared maximum
mean discrepancy between the feature distributions with the cubic polynomial kernel
``k(x, y) = (x . y / d + 1)^3`` (``d`` the feature dimension), estimated without bias:

    MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (n (n - 1))
              - 2 sum_{i, j} k(x_i, y_j) / (m n).

Unlike FID it needs no covariance estimate, so it is usable with few samples. As in the paper, large sets
are estimated as the mean over ``n_subsets`` random subsets of ``subset_size`` samples per set.

**Patches.** A 512x512 micrograph resized to Inception's 299x299 gives one sample per image, and 3 HR
test images (MITO) cannot estimate anything about 2048-d features. :func:`tile_offsets` cuts each image into
``ceil(H / 299)`` x ``ceil(W / 299)`` tiles of 299x299 at native resolution, evenly spaced from 0 to
``H - 299`` (512 -> offsets 0 and 213: 4 tiles covering every pixel, neighbours overlapping by 86 px);
images of at most 299 pixels a side are one tile (the network resizes them). :func:`set_metrics` streams
images in float32 batches: FID from running float64 sums of ``x`` and ``x x^T`` (memory ``O(D^2)``), KID
from a reservoir of at most ``max_samples`` features per set (memory ``O(max_samples D)``) and kernel
matrices of at most ``subset_size`` squared, so memory does not grow with the number of images.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics._fid import FeatureExtractor, frechet_distance

__all__ = ["PATCH", "SetMetrics", "kid", "set_metrics", "tile_offsets"]

#: Inception-v3's input size: the side of the tiles.
PATCH = 299


def _kernel(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray((a @ b.T / a.shape[1] + 1.0) ** 3, dtype=np.float64)


def _mmd2_unbiased(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    m, n = x.shape[0], y.shape[0]
    kxx, kyy = _kernel(x, x), _kernel(y, y)
    within_x = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    within_y = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * _kernel(x, y).mean())


def kid(features_a: Any, features_b: Any, *, subset_size: int = 1000, n_subsets: int = 100, seed: int = 0) -> float:
    """Unbiased KID (squared MMD, cubic polynomial kernel) between features ``[m, D]`` and ``[n, D]``.

    With both sets at most ``subset_size`` long, the estimate uses every sample; otherwise it is the mean
    over ``n_subsets`` subsets of ``subset_size`` drawn without replacement from each set (``PCG64(seed)``).

    Raises:
        InvalidArgumentError: not 2-D, different feature sizes, fewer than 2 samples, or non-finite values.
    """
    x = np.asarray(features_a, dtype=np.float64)
    y = np.asarray(features_b, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1] or min(x.shape[0], y.shape[0]) < 2:
        raise InvalidArgumentError(
            f"kid: features must be [m, D] and [n, D] with the same D and m, n >= 2; got {x.shape} and {y.shape}."
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InvalidArgumentError("kid: features contain NaN or Inf; check the images and the feature extractor.")
    if subset_size < 2 or n_subsets < 1:
        raise InvalidArgumentError(f"kid: subset_size must be >= 2 and n_subsets >= 1; got {subset_size}, {n_subsets}.")
    if max(x.shape[0], y.shape[0]) <= subset_size:
        return _mmd2_unbiased(x, y)
    rng = np.random.Generator(np.random.PCG64(seed))
    size = min(subset_size, x.shape[0], y.shape[0])
    values = [
        _mmd2_unbiased(x[rng.choice(x.shape[0], size, replace=False)], y[rng.choice(y.shape[0], size, replace=False)])
        for _ in range(n_subsets)
    ]
    return float(np.mean(values))


def tile_offsets(length: int, patch: int = PATCH) -> list[int]:
    """Start offsets of the tiles along one axis: ``ceil(length / patch)`` evenly from 0 to ``length - patch``."""
    if length <= patch:
        return [0]
    count = math.ceil(length / patch)
    return [round(k * (length - patch) / (count - 1)) for k in range(count)]


def _tiles(image: NDArray[Any], patch: int) -> Iterator[NDArray[Any]]:
    h, w = image.shape
    if h <= patch or w <= patch:
        yield image
        return
    for top in tile_offsets(h, patch):
        for left in tile_offsets(w, patch):
            yield image[top : top + patch, left : left + patch]


class _Accumulator:
    """Running float64 sums for the FID statistics and a reservoir of features for KID."""

    def __init__(self, max_samples: int, rng: np.random.Generator) -> None:
        self.count = 0
        self.total: NDArray[np.float64] | None = None
        self.outer: NDArray[np.float64] | None = None
        self.reservoir: list[NDArray[np.float32]] = []
        self.max_samples = max_samples
        self.rng = rng

    def add(self, features: NDArray[np.float32]) -> None:
        f64 = features.astype(np.float64)
        if self.total is None or self.outer is None:
            self.total, self.outer = f64.sum(axis=0), f64.T @ f64
        else:
            self.total += f64.sum(axis=0)
            self.outer += f64.T @ f64
        for row in features:
            self.count += 1
            if len(self.reservoir) < self.max_samples:
                self.reservoir.append(row.copy())
            else:  # reservoir sampling (Vitter's algorithm R): every feature kept with the same probability
                slot = int(self.rng.integers(0, self.count))
                if slot < self.max_samples:
                    self.reservoir[slot] = row.copy()

    def statistics(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if self.total is None or self.outer is None or self.count < 2:
            raise InvalidArgumentError(f"set_metrics: a set needs at least two tiles; got {self.count}.")
        mean = self.total / self.count
        cov = (self.outer - self.count * np.outer(mean, mean)) / (self.count - 1)
        return mean, (cov + cov.T) / 2


@dataclass(frozen=True)
class SetMetrics:
    """FID and KID of a predicted set against a reference set, with the sample counts behind them."""

    fid: float
    kid: float
    n_images_a: int
    n_images_b: int
    n_patches_a: int
    n_patches_b: int
    patch: int
    kid_samples: int

    def counts(self) -> dict[str, int]:
        return {
            "n_images_pred": self.n_images_a,
            "n_images_ref": self.n_images_b,
            "n_patches_pred": self.n_patches_a,
            "n_patches_ref": self.n_patches_b,
            "patch_size": self.patch,
            "kid_max_samples": self.kid_samples,
        }


def _feed(
    images: Iterable[Any], acc: _Accumulator, extractor: FeatureExtractor, batch_size: int, device: Any, patch: int
) -> int:
    import torch

    n_images = 0
    pending: list[NDArray[np.float32]] = []

    def flush() -> None:
        with torch.no_grad():
            x = torch.from_numpy(np.stack(pending)).to(device)
            out = extractor(x[:, None].expand(-1, 3, -1, -1))
        acc.add(out.reshape(out.shape[0], -1).float().cpu().numpy())
        pending.clear()

    for i, image in enumerate(images):
        array = np.asarray(image.detach().cpu().numpy() if hasattr(image, "detach") else image)
        if array.ndim != 2 or not np.issubdtype(array.dtype, np.floating) or not np.all(np.isfinite(array)):
            raise InvalidArgumentError(
                f"set_metrics: image {i} must be a finite 2-D float image in [0, 1]; got {array.dtype} {array.shape}."
            )
        n_images += 1
        for tile in _tiles(np.clip(array, 0.0, 1.0).astype(np.float32), patch):
            if pending and tile.shape != pending[0].shape:
                flush()
            pending.append(tile)
            if len(pending) == batch_size:
                flush()
    if pending:
        flush()
    return n_images


def set_metrics(
    images_a: Iterable[Any],
    images_b: Iterable[Any],
    *,
    feature_extractor: FeatureExtractor | None = None,
    weights: Any = None,
    batch_size: int = 32,
    device: Any = "cpu",
    patch: int = PATCH,
    max_samples: int = 10_000,
    seed: int = 0,
) -> SetMetrics:
    """FID and KID between two streams of 2-D float images in [0, 1], on tiles (see the module docstring).

    Images are consumed one at a time (any iterable, e.g. a generator reading files), tiled, and sent to the
    network in float32 batches of ``batch_size`` tiles; nothing but the running sums and the KID reservoir
    is kept. ``feature_extractor`` as in :func:`microsr_bench.metrics.extract_features` (default: the FID
    Inception, ``weights`` as there).

    Raises:
        InvalidArgumentError: bad images, or fewer than two tiles in a set.
    """
    if feature_extractor is None:
        from microsr_bench.metrics._inception_weights import load_fid_inception

        feature_extractor = load_fid_inception(weights, device=device)
    rng = np.random.Generator(np.random.PCG64(seed))
    acc_a, acc_b = _Accumulator(max_samples, rng), _Accumulator(max_samples, rng)
    n_a = _feed(images_a, acc_a, feature_extractor, batch_size, device, patch)
    n_b = _feed(images_b, acc_b, feature_extractor, batch_size, device, patch)
    fid_value = frechet_distance(*acc_a.statistics(), *acc_b.statistics())
    kid_value = kid(np.stack(acc_a.reservoir), np.stack(acc_b.reservoir), seed=seed)
    return SetMetrics(fid_value, kid_value, n_a, n_b, acc_a.count, acc_b.count, patch, max_samples)
