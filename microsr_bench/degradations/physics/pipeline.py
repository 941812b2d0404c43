"""The physics degradation: HR images to video-rate LR frames with a measured acquisition model, calibrated.

An HR image ``h`` in [0, 1] is read as photo-electrons, sampled by the bidirectional LR scan (line shift that
may change along the line, drift along a stack, photobleaching) and digitised by a PMT model (Poisson
photo-electrons, Gamma-distributed charge with excess noise factor ``F``, read noise, offset, rounding and
clipping): :mod:`.model`. Its parameters are generic defaults or, for real use, what real stacks show:
the photon transfer fit :func:`calibrate` or a realism report (:func:`calibrate_from_realism`). It never uses
the simulator (``microsr_bench.simulate``): a degradation calibrated on the simulator's own parameters and
scored on its data would be an inverse crime. See ``docs/degradations.md``, "Physics pipeline and calibration".
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
from numpy.typing import NDArray

from microsr_bench.data.cards import get_card
from microsr_bench.degradations.inputs import as_rng, check_raw_image
from microsr_bench.degradations.physics.calibration import LRCalibration
from microsr_bench.degradations.physics.model import PhysicsParams, acquire_frame, draw_geometry
from microsr_bench.errors import InvalidArgumentError

__all__ = ["PhysicsDegradation", "physics_degrade_pair"]


def _resolve(
    dataset: str | None, params: PhysicsParams | None, calibration: LRCalibration | None
) -> tuple[str | None, PhysicsParams]:
    if calibration is not None and not isinstance(calibration, LRCalibration):
        raise InvalidArgumentError(
            f"calibration must be an LRCalibration or None, got {type(calibration).__name__}. "
            "Make one with calibrate(...), calibrate_from_realism(path) or LRCalibration.load(path)."
        )
    if params is not None and not isinstance(params, PhysicsParams):
        raise InvalidArgumentError(
            f"params must be a PhysicsParams or None, got {type(params).__name__}; start from PhysicsParams()."
        )
    name = get_card(dataset).name if dataset is not None else calibration.dataset if calibration else None
    if params is None:
        params = PhysicsParams(max_value=get_card(name).max_value) if name else PhysicsParams()
    if calibration is not None:
        params = calibration.to_params(params)
    return name, params


class PhysicsDegradation:
    """Callable ``hr [B, 1, H, W] in [0, 1] -> lr [B, 1, H/2, W/2] in [0, 1]`` on ``hr``'s device.

    Each image becomes one frame of its own stack: a line shift and a drift direction are drawn for it
    (:func:`~.model.draw_geometry`), then a frame index uniformly in the stack (which sets drift and
    bleaching), then the detector noise. The output is the digitised LR value divided by the converter's
    maximum (4095 for 12 bits), the scale of real LR frames divided by the card's ``max_value``. Everything
    random comes from ``generator`` in that fixed order, so a seed gives the same LR on any device.

    Args:
        dataset: Sub-dataset whose card gives the converter range; recorded. No instrument numbers come from it.
        params: Explicit acquisition parameters instead of the generic :class:`PhysicsParams` defaults.
        calibration: Measured LR acquisition (:func:`calibrate`, :func:`calibrate_from_realism`); replaces the
            gain, offset, read noise, ``F``, bleaching, line shift, drift and, when measured with HR images,
            the photon budget.
        frames: Stack length over which drift and bleaching are spread; default the calibration's, else the
            parameters' (100, the card's frames per field).
    """

    def __init__(
        self,
        dataset: str | None = None,
        *,
        params: PhysicsParams | None = None,
        calibration: LRCalibration | None = None,
        frames: int | None = None,
    ) -> None:
        self.dataset, params = _resolve(dataset, params, calibration)
        self.calibration = calibration
        if frames is None:
            frames = calibration.frames if calibration else params.frames
        if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 1:
            raise InvalidArgumentError(f"frames must be a positive int (the stack length), got {frames!r}.")
        self.frames = int(frames)
        self.params = dataclasses.replace(params, frames=self.frames)

    def __repr__(self) -> str:
        origin = "calibrated" if self.calibration else "defaults"
        return f"PhysicsDegradation(dataset={self.dataset!r}, {origin}, frames={self.frames})"

    @property
    def max_value(self) -> int:
        """Largest digitised LR value; outputs are divided by it."""
        return self.params.max_value

    def __call__(self, hr: torch.Tensor, *, generator: np.random.Generator | int) -> torch.Tensor:
        _check_tensor(hr)
        rng = as_rng(generator)
        images = hr.detach().to("cpu", torch.float64).numpy()[:, 0]
        out = np.stack([self._one_frame(image, rng) for image in images])
        lr = torch.from_numpy(out.astype(np.float64) / self.max_value)[:, None]
        return lr.to(device=hr.device, dtype=hr.dtype)

    def _one_frame(self, image: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.uint16]:
        geometry = draw_geometry(self.params, rng)
        frame = int(rng.integers(self.frames))
        return acquire_frame(image, self.params, rng, frame, geometry)

    def degrade_stack(
        self, hr: np.ndarray, *, generator: np.random.Generator | int, frames: int | None = None
    ) -> NDArray[np.uint16]:
        """A whole synthetic stack ``[frames, H/2, W/2]`` (uint16 grey levels) of one HR image ``[H, W]``.

        The frames share one line shift and drift and bleach along the stack, as the frames of one real field
        do; useful to check a calibration (measure the result) or to feed multi-frame methods. ``hr`` is
        integer grey levels (divided by ``max_value``) or float in [0, 1].
        """
        count = self.frames if frames is None else frames
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
            raise InvalidArgumentError(f"frames must be a positive int, got {count!r}.")
        image = _as_unit_image(hr, self.max_value)
        rng = as_rng(generator)
        params = dataclasses.replace(self.params, frames=int(count))
        geometry = draw_geometry(params, rng)
        return np.stack([acquire_frame(image, params, rng, k, geometry) for k in range(int(count))])


def _as_unit_image(hr: object, max_value: int) -> NDArray[np.float64]:
    if not isinstance(hr, np.ndarray) or hr.ndim != 2 or hr.shape[0] % 2 or hr.shape[1] % 2 or min(hr.shape) < 8:
        got = hr.shape if isinstance(hr, np.ndarray) else type(hr).__name__
        raise InvalidArgumentError(f"hr must be a 2-D image with even height and width >= 8, got {got}.")
    if np.issubdtype(hr.dtype, np.integer):
        return hr.astype(np.float64) / max_value
    return np.clip(hr.astype(np.float64), 0.0, 1.0)


def _check_tensor(hr: object) -> None:
    if not isinstance(hr, torch.Tensor):
        raise InvalidArgumentError(
            f"hr must be a torch.Tensor [B, 1, H, W]; got {type(hr).__name__}. Convert with torch.from_numpy."
        )
    if hr.ndim != 4 or hr.shape[1] != 1 or not hr.is_floating_point() or hr.shape[0] < 1:
        raise InvalidArgumentError(
            f"hr must be a float tensor of shape [B, 1, H, W] with B >= 1 (one channel); got dtype {hr.dtype}, "
            f"shape {tuple(hr.shape)}. Add the channel axis with hr[:, None] and divide integers by max_value."
        )
    height, width = hr.shape[-2:]
    if height % 2 or width % 2 or min(height, width) < 8:
        raise InvalidArgumentError(
            f"hr height and width must be even and at least 8 (the LR frame is half the size); got "
            f"{height} x {width}. Crop hr to even sides."
        )
    low, high = float(hr.min()), float(hr.max())
    if not (math.isfinite(low) and math.isfinite(high)) or low < 0.0 or high > 1.0:
        raise InvalidArgumentError(
            f"hr values must lie in [0, 1]; got min {low:g}, max {high:g}. "
            "Divide integer images by the card's max_value and clip."
        )


def physics_degrade_pair(
    hr: np.ndarray,
    max_value: int,
    *,
    seed: int,
    dataset: str | None = None,
    calibration: LRCalibration | None = None,
) -> np.ndarray:
    """Degrade one integer HR image (``uint8`` or ``uint16``, 2-D) into one LR frame, same dtype.

    The image is divided by ``max_value``, degraded as a batch of one, and the LR (in [0, 1] of the LR
    converter's range) is scaled back by ``max_value`` with rounding; with ``max_value`` equal to the converter
    maximum (4095 for the benchmark's 12-bit cards) that returns the digitised grey levels exactly.
    """
    check_raw_image(hr, max_value)
    image = torch.from_numpy(hr.astype(np.float64) / float(max_value))[None, None]
    lr = PhysicsDegradation(dataset, calibration=calibration)(image, generator=seed)[0, 0].numpy()
    return np.round(lr * max_value).astype(hr.dtype)
