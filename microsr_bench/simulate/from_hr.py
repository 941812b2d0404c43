"""The LR acquisition model applied to a given HR image instead of a phantom (physics degradation).

Intensity mapping, grey levels to photons: an HR grey value g (uint16, or a float in [0, 1] times
``2**bit_depth - 1``) is read back as ``n = max(g - hr_scan.offset, 0) / hr_scan.gain`` expected HR
photo-electrons, i.e. the HR digitiser of ``params`` is inverted. An LR pixel then expects
``n * lr_dwell / hr_dwell`` photo-electrons at the same place (for the defaults, 1/63), to which bleaching and
dark counts apply as in :func:`~microsr_bench.simulate.acquisition.lr_expected`. The LR pixel box is two HR
pixel boxes side by side along x; the LR line lies half-way between two HR rows, so with no drift or phase
error an LR pixel expects the mean of its 2 x 2 HR block. Drift, line phase and jitter move the samples with
cubic convolution on the HR grid; indices beyond the image are clamped. The HR image's own noise is carried
over but is small next to the LR shot noise.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from microsr_bench.errors import InvalidArgumentError
from microsr_bench.simulate.acquisition import StackGeometry, check_frame, draw_stack_geometry, lr_expected
from microsr_bench.simulate.detector import digitise
from microsr_bench.simulate.params import SimulationParams

__all__ = ["acquire_lr_from_hr"]


def _grey_levels(hr: object, max_value: int) -> NDArray[np.float64]:
    """Validate an HR image and return its grey levels as float64."""
    if not isinstance(hr, np.ndarray) or hr.ndim != 2:
        got = f"an array of shape {hr.shape}" if isinstance(hr, np.ndarray) else type(hr).__name__
        raise InvalidArgumentError(f"hr must be a 2-D NumPy array [H, W], got {got}. Pass one image at a time.")
    if hr.shape[0] < 8 or hr.shape[1] < 8 or hr.shape[0] % 2 or hr.shape[1] % 2:
        raise InvalidArgumentError(
            f"hr must have even height and width of at least 8 (LR is half the size), got shape {hr.shape}. "
            "Crop it to even dimensions."
        )
    if np.issubdtype(hr.dtype, np.integer):
        return hr.astype(np.float64)
    if not np.issubdtype(hr.dtype, np.floating):
        raise InvalidArgumentError(f"hr must be an integer or float array, got dtype {hr.dtype}.")
    low, high = float(np.min(hr)), float(np.max(hr))
    if not (np.isfinite(low) and np.isfinite(high) and low >= 0.0 and high <= 1.0):
        raise InvalidArgumentError(
            f"a float hr image must lie in [0, 1] (grey level / {max_value}), got values in [{low}, {high}]. "
            f"Divide integer data by {max_value} or pass the uint16 image itself."
        )
    return hr.astype(np.float64) * max_value


def acquire_lr_from_hr(
    hr: np.ndarray,
    *,
    params: SimulationParams,
    rng: np.random.Generator,
    frame: int = 0,
    frames: int = 1,
    geometry: StackGeometry | None = None,
) -> NDArray[np.uint16]:
    """Synthesise one video-rate LR frame from an HR image with the simulator's LR acquisition model.

    Args:
        hr: HR image ``[H, W]`` (even sizes): uint16 grey levels, or float in [0, 1] (grey / max value).
        params: Physical parameters; the HR digitiser (gain, offset) maps grey levels to photons, the LR scan,
            detector, stack and dwell ratio do the rest.
        rng: Random stream of this frame: jitter and detector noise are drawn from it (and the stack
            geometry too, when ``geometry`` is not given).
        frame: Index of the frame in its stack (sets drift and bleaching).
        frames: Stack length over which drift and bleaching are defined.
        geometry: The stack's line phase and drift path from
            :func:`~microsr_bench.simulate.acquisition.draw_stack_geometry`; pass the same one for every frame
            of a stack so that they share a phase error and a drift path.

    Returns:
        uint16 LR frame ``[H // 2, W // 2]`` in [0, saturation_level].
    """
    check_frame(frame, frames)
    if not isinstance(params, SimulationParams):
        raise InvalidArgumentError(f"params must be a SimulationParams, got {type(params).__name__}.")
    grey = _grey_levels(hr, params.detector.max_value)
    if geometry is None:
        geometry = draw_stack_geometry(params, rng, frames)
    elif geometry.drift_um.shape != (frames, 2):
        raise InvalidArgumentError(
            f"geometry.drift_um has shape {geometry.drift_um.shape} but frames={frames}; draw the geometry "
            "with the same number of frames."
        )
    photons = np.maximum(grey - params.hr_scan.offset, 0.0) / params.hr_scan.gain
    rate = photons * params.dwell_ratio
    # Two neighbouring HR boxes make one LR box; boxed column q is centred on HR column q + 0.5.
    boxed = 0.5 * (rate[:, :-1] + rate[:, 1:])
    pixel = params.optics.hr_pixel_size_um
    lr_shape = (hr.shape[0] // 2, hr.shape[1] // 2)
    # HR pixel i is centred at (i + 0.5) p: row index = y / p - 0.5, boxed column index = x / p - 1.
    expected = lr_expected(boxed, (-0.5, -1.0), pixel, params, lr_shape, geometry, int(frame), int(frames), rng)
    return digitise(expected, params.lr_scan, params.detector, rng)
