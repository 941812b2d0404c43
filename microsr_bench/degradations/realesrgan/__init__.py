"""Real-ESRGAN's second-order degradation: settings, kernels, JPEG, tensor ops and the pipeline that chains them."""

from microsr_bench.degradations.realesrgan.config import SecondOrderConfig
from microsr_bench.degradations.realesrgan.pipeline import (
    DegradationParams,
    SecondOrderDegradation,
    StageParams,
    degrade_pair,
)

__all__ = ["DegradationParams", "SecondOrderConfig", "SecondOrderDegradation", "StageParams", "degrade_pair"]
