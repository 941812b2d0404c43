"""Synthetic degradation pipelines that turn HR microscopy images into LR training inputs."""

from microsr_bench.degradations.bicubic import BicubicDegradation
from microsr_bench.degradations.physics import LRCalibration, PhysicsDegradation, calibrate, calibrate_from_benchmark
from microsr_bench.degradations.realesrgan import (
    DegradationParams,
    SecondOrderConfig,
    SecondOrderDegradation,
    StageParams,
    degrade_pair,
)

__all__ = [
    "BicubicDegradation",
    "DegradationParams",
    "LRCalibration",
    "PhysicsDegradation",
    "SecondOrderConfig",
    "SecondOrderDegradation",
    "StageParams",
    "calibrate",
    "calibrate_from_benchmark",
    "degrade_pair",
]
