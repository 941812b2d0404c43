"""Synthetic degradation pipelines that turn HR microscopy images into LR training inputs."""

from microsr_bench.degradations.realesrgan import (
    DegradationParams,
    SecondOrderConfig,
    SecondOrderDegradation,
    StageParams,
    degrade_pair,
)

__all__ = [
    "DegradationParams",
    "SecondOrderConfig",
    "SecondOrderDegradation",
    "StageParams",
    "degrade_pair",
]
