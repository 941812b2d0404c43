"""Deprecated alias of :mod:`microsr_bench.imageio`, kept for one release (0.1 -> 0.2): import from there."""

import warnings

from microsr_bench.imageio import (
    IMAGE_SUFFIXES,
    MAX_BYTES_PER_PIXEL,
    ImageReadError,
    atomic_write_bytes,
    atomic_write_text,
    decode_image_bytes,
    encode_tiff,
    read_image,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_BYTES_PER_PIXEL",
    "ImageReadError",
    "atomic_write_bytes",
    "atomic_write_text",
    "decode_image_bytes",
    "encode_tiff",
    "read_image",
]

warnings.warn(
    "microsr_bench._imageio is deprecated and goes in the next release: import the same names from "
    "microsr_bench.imageio.",
    DeprecationWarning,
    stacklevel=2,
)
