"""Registration residual between the HR image and the up-sampled mean LR frame: shift, scale and rotation.

The fast (LR) and slow (HR) scans of one field are calibrated separately, start at different times and see the
sample move in between, so the HR image lies on the LR grid only up to a small similarity transform. It is
measured from local shifts: the HR image and the mean LR frame, up-sampled x2 onto the HR grid, are cut into
``tiles x tiles`` tiles, each tile's displacement is measured by cross-correlation
(:func:`~microsr_bench.realism.motion.phase_shift`), and the similarity ``d(p) = t + (A - I)(p - c)``,
``A = s [[cos a, -sin a], [sin a, cos a]]`` acting on ``(x, y)`` about the image centre ``c``, is fitted to the
tile centres by least squares, with one pass that drops tiles more than 3 robust standard deviations off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from microsr_bench.realism.motion import phase_shift

__all__ = ["Registration", "register_hr_to_lr", "upsample_to_hr"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Registration:
    """HR relative to the up-sampled mean LR, in HR pixels (content displacement, ``[dy, dx]``)."""

    #: Displacement at the image centre.
    shift: tuple[float, float]
    #: Scale factor of the HR content relative to the LR content (1 = same pixel calibration x 2).
    scale: float
    #: Rotation of the HR content, degrees, from the x axis towards the y axis (clockwise as displayed).
    rotation_deg: float
    #: Rms of the tile displacements about the fitted similarity (HR px): non-rigid motion and noise.
    residual_rms: float
    #: Tiles that entered the fit.
    tiles: int


def upsample_to_hr(mean_lr: Array) -> Array:
    """Mean LR frame resampled on the HR grid (cubic spline), pixel centres aligned.

    LR pixel ``i`` covers HR pixels ``2i`` and ``2i + 1``, so HR pixel ``j`` lies at LR coordinate
    ``(j - 0.5) / 2``.
    """
    h, w = mean_lr.shape
    yy, xx = np.meshgrid((np.arange(2 * h) - 0.5) / 2.0, (np.arange(2 * w) - 0.5) / 2.0, indexing="ij")
    return ndimage.map_coordinates(mean_lr.astype(np.float64), [yy, xx], order=3, mode="nearest")


def _local_shifts(hr: Array, up: Array, tiles: int) -> tuple[Array, Array]:
    h, w = hr.shape
    ys, xs = np.linspace(0, h, tiles + 1).astype(int), np.linspace(0, w, tiles + 1).astype(int)
    centres, shifts = [], []
    for i in range(tiles):
        for j in range(tiles):
            a, b = hr[ys[i] : ys[i + 1], xs[j] : xs[j + 1]], up[ys[i] : ys[i + 1], xs[j] : xs[j + 1]]
            if np.ptp(a) <= 0 or np.ptp(b) <= 0:
                continue  # an empty tile has no displacement to measure
            centres.append(((ys[i] + ys[i + 1] - 1) / 2.0, (xs[j] + xs[j + 1] - 1) / 2.0))
            shifts.append(phase_shift(a, b, lowpass=0.1))
    return np.array(centres, dtype=np.float64).reshape(-1, 2), np.array(shifts, dtype=np.float64).reshape(-1, 2)


def _fit(centres: Array, shifts: Array, centre: Array) -> tuple[Array, Array]:
    """Least-squares (ty, tx, a - 1, b) of ``dx = tx + (a-1) ux - b uy``, ``dy = ty + b ux + (a-1) uy``."""
    uy, ux = (centres - centre).T
    one, zero = np.ones_like(ux), np.zeros_like(ux)
    design = np.concatenate([np.stack([one, zero, uy, ux], 1), np.stack([zero, one, ux, -uy], 1)])
    target = np.concatenate([shifts[:, 0], shifts[:, 1]])
    coef = np.linalg.lstsq(design, target, rcond=None)[0]
    resid = (target - design @ coef).reshape(2, -1)
    return coef, np.hypot(resid[0], resid[1])


def register_hr_to_lr(hr: Array, mean_lr: Array, *, tiles: int = 4) -> Registration:
    """Similarity transform of ``hr`` ``[2h, 2w]`` relative to ``mean_lr`` ``[h, w]`` up-sampled x2."""
    up = upsample_to_hr(mean_lr)
    centres, shifts = _local_shifts(hr.astype(np.float64), up, tiles)
    if len(centres) < 3:
        raise ValueError(f"only {len(centres)} tiles hold structure; a similarity needs at least 3.")
    centre = (np.array(hr.shape, dtype=np.float64) - 1.0) / 2.0
    coef, resid = _fit(centres, shifts, centre)
    spread = 1.4826 * float(np.median(resid)) + 1e-6
    keep = resid <= 3.0 * spread
    if 3 <= keep.sum() < len(resid):
        coef, resid = _fit(centres[keep], shifts[keep], centre)
    ty, tx, am1, b = (float(c) for c in coef)
    return Registration(
        shift=(ty, tx),
        scale=math.hypot(1.0 + am1, b),
        rotation_deg=math.degrees(math.atan2(b, 1.0 + am1)),
        residual_rms=float(np.sqrt(np.mean(resid**2))),
        tiles=int(resid.size),
    )
