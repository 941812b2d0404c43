"""NIQE, the no-reference Natural Image Quality Evaluator, with the published model and domain fitting.

Metric metadata (for the metric registry): name ``niqe``; kind ``no-reference``; **lower is better**;
range ``[0, inf)``; unitless. Scores are per image.

NIQE (Mittal, Soundararajan and Bovik, "Making a 'completely blind' image quality analyzer", IEEE
Signal Processing Letters 20(3):209-212, 2013) fits a multivariate Gaussian (MVG) to natural-scene
statistics of 96x96 patches of an image (36 features per patch, see
:mod:`microsr_bench.metrics._niqe_features`) and reports the distance between that MVG and an MVG
fitted once on pristine images:

    NIQE = sqrt((mu_p - mu_d)^T ((Sigma_p + Sigma_d) / 2)^+ (mu_p - mu_d))

with ``^+`` the pseudo-inverse. The default pristine model is the one the authors published (LIVE, UT
Austin; 125 natural images, 96x96 patches, sharpness threshold 0.75), shipped as
``data/niqe_pristine.npz`` with its licence notice in ``data/NIQE_LICENSE.txt``. Scores agree with
BasicSR 1.4.2 ``calculate_niqe`` (which reproduces the MATLAB release) to 1e-3.

Natural-image NIQE is off-scale on micrographs (the benchmark's paper, section IV-B), so
:func:`fit_niqe_model` fits the pristine MVG on images of a domain instead (e.g. the high-resolution
training images of one sub-dataset), following the published procedure (``estimatemodelparam.m``).

Intensity convention (as BasicSR, on 8-bit images): a float image in [0, 1] is multiplied by 255,
clipped to [0, 255] and rounded half to even (``numpy.round``); a uint8 image is used as is. The
MSCN constant 1 of the method assumes this 0-255 scale. Other integer types are refused: divide by
the dataset's ``max_value`` first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import warnings
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import ConfigError, InvalidArgumentError
from microsr_bench.metrics._niqe_features import N_FEATURES, patch_features

__all__ = ["NiqeModel", "fit_niqe_model", "niqe", "pristine_model"]

#: Pixels per chunk of a batch (two 512x512 images): keeps the temporaries small and cache-friendly.
_CHUNK_PIXELS = 2 * 512 * 512
_MODEL_FORMAT = "microsr-bench/niqe-model/1"
_MODEL_KEYS = frozenset({"format", "mu", "cov", "patch_size", "sharpness_threshold", "n_patches", "description"})


@dataclasses.dataclass(frozen=True, eq=False)
class NiqeModel:
    """The pristine multivariate Gaussian NIQE compares images with.

    Attributes:
        mu: mean feature vector, shape ``(36,)``.
        cov: feature covariance, shape ``(36, 36)``, symmetric.
        patch_size: side of the square patches the model was fitted with; images are scored with the
            same patches.
        sharpness_threshold: fraction of each image's sharpest patch a patch had to exceed to be used.
        n_patches: number of patches the model was fitted on; 0 when not recorded (published model).
        description: where the model comes from.
    """

    mu: NDArray[np.float64]
    cov: NDArray[np.float64]
    patch_size: int = 96
    sharpness_threshold: float = 0.75
    n_patches: int = 0
    description: str = ""

    def __post_init__(self) -> None:
        mu = np.array(self.mu, dtype=np.float64).reshape(-1)
        cov = np.array(self.cov, dtype=np.float64)
        if mu.shape != (N_FEATURES,) or cov.shape != (N_FEATURES, N_FEATURES):
            raise InvalidArgumentError(
                f"A NIQE model needs mu of shape ({N_FEATURES},) and cov of shape ({N_FEATURES}, {N_FEATURES}); "
                f"got {mu.shape} and {cov.shape}. Fit one with fit_niqe_model() or load a saved one."
            )
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(cov))):
            raise InvalidArgumentError("NIQE model mu/cov contain NaN or Inf; refit the model on valid images.")
        if not np.allclose(cov, cov.T, rtol=1e-8, atol=1e-12 * float(np.abs(cov).max(initial=1.0))):
            raise InvalidArgumentError("NIQE model cov is not symmetric; a covariance matrix must equal its transpose.")
        _check_patch_size(self.patch_size)
        mu.flags.writeable = False
        cov.flags.writeable = False
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "cov", cov)
        object.__setattr__(self, "patch_size", int(self.patch_size))
        object.__setattr__(self, "sharpness_threshold", float(self.sharpness_threshold))
        object.__setattr__(self, "n_patches", int(self.n_patches))

    def save(self, path: str | Path) -> None:
        """Write the model to a ``.npz`` file (plain arrays, no pickle)."""
        with Path(path).open("wb") as f:
            np.savez(
                f,
                format=np.str_(_MODEL_FORMAT),
                mu=self.mu,
                cov=self.cov,
                patch_size=np.int64(self.patch_size),
                sharpness_threshold=np.float64(self.sharpness_threshold),
                n_patches=np.int64(self.n_patches),
                description=np.str_(self.description),
            )

    @classmethod
    def load(cls, path: str | Path) -> NiqeModel:
        """Read a model written by :meth:`save`; unknown or missing keys are an error."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"NIQE model file {str(path)!r} does not exist; pass the path of a saved NiqeModel.")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Cannot read NIQE model {str(path)!r} as an .npz of plain arrays: {exc}") from exc
        keys = set(arrays)
        if keys != _MODEL_KEYS or str(arrays["format"]) != _MODEL_FORMAT:
            raise ConfigError(
                f"NIQE model {str(path)!r} is not a {_MODEL_FORMAT} file: expected keys {sorted(_MODEL_KEYS)}, "
                f"got {sorted(keys)} (format {str(arrays.get('format', 'missing'))!r}). "
                "Write models with NiqeModel.save()."
            )
        try:
            return cls(
                mu=arrays["mu"],
                cov=arrays["cov"],
                patch_size=int(arrays["patch_size"]),
                sharpness_threshold=float(arrays["sharpness_threshold"]),
                n_patches=int(arrays["n_patches"]),
                description=str(arrays["description"]),
            )
        except InvalidArgumentError as exc:
            raise ConfigError(f"NIQE model {str(path)!r} is invalid: {exc}") from exc


