"""The check shared by both pipelines' ``degrade_pair``: one raw integer image and its converter maximum."""

from __future__ import annotations

import numpy as np

from microsr_bench.errors import InvalidArgumentError


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
