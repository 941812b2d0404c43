"""Input rules shared by the full-reference metrics: dtypes, shapes, finiteness and ``data_range``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import torch

from microsr_bench.errors import InvalidArgumentError

#: What a metric accepts as an image or a batch: a NumPy array or a torch tensor.
ArrayLike: TypeAlias = np.ndarray[Any, Any] | torch.Tensor
FloatArray: TypeAlias = np.ndarray[Any, np.dtype[np.float64]]


def check_data_range(data_range: object, metric: str) -> float:
    """Validate an explicit ``data_range``: a finite number above zero, never inferred from a dtype."""
    if data_range is None:
        raise InvalidArgumentError(
            f"{metric}: data_range is required and was not given; pass the span of possible values "
            "explicitly, e.g. data_range=1.0 for images in [0, 1] or data_range=255 for 8-bit values."
        )
    if isinstance(data_range, bool) or not isinstance(data_range, (int, float, np.integer, np.floating)):
        raise InvalidArgumentError(
            f"{metric}: data_range must be a number, got {data_range!r} ({type(data_range).__name__})."
        )
    value = float(data_range)
    if not math.isfinite(value) or value <= 0:
        raise InvalidArgumentError(
            f"{metric}: data_range must be finite and > 0, got {data_range!r}; pass the span of possible "
            "values, e.g. 1.0 for [0, 1] images or 255 for 8-bit values."
        )
    return value


def _as_numpy(image: object, role: str, metric: str) -> np.ndarray[Any, Any]:
    """The pixels as a NumPy array of a real dtype (torch tensors are moved to the CPU, not rescaled)."""
    if isinstance(image, torch.Tensor):
        tensor = image.detach()
        if tensor.dtype == torch.bool or tensor.dtype.is_complex:
            raise InvalidArgumentError(
                f"{metric}: {role} has dtype {tensor.dtype}; expected an integer or floating-point tensor. "
                "Convert masks or complex data to real intensities first."
            )
        if tensor.dtype == torch.bfloat16:  # NumPy has no bfloat16; float32 holds every bfloat16 exactly
            tensor = tensor.float()
        return tensor.cpu().numpy()
    if isinstance(image, np.ndarray):
        if image.dtype.kind not in "uif":
            raise InvalidArgumentError(
                f"{metric}: {role} has dtype {image.dtype}; expected an integer or floating-point array. "
                "Convert masks or complex data to real intensities first."
            )
        return image
    raise InvalidArgumentError(
        f"{metric}: {role} is a {type(image).__name__}; expected a NumPy array or a torch tensor "
        "of shape (H, W) or (B, H, W). Wrap lists with numpy.asarray."
    )


@dataclass(frozen=True)
class ImagePairs:
    """A validated batch of image pairs; pixels become float64 one image at a time, never rescaled."""

    true: np.ndarray[Any, Any]
    test: np.ndarray[Any, Any]
    metric: str
    #: Whether the caller passed a batch (3-D) rather than one image.
    batched: bool

    def __len__(self) -> int:
        return int(self.true.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.true.shape[1]), int(self.true.shape[2])

    def pair(self, index: int) -> tuple[FloatArray, FloatArray]:
        """Image ``index`` of both sides as C-contiguous float64 arrays (shared when already so)."""
        out = []
        for batch, role in ((self.true, "image_true"), (self.test, "image_test")):
            image = np.ascontiguousarray(batch[index], dtype=np.float64)
            # A finite sum proves every pixel finite; only when it is not is the exact count needed.
            if batch.dtype.kind == "f" and not math.isfinite(float(image.sum())):
                bad = int(np.count_nonzero(~np.isfinite(image)))
                if bad:
                    where = f" (image {index} of the batch)" if self.batched else ""
                    raise InvalidArgumentError(
                        f"{self.metric}: {role}{where} contains {bad} NaN or infinite value"
                        f"{'s' if bad != 1 else ''}; metrics need finite pixels. Check the prediction for "
                        "overflow or division by zero, or replace them explicitly."
                    )
            out.append(image)
        return out[0], out[1]


def as_pairs(image_true: ArrayLike, image_test: ArrayLike, metric: str, *, min_size: int = 1) -> ImagePairs:
    """Validate two images or batches: dtypes, equal shapes ``(H, W)`` or ``(B, H, W)``, minimum size."""
    true = _as_numpy(image_true, "image_true", metric)
    test = _as_numpy(image_test, "image_test", metric)
    if true.shape != test.shape:
        raise InvalidArgumentError(
            f"{metric}: image_true has shape {tuple(true.shape)} but image_test has shape {tuple(test.shape)}; "
            "the two must match exactly (crop or resize the prediction to the target's shape)."
        )
    shape = tuple(true.shape)
    if len(shape) not in (2, 3):
        raise InvalidArgumentError(
            f"{metric}: expected a 2-D image (H, W) or a batch (B, H, W), got shape {shape}; "
            "squeeze channel axes of single-channel images first (e.g. x[:, 0] for (B, 1, H, W))."
        )
    if min(shape) < 1 or min(shape[-2:]) < min_size:
        raise InvalidArgumentError(
            f"{metric}: images of shape {shape} are too small; each side must be at least {min_size} "
            "pixel(s) and a batch must hold at least one image."
        )
    batched = len(shape) == 3
    if not batched:
        true, test = true[None], test[None]
    return ImagePairs(true, test, metric, batched)


def finish(values: FloatArray, batched: bool) -> float | FloatArray:
    """Per-image values as a float (one image) or a 1-D float64 NumPy array (batch)."""
    return values if batched else float(values[0])
