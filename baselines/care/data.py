"""CARE's training patches as CSBDeep's ``create_patches`` makes them, cut on the fly from the benchmark's pairs.

CSBDeep (``csbdeep/data/generate.py``) prepares CARE's training data in two steps that matter here:

* ``no_background_patches(threshold=0.4, percentile=99.9)``: a patch may only be centred where the target's
  maximum filter (window of half the patch side, zeros beyond the border) exceeds 0.4 times the target's 99.9th
  percentile, so training does not spend its steps on empty background;
* ``norm_percentiles(sample_percentiles(pmin=(1, 3), pmax=(99.5, 99.9)))``: per patch one ``pmin`` and one
  ``pmax`` are drawn, and the input patch is normalised with those percentiles of the **whole** input image,
  the target patch with those of the whole target image.

:class:`CarePatchSampler` does both for the benchmark's LR/HR pairs (our own code): the target mask is computed
once per HR image (the 100 frames of a field share it) on the HR grid, an LR patch of ``p/2`` at ``(y, x)``
is eligible when its HR patch (``p`` at ``(2y, 2x)``) is centred on an eligible HR pixel, and the percentiles
are those of the whole LR frame and the whole HR image. The patches it hands out are already normalised; the
trainer only up-samples the LR patch. Its stream (patch order, positions, percentile draws) is seeded and
checkpointed, so a killed run resumes bit for bit.
"""

from __future__ import annotations

from typing import Any

import datasets
import numpy as np
import torch
from scipy.ndimage import maximum_filter

from baselines.care.normalize import sample_percentiles
from baselines.realesrgan.data import PairedPatchSampler, PatchBatch

__all__ = ["CarePatchSampler", "eligible_centres", "image_percentiles"]

#: CSBDeep ``no_background_patches`` defaults.
BACKGROUND_THRESHOLD = 0.4
BACKGROUND_PERCENTILE = 99.9
#: Smallest percentile range used to normalise (about four 12-bit grey levels): a constant image's range is 0.
MIN_RANGE = 1e-3


def eligible_centres(
    target: np.ndarray,
    patch_size: int,
    threshold: float = BACKGROUND_THRESHOLD,
    percentile: float = BACKGROUND_PERCENTILE,
) -> np.ndarray:
    """CSBDeep's background filter: True where a patch of side ``patch_size`` of ``target`` may be centred.

    ``maximum_filter(target, patch_size // 2, mode="constant") > threshold * percentile(target, percentile)``.
    """
    image = np.asarray(target, dtype=np.float32)
    size = max(patch_size // 2, 1)
    filtered = maximum_filter(image, size, mode="constant")
    return filtered > threshold * np.percentile(image, percentile)


def image_percentiles(image: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """``numpy.percentile`` of the whole image at ``low`` and ``high`` (in %), the range at least ``MIN_RANGE``."""
    lo, hi = np.percentile(image, [low, high])
    return float(lo), float(max(hi, lo + MIN_RANGE))


class CarePatchSampler(PairedPatchSampler):
    """Aligned LR/HR patches from background-filtered positions, normalised as CSBDeep does (module docstring).

    The LR patch is ``(lr - lo) / (hi - lo)`` with ``lo, hi`` the drawn percentiles of the whole LR frame (in [0, 1]
    units), the HR patch the same with the whole HR image's; one ``(pmin, pmax)`` draw per patch serves both.
    """

    def __init__(
        self,
        split: datasets.Dataset,
        *,
        patch_size: int,
        batch_size: int,
        seed: int,
        threshold: float = BACKGROUND_THRESHOLD,
        percentile: float = BACKGROUND_PERCENTILE,
    ) -> None:
        super().__init__(split, patch_size=patch_size, batch_size=batch_size, seed=seed)
        self.threshold, self.percentile = threshold, percentile
        self.hr_keys = list(split["hr_id"]) if "hr_id" in split.column_names else list(range(len(split)))
        self.percentile_rng = np.random.default_rng([seed, 1])
        self._positions: dict[Any, np.ndarray] = {}

    def positions(self, index: int, hr: np.ndarray) -> np.ndarray:
        """Flat indices ``y * nx + x`` of the eligible LR top-left corners of pair ``index`` (cached per HR image)."""
        key = self.hr_keys[index]
        if key not in self._positions:
            half = self.patch // 2
            ny, nx = self.lr_shape[0] - half + 1, self.lr_shape[1] - half + 1
            mask = eligible_centres(hr, self.patch, self.threshold, self.percentile)
            ys, xs = np.mgrid[0:ny, 0:nx]
            ok = mask[2 * ys + self.patch // 2, 2 * xs + self.patch // 2]
            flat = np.flatnonzero(ok)
            # An image with no eligible centre (all background) is sampled uniformly, as without the filter.
            self._positions[key] = flat if flat.size else np.arange(ny * nx)
        return self._positions[key]

    def next_batch(self) -> PatchBatch:
        index = self.stream.take(self.batch_size)
        pmin, pmax = sample_percentiles(self.percentile_rng, self.batch_size)
        half = self.patch // 2
        nx = self.lr_shape[1] - half + 1
        lrs, hrs = [], []
        for k, i in enumerate(int(j) for j in index):
            row = self.rows[i]
            scale = self.scale[i]
            lr = np.asarray(row["lr"], dtype=np.float32).reshape(self.lr_shape) / scale
            hr = np.asarray(row["hr"], dtype=np.float32).reshape(2 * self.lr_shape[0], 2 * self.lr_shape[1]) / scale
            valid = self.positions(i, hr)
            y, x = divmod(int(valid[self.stream.rng.integers(valid.size)]), nx)
            lo, hi = image_percentiles(lr, pmin[k], pmax[k])
            lrs.append((lr[y : y + half, x : x + half] - lo) / (hi - lo))
            lo, hi = image_percentiles(hr, pmin[k], pmax[k])
            hrs.append((hr[2 * y : 2 * y + self.patch, 2 * x : 2 * x + self.patch] - lo) / (hi - lo))
        return PatchBatch(lr=_stack(lrs), hr=_stack(hrs))

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "percentile_rng": self.percentile_rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.percentile_rng.bit_generator.state = state.pop("percentile_rng")
        super().load_state_dict(state)


def _stack(patches: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(patches).astype(np.float32)[:, None])
