"""FID: the Fréchet distance between Inception feature statistics of two sets of grayscale images.

Metric metadata (for the metric registry): name ``fid``; kind ``set`` (one value per pair of image
sets, not per image); **lower is better**; range ``[0, inf)``; unitless.

FID (Heusel, Ramsauer, Unterthiner, Nessler and Hochreiter, "GANs trained by a two time-scale update
rule converge to a local Nash equilibrium", NeurIPS 2017) models the features of each set as a
Gaussian and reports

    FID = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)).

Features are the 2048-d pool features of the TensorFlow FID Inception-v3 as ported by pytorch-fid
(:mod:`microsr_bench.metrics._inception`); grayscale images are replicated to three channels,
resized to 299x299 bilinearly (pytorch-fid's choice; clean-fid resizes differently, so values are
comparable with pytorch-fid, not clean-fid) and scaled to [-1, 1]. The weights file is never
downloaded: see :func:`microsr_bench.metrics._inception_weights.find_inception_weights`.

FID depends on the number of images (it is biased upward for small sets) and the network was
trained on natural images, so absolute values on micrographs are off-scale (the benchmark's paper,
section IV-B); compare methods on the same image sets only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import InvalidArgumentError

if TYPE_CHECKING:
    import torch

__all__ = ["extract_features", "feature_statistics", "fid", "frechet_distance"]

#: A feature extractor: float32 ``[B, 3, H, W]`` in [0, 1] on the chosen device -> ``[B, D]``.
FeatureExtractor = Callable[["torch.Tensor"], "torch.Tensor"]


def feature_statistics(features: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and covariance (unbiased, ``numpy.cov``) of features ``[N, D]``, as pytorch-fid computes them.

    Raises:
        InvalidArgumentError: not 2-D, fewer than two rows, or non-finite values.
    """
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 2:
        raise InvalidArgumentError(
            f"features must be [N, D] with N >= 2 (a covariance needs two samples); got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise InvalidArgumentError("features contain NaN or Inf; check the images and the feature extractor.")
    return array.mean(axis=0), np.cov(array, rowvar=False).reshape(array.shape[1], array.shape[1])


def _symmetric_psd(name: str, sigma: Any, dim: int) -> NDArray[np.float64]:
    array = np.asarray(sigma, dtype=np.float64)
    if array.shape != (dim, dim):
        raise InvalidArgumentError(f"{name} must have shape ({dim}, {dim}) to match the means; got {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise InvalidArgumentError(f"{name} contains NaN or Inf.")
    scale = max(float(np.abs(array).max()), np.finfo(np.float64).tiny)
    if not np.allclose(array, array.T, rtol=0, atol=1e-6 * scale):
        raise InvalidArgumentError(f"{name} is not symmetric; pass a covariance matrix (e.g. from feature_statistics).")
    return (array + array.T) / 2.0


def _psd_sqrt(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any) -> float:
    """Squared Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    ``Tr((S1 S2)^(1/2))`` is computed as the sum of square roots of the eigenvalues of the symmetric
    matrix ``S1^(1/2) S2 S1^(1/2)``, which has the same spectrum as ``S1 S2``. Unlike a general
    matrix square root (``scipy.linalg.sqrtm``, used by pytorch-fid), this stays real and stable when
    the covariances are singular, as they are whenever there are fewer images than feature
    dimensions (N < 2048); eigenvalues below zero from rounding are clipped to 0, and so is the result.

    Raises:
        InvalidArgumentError: shapes that do not match, non-finite or non-symmetric covariances.
    """
    m1 = np.asarray(mu1, dtype=np.float64).reshape(-1)
    m2 = np.asarray(mu2, dtype=np.float64).reshape(-1)
    if m1.shape != m2.shape:
        raise InvalidArgumentError(f"mu1 and mu2 must have the same length; got {m1.shape} and {m2.shape}.")
    if not (np.all(np.isfinite(m1)) and np.all(np.isfinite(m2))):
        raise InvalidArgumentError("mu1 or mu2 contains NaN or Inf.")
    s1 = _symmetric_psd("sigma1", sigma1, m1.size)
    s2 = _symmetric_psd("sigma2", sigma2, m1.size)
    root1 = _psd_sqrt(s1)
    middle = root1 @ s2 @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2.0)
    trace_sqrt = float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())
    diff = m1 - m2
    value = float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt)
    return max(value, 0.0)