@functools.cache
def pristine_model() -> NiqeModel:
    """The published natural-image model (LIVE, UT Austin), loaded from the package data."""
    source = resources.files("microsr_bench.metrics").joinpath("data").joinpath("niqe_pristine.npz")
    with resources.as_file(source) as path:
        return NiqeModel.load(path)


def _check_patch_size(patch_size: object) -> None:
    if not isinstance(patch_size, int | np.integer) or patch_size < 16 or patch_size % 2:
        raise InvalidArgumentError(
            f"patch_size must be an even integer >= 16 (the second scale uses patch_size / 2); got {patch_size!r}. "
            "The published model uses 96."
        )


def _as_array(image: Any, name: str) -> NDArray[Any]:
    """A NumPy view of a NumPy array or torch tensor (duck-typed to keep torch optional here)."""
    if hasattr(image, "detach") and hasattr(image, "cpu"):
        image = image.detach().cpu().numpy()
    array = np.asarray(image)
    if array.dtype == object or array.size == 0:
        raise InvalidArgumentError(
            f"{name} must be a non-empty numeric array; got dtype {array.dtype}, size {array.size}."
        )
    return array


def _to_255(array: NDArray[Any], name: str) -> NDArray[np.float64]:
    """Apply the 8-bit intensity convention (see the module docstring)."""
    if array.dtype == np.uint8:
        return array.astype(np.float64)
    if not np.issubdtype(array.dtype, np.floating):
        raise InvalidArgumentError(
            f"{name} must be float in [0, 1] or uint8; got dtype {array.dtype}. Convert integer images with "
            "image / max_value (e.g. microsr_bench.metrics.to_unit_float) first."
        )
    if not np.all(np.isfinite(array)):
        raise InvalidArgumentError(f"{name} contains NaN or Inf; NIQE needs finite intensities.")
    scaled: NDArray[np.float64] = np.clip(array.astype(np.float64) * 255.0, 0.0, 255.0)
    return np.round(scaled)


