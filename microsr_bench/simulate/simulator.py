"""The simulated default data: whole fields (one HR image + a stack of LR frames) and single images of them.

Every random choice comes from named streams (see :mod:`._numerics`): ``phantom`` and ``background`` (the
field), ``stack`` (line phase, drift path), ``hr`` and ``lr/<frame>``. The shared noiseless model of a field is
computed once in :func:`simulate_field`; :func:`simulate_hr` and :func:`simulate_lr_frame` recompute it and
draw only what they need, so their outputs equal the corresponding parts of the field bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microsr_bench.data.cards import get_card
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.simulate._numerics import stream
from microsr_bench.simulate.acquisition import (
    FieldModel,
    acquire_hr,
    acquire_lr_frame,
    build_field_model,
    check_frame,
    draw_stack_geometry,
)
from microsr_bench.simulate.live import acquire_live_hr, acquire_live_lr, build_live_model
from microsr_bench.simulate.optics import field_layout
from microsr_bench.simulate.params import SimulationParams, default_params
from microsr_bench.simulate.phantoms import render_phantom

#: Version of the default simulator output; bump it whenever any generated pixel changes (recorded in manifests).
#: ``default_params(name, version="1.0")`` still generates the retired 1.0 data.
SIMULATOR_VERSION = "2.0"

#: Smallest LR side accepted (the margins and the cubic kernel need a few pixels).
MIN_LR_SIDE = 8
MAX_LR_SIDE = 4096


@dataclass(frozen=True, eq=False)
class SimulatedField:
    """One simulated field of view: its HR image and its stack of LR frames."""

    #: HR image, uint16 ``[H, W]``.
    hr: NDArray[np.uint16]
    #: LR frames, uint16 ``[F, h, w]``.
    lr: NDArray[np.uint16]


def _shape(name: str, value: object) -> tuple[int, int]:
    """Validate a (rows, columns) pair of ints."""
    if not (isinstance(value, Sequence) and len(value) == 2) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        raise InvalidArgumentError(f"{name} must be a (rows, columns) pair of ints, got {value!r}.")
    return (int(value[0]), int(value[1]))


def _check(
    dataset: str,
    hr_index: int,
    hr_shape: object,
    lr_shape: object,
    params: SimulationParams | None,
) -> tuple[str, tuple[int, int], SimulationParams]:
    """Validate the common arguments; return the canonical dataset name, the HR shape and the parameters."""
    name = get_card(dataset).name
    if isinstance(hr_index, bool) or not isinstance(hr_index, (int, np.integer)) or hr_index < 0:
        raise InvalidArgumentError(f"hr_index must be a non-negative int, got {hr_index!r}.")
    hr = _shape("hr_shape", hr_shape)
    lr = _shape("lr_shape", lr_shape)
    if hr != (2 * lr[0], 2 * lr[1]):
        raise InvalidArgumentError(
            f"hr_shape must be twice lr_shape (x2 super-resolution), got hr_shape {hr} and lr_shape {lr}. "
            f"Use hr_shape={(2 * lr[0], 2 * lr[1])}."
        )
    if not all(MIN_LR_SIDE <= n <= MAX_LR_SIDE for n in lr):
        raise InvalidArgumentError(f"lr_shape sides must be in [{MIN_LR_SIDE}, {MAX_LR_SIDE}], got {lr}.")
    if params is None:
        params = default_params(name)
    elif not isinstance(params, SimulationParams):
        raise InvalidArgumentError(
            f"params must be a SimulationParams or None, got {type(params).__name__}; start from default_params()."
        )
    return name, hr, params


def _model(name: str, hr_index: int, hr_shape: tuple[int, int], params: SimulationParams) -> FieldModel:
    layout = field_layout(hr_shape, params)
    density = render_phantom(params.phantom, layout.grid, stream(name, hr_index, "phantom"))
    return build_field_model(density, layout, params, stream(name, hr_index, "background"))


def simulate_field(
    dataset: str,
    hr_index: int,
    *,
    hr_shape: tuple[int, int] = (512, 512),
    lr_shape: tuple[int, int] = (256, 256),
    frames: int = 100,
    params: SimulationParams | None = None,
) -> SimulatedField:
    """Simulate one field of view: the HR image and all ``frames`` LR frames.

    Args:
        dataset: Sub-dataset (MITO, MPM, MEM, NUC); picks the default physics and seeds the streams.
        hr_index: Index of the field within the sub-dataset; each index is a different field.
        hr_shape: HR image shape; the field of view is ``hr_shape * hr_pixel_size_um``.
        lr_shape: LR frame shape, exactly half of ``hr_shape``.
        frames: Stack length; drift and bleaching are spread over it (2.0: the burst lasts ``frames / 20`` s).
        params: Physics override; ``None`` uses :func:`default_params` of ``dataset`` (2.0).
            ``default_params(dataset, version="1.0")`` regenerates the retired 1.0 data.
    """
    name, hr, params = _check(dataset, hr_index, hr_shape, lr_shape, params)
    check_frame(0, frames)
    if params.live is not None:
        live = build_live_model(name, int(hr_index), hr, int(frames), params)
        return SimulatedField(
            hr=acquire_live_hr(live, int(frames), stream(name, int(hr_index), "hr")),
            lr=np.stack(
                [acquire_live_lr(live, k, int(frames), stream(name, int(hr_index), f"lr/{k}")) for k in range(frames)]
            ),
        )
    model = _model(name, int(hr_index), hr, params)
    hr_image = acquire_hr(model, params, stream(name, int(hr_index), "hr"))
    geometry = draw_stack_geometry(params, stream(name, int(hr_index), "stack"), int(frames))
    lr = np.stack(
        [
            acquire_lr_frame(model, params, geometry, k, int(frames), stream(name, int(hr_index), f"lr/{k}"))
            for k in range(int(frames))
        ]
    )
    return SimulatedField(hr=hr_image, lr=lr)


def simulate_hr(
    dataset: str,
    hr_index: int,
    *,
    hr_shape: tuple[int, int] = (512, 512),
    frames: int = 100,
    params: SimulationParams | None = None,
) -> NDArray[np.uint16]:
    """The HR image of one field alone; equals ``simulate_field(...).hr`` (2.0: the HR scan starts after a
    burst of ``frames`` frames, so pass the same ``frames``)."""
    shape = _shape("hr_shape", hr_shape)
    lr_shape = (shape[0] // 2, shape[1] // 2)
    if shape != (2 * lr_shape[0], 2 * lr_shape[1]):
        raise InvalidArgumentError(f"hr_shape must have even sides (LR is half of it), got {shape}.")
    name, hr, params = _check(dataset, hr_index, shape, lr_shape, params)
    check_frame(0, frames)
    if params.live is not None:
        live = build_live_model(name, int(hr_index), hr, int(frames), params)
        return acquire_live_hr(live, int(frames), stream(name, int(hr_index), "hr"))
    model = _model(name, int(hr_index), hr, params)
    return acquire_hr(model, params, stream(name, int(hr_index), "hr"))


def simulate_lr_frame(
    dataset: str,
    hr_index: int,
    frame: int,
    *,
    hr_shape: tuple[int, int] = (512, 512),
    lr_shape: tuple[int, int] = (256, 256),
    frames: int = 100,
    params: SimulationParams | None = None,
) -> NDArray[np.uint16]:
    """LR frame ``frame`` of a stack of ``frames`` alone; equals ``simulate_field(...).lr[frame]``."""
    name, hr, params = _check(dataset, hr_index, hr_shape, lr_shape, params)
    check_frame(frame, frames)
    if params.live is not None:
        live = build_live_model(name, int(hr_index), hr, int(frames), params)
        return acquire_live_lr(live, int(frame), int(frames), stream(name, int(hr_index), f"lr/{int(frame)}"))
    model = _model(name, int(hr_index), hr, params)
    geometry = draw_stack_geometry(params, stream(name, int(hr_index), "stack"), int(frames))
    rng = stream(name, int(hr_index), f"lr/{int(frame)}")
    return acquire_lr_frame(model, params, geometry, int(frame), int(frames), rng)
