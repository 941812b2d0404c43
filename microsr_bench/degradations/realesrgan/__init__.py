"""Real-ESRGAN's second-order degradation: settings, kernels, JPEG, tensor ops and the pipeline that chains them."""

from typing import Any

from microsr_bench.degradations._deprecated import renamed
from microsr_bench.degradations.realesrgan.config import SecondOrderConfig
from microsr_bench.degradations.realesrgan.pipeline import (
    DegradationParams,
    SecondOrderDegradation,
    StageParams,
    realesrgan_degrade_pair,
)

__all__ = [
    "DegradationParams",
    "SecondOrderConfig",
    "SecondOrderDegradation",
    "StageParams",
    "realesrgan_degrade_pair",
]


def __getattr__(name: str) -> Any:
    # The old name, shared with the physics pipeline's helper: importable for one more release.
    if name == "degrade_pair":
        return renamed(__name__, name, "realesrgan_degrade_pair", realesrgan_degrade_pair)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
