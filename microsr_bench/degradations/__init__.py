"""Synthetic degradation pipelines that turn HR microscopy images into LR training inputs."""

from microsr_bench.degradations.physics import (
    LRCalibration,
    PhysicsDegradation,
    PhysicsParams,
    calibrate,
    calibrate_from_benchmark,
    calibrate_from_realism,
)
from microsr_bench.degradations.realesrgan import (
    DegradationParams,
    SecondOrderConfig,
    SecondOrderDegradation,
    StageParams,
    degrade_pair,
)

__all__ = [
    "DegradationParams",
    "LRCalibration",
    "PhysicsDegradation",
    "PhysicsParams",
    "SecondOrderConfig",
    "SecondOrderDegradation",
    "StageParams",
    "calibrate",
    "calibrate_from_benchmark",
    "calibrate_from_realism",
    "degrade_pair",
]