def _crop(images: NDArray[np.float64], crop_border: int, patch_size: int, name: str) -> NDArray[np.float64]:
    """Remove ``crop_border`` pixels per side, then keep whole patches from the top-left (as MATLAB)."""
    if not isinstance(crop_border, int | np.integer) or crop_border < 0:
        raise InvalidArgumentError(f"crop_border must be an integer >= 0; got {crop_border!r}.")
    h, w = images.shape[-2:]
    if crop_border:
        images = images[..., crop_border : h - crop_border, crop_border : w - crop_border]
    ch, cw = max(h - 2 * crop_border, 0), max(w - 2 * crop_border, 0)
    rows, cols = ch // patch_size, cw // patch_size
    if rows * cols < 2:
        raise InvalidArgumentError(
            f"NIQE needs at least two {patch_size}x{patch_size} patches; {name} is {h}x{w}, {ch}x{cw} after "
            f"crop_border={crop_border}. Use a larger image or a smaller crop_border."
        )
    return images[..., : rows * patch_size, : cols * patch_size]


def _score(features: NDArray[np.float64], model: NiqeModel) -> NDArray[np.float64]:
    """NIQE distance of each image's patch features ``[B, P, 36]`` to the model."""
    with np.errstate(invalid="ignore", divide="ignore"), _ignore_nan_warnings():
        mu = np.nanmean(features, axis=1)
        covs = np.empty((features.shape[0], N_FEATURES, N_FEATURES))
        for b, feats in enumerate(features):
            complete = feats[~np.isnan(feats).any(axis=1)]
            covs[b] = np.cov(complete, rowvar=False) if len(complete) >= 2 else np.nan
    scores = np.full(features.shape[0], np.nan)
    ok = np.isfinite(mu).all(axis=1) & np.isfinite(covs).all(axis=(1, 2))
    if ok.any():
        inverse = np.linalg.pinv((model.cov + covs[ok]) / 2.0)
        diff = model.mu - mu[ok]
        scores[ok] = np.sqrt(np.maximum(np.einsum("bi,bij,bj->b", diff, inverse, diff), 0.0))
    return scores