def _batches(images: Any, batch_size: int) -> Iterator[NDArray[Any]]:
    """Yield ``[b, H, W]`` arrays from an array/tensor ``[N, H, W]`` or an iterable of 2-D images."""
    if hasattr(images, "detach") and hasattr(images, "cpu"):
        images = images.detach().cpu().numpy()
    if isinstance(images, np.ndarray):
        if images.ndim != 3:
            raise InvalidArgumentError(
                f"images must be [N, H, W] or an iterable of 2-D images; got an array of shape {images.shape}."
            )
        for start in range(0, images.shape[0], batch_size):
            yield images[start : start + batch_size]
        return
    if not isinstance(images, Iterable):
        raise InvalidArgumentError(
            f"images must be an array [N, H, W] or an iterable of 2-D images; got {type(images)}."
        )
    pending: list[NDArray[Any]] = []
    for i, image in enumerate(images):
        item = image.detach().cpu().numpy() if hasattr(image, "detach") else np.asarray(image)
        if item.ndim != 2:
            raise InvalidArgumentError(f"images[{i}] must be a 2-D grayscale image; got shape {item.shape}.")
        if pending and item.shape != pending[0].shape:
            yield np.stack(pending)
            pending = []
        pending.append(item)
        if len(pending) == batch_size:
            yield np.stack(pending)
            pending = []
    if pending:
        yield np.stack(pending)


def _to_unit(batch: NDArray[Any], max_value: float | None) -> NDArray[np.float32]:
    """Intensities in [0, 1]: divide by ``max_value`` when given, else require floats; then clip."""
    if max_value is None:
        if not np.issubdtype(batch.dtype, np.floating):
            raise InvalidArgumentError(
                f"images of dtype {batch.dtype} need max_value (e.g. 255 for 8-bit, 4095 for 12-bit, the dataset "
                "card's max_value); it is never guessed from the dtype. Float images are taken as [0, 1]."
            )
        unit = batch.astype(np.float64)
    else:
        if not max_value > 0:
            raise InvalidArgumentError(f"max_value must be > 0; got {max_value!r}.")
        unit = batch.astype(np.float64) / float(max_value)
    if not np.all(np.isfinite(unit)):
        raise InvalidArgumentError("images contain NaN or Inf; FID needs finite intensities.")
    return np.clip(unit, 0.0, 1.0).astype(np.float32)


def extract_features(
    images: Any,
    *,
    max_value: float | None = None,
    feature_extractor: FeatureExtractor | None = None,
    weights: str | os.PathLike[str] | None = None,
    batch_size: int = 50,
    device: str | torch.device = "cpu",
) -> NDArray[np.float64]:
    """Features ``[N, D]`` of grayscale images (the FID Inception pool features by default).

    Intensities: with ``max_value`` given, images (any numeric dtype) are divided by it; without it
    they must be floats in [0, 1]. Values are clipped to [0, 1] and replicated to three channels.

    Args:
        images: ``[N, H, W]`` NumPy array or torch tensor, or an iterable of 2-D images.
        max_value: the value that maps to 1 (e.g. 255, 4095, 65535); required for integer images.
        feature_extractor: replaces the FID Inception; called under ``torch.no_grad()`` with float32
            ``[B, 3, H, W]`` in [0, 1] on ``device`` and returns ``[B, D]``. Put it in eval mode and on
            ``device`` yourself.
        weights: path of ``pt_inception-2015-12-05-6726825d.pth``; default: searched (env var
            ``MICROSR_BENCH_INCEPTION``, torch hub cache, Hugging Face cache).
        batch_size: images per forward pass.
        device: where the network runs, e.g. ``"cpu"`` or ``"cuda"``.

    Raises:
        NotFoundError: the Inception weights are needed and not found.
        InvalidArgumentError: bad images, dtype without ``max_value``, or bad arguments.
    """
    import torch

    from microsr_bench.metrics._inception_weights import load_fid_inception

    if not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be a positive integer; got {batch_size!r}.")
    extractor = feature_extractor if feature_extractor is not None else load_fid_inception(weights, device=device)
    chunks = []
    with torch.no_grad():
        for batch in _batches(images, batch_size):
            x = torch.from_numpy(_to_unit(batch, max_value)).to(device)
            out = extractor(x[:, None].expand(-1, 3, -1, -1))
            chunks.append(out.reshape(out.shape[0], -1).double().cpu().numpy())
    if not chunks:
        raise InvalidArgumentError("images is empty; FID needs at least two images per set.")
    return np.concatenate(chunks)


def fid(
    images_a: Any,
    images_b: Any,
    *,
    max_value: float | None = None,
    feature_extractor: FeatureExtractor | None = None,
    weights: str | os.PathLike[str] | None = None,
    batch_size: int = 50,
    device: str | torch.device = "cpu",
) -> float:
    """FID between two sets of grayscale images (lower is better; 0 for identical statistics).

    Both sets go through :func:`extract_features` with the same options (read it for the intensity
    rules and the arguments), then :func:`feature_statistics` and :func:`frechet_distance`. For many
    comparisons against one reference set, compute its features once and combine the functions.

    Returns:
        The FID as a float.
    """
    options: dict[str, Any] = {"max_value": max_value, "batch_size": batch_size, "device": device}
    if feature_extractor is None:
        from microsr_bench.metrics._inception_weights import load_fid_inception

        feature_extractor = load_fid_inception(weights, device=device)
    features_a = extract_features(images_a, feature_extractor=feature_extractor, **options)
    features_b = extract_features(images_b, feature_extractor=feature_extractor, **options)
    return frechet_distance(*feature_statistics(features_a), *feature_statistics(features_b))
