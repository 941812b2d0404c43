"""Input checks both pipelines share: the random generator they draw from, one raw integer image and its maximum."""

from __future__ import annotations

import numpy as np

from microsr_bench.errors import InvalidArgumentError


def as_rng(generator: np.random.Generator | int) -> np.random.Generator:
    """The generator itself, or a fresh ``numpy.random.default_rng(seed)`` for a non-negative int seed."""
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool) and generator >= 0:
        return np.random.default_rng(int(generator))
    raise InvalidArgumentError(
        f"generator must be a numpy.random.Generator or a non-negative int seed; got {generator!r}. "
        "Pass e.g. generator=np.random.default_rng(0) or generator=0."
    )


def check_raw_image(hr: object, max_value: object) -> None:
    """Refuse anything but a 2-D uint8/uint16 array whose values lie in ``[0, max_value]``."""
    if not isinstance(hr, np.ndarray) or hr.ndim != 2 or hr.dtype not in (np.uint8, np.uint16):
        raise InvalidArgumentError(
            f"hr must be a 2-D uint8 or uint16 numpy array; got {type(hr).__name__} {getattr(hr, 'dtype', '')} "
            f"shape {getattr(hr, 'shape', '')}. Pass the raw integer image of one field of view."
        )
    limit = int(np.iinfo(hr.dtype).max)
    if not isinstance(max_value, (int, np.integer)) or isinstance(max_value, bool) or not 1 <= max_value <= limit:
        raise InvalidArgumentError(
            f"max_value must be an int in [1, {limit}] for {hr.dtype} data; got {max_value!r}. "
            "Use the dataset card's max_value (e.g. 4095 for 12-bit data)."
        )
    if int(hr.max()) > max_value:
        raise InvalidArgumentError(
            f"hr holds values up to {int(hr.max())}, above max_value={max_value}. Pass the converter's true maximum."
        )
