"""Deprecated alias of :mod:`microsr_bench.registry`, kept for one release (0.1 -> 0.2): import from there."""

import warnings

from microsr_bench.registry import (
    Registry,
    did_you_mean,
    unknown_name,
)

__all__ = [
    "Registry",
    "did_you_mean",
    "unknown_name",
]

warnings.warn(
    "microsr_bench._registry is deprecated and goes in the next release: import the same names from "
    "microsr_bench.registry.",
    DeprecationWarning,
    stacklevel=2,
)