def niqe(image: Any, *, model: NiqeModel | None = None, crop_border: int = 0) -> float | NDArray[np.float64]:
    """NIQE of a grayscale image, or of each image of a batch (lower is better).

    The image is brought to the 0-255 scale (float [0, 1] times 255, clipped, rounded; uint8 as is),
    ``crop_border`` pixels are removed on each side, and the image is cut to whole patches of the
    model's ``patch_size`` from the top-left corner. Patch features at two scales are fitted with an
    MVG whose distance to ``model`` is returned. Agrees with BasicSR's
    ``calculate_niqe(img, crop_border, input_order='HW')`` on the same 8-bit image to 1e-3.

    An image whose patches are all flat has undefined statistics and scores NaN (BasicSR and the
    MATLAB release fail the same way).

    Args:
        image: ``[H, W]`` or a batch ``[B, H, W]``; NumPy array or torch tensor; float in [0, 1] or uint8.
        model: the pristine model; ``None`` uses the published natural-image model
            (:func:`pristine_model`). A model from :func:`fit_niqe_model` scores against a domain.
        crop_border: pixels removed from each side before scoring (BasicSR's ``crop_border``).

    Returns:
        A float for a 2-D image, a 1-D float64 array for a batch.

    Raises:
        InvalidArgumentError: wrong dimensions or dtype, non-finite values, or fewer than two patches.
    """
    array = _as_array(image, "image")
    if array.ndim not in (2, 3):
        raise InvalidArgumentError(
            f"niqe expects a grayscale image [H, W] or a batch [B, H, W]; got shape {array.shape}. "
            "Convert colour images to grayscale (or the Y channel) first."
        )
    model = pristine_model() if model is None else model
    batch = _to_255(array, "image")
    batch = _crop(batch[None] if batch.ndim == 2 else batch, crop_border, model.patch_size, "image")
    chunk = max(1, _CHUNK_PIXELS // (batch.shape[1] * batch.shape[2]))
    scores = np.concatenate(
        [_score(patch_features(batch[i : i + chunk], model.patch_size)[0], model) for i in range(0, len(batch), chunk)]
    )
    return float(scores[0]) if array.ndim == 2 else scores


def fit_niqe_model(
    images: Iterable[Any] | NDArray[Any], *, patch_size: int = 96, sharpness_threshold: float = 0.75
) -> NiqeModel:
    """Fit the pristine NIQE model on images of a domain, following the published procedure.

    As in the authors' ``estimatemodelparam.m``: each image (same intensity convention as
    :func:`niqe`) is cut to whole ``patch_size`` patches; every patch gets its 36 features and a
    sharpness, the mean local standard deviation (7x7 Gaussian window) over the patch; only patches
    sharper than ``sharpness_threshold`` times the sharpest patch *of the same image* are kept. The
    model is the mean (ignoring NaN per feature) and the covariance (of the patches without NaN) of
    the kept features. Use images that represent good quality in the domain, e.g. the benchmark's
    high-resolution training images. A full-rank covariance needs more than 36 kept patches.

    Args:
        images: a batch ``[N, H, W]`` or an iterable of 2-D images (sizes may differ).
        patch_size: patch side; even, at least 16 (published: 96).
        sharpness_threshold: in [0, 1) (published: 0.75).

    Returns:
        The fitted :class:`NiqeModel`.

    Raises:
        InvalidArgumentError: bad arguments, images, or fewer than two usable patches.
    """
    _check_patch_size(patch_size)
    if not 0.0 <= sharpness_threshold < 1.0:
        raise InvalidArgumentError(f"sharpness_threshold must be in [0, 1); got {sharpness_threshold!r}.")
    kept = []
    for i, image in enumerate(_iter_images(images)):
        scaled = _crop(_to_255(image, f"images[{i}]")[None], 0, patch_size, f"images[{i}]")
        features, sharpness = patch_features(scaled, patch_size)
        kept.append(features[0][sharpness[0] > sharpness_threshold * sharpness[0].max()])
    if not kept:
        raise InvalidArgumentError("fit_niqe_model got no images; pass at least one 2-D image.")
    features = np.concatenate(kept)
    complete = features[~np.isnan(features).any(axis=1)]
    if len(complete) < 2:
        raise InvalidArgumentError(
            f"fit_niqe_model kept {len(complete)} usable patches (need at least 2, ideally > {N_FEATURES}); "
            "pass more or larger textured images, or lower sharpness_threshold."
        )
    with _ignore_nan_warnings():
        mu = np.nanmean(features, axis=0)
    return NiqeModel(
        mu=mu,
        cov=np.cov(complete, rowvar=False),
        patch_size=patch_size,
        sharpness_threshold=sharpness_threshold,
        n_patches=len(features),
        description=f"fitted with microsr_bench.metrics.fit_niqe_model on {len(kept)} images",
    )


def _iter_images(images: Iterable[Any] | NDArray[Any]) -> Iterable[NDArray[Any]]:
    if hasattr(images, "ndim") and hasattr(images, "shape"):
        array = _as_array(images, "images")
        if array.ndim != 3:
            raise InvalidArgumentError(
                f"images must be [N, H, W] or an iterable of 2-D images; got shape {array.shape}."
            )
        yield from array
        return
    for i, image in enumerate(images):
        array = _as_array(image, f"images[{i}]")
        if array.ndim != 2:
            raise InvalidArgumentError(f"images[{i}] must be a 2-D grayscale image; got shape {array.shape}.")
        yield array


@contextlib.contextmanager
def _ignore_nan_warnings() -> Iterator[None]:
    """Silence NumPy's warnings about all-NaN slices; NaN results are handled by the caller."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
