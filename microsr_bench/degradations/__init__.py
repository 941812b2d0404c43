"""Synthetic degradation pipelines that turn HR microscopy images into LR training inputs.

Two independent pipelines, one subpackage each: :mod:`.realesrgan` (Real-ESRGAN's generic second-order
degradation) and :mod:`.physics` (this library's calibrated acquisition model); :mod:`.inputs` holds the
checks both share. Everything public is re-exported here.
"""

from typing import Any

from microsr_bench.degradations._deprecated import renamed
from microsr_bench.degradations.bicubic import BicubicDegradation
from microsr_bench.degradations.physics import (
    LRCalibration,
    PhysicsDegradation,
    PhysicsParams,
    calibrate,
    calibrate_from_benchmark,
    calibrate_from_realism,
    physics_degrade_pair,
)
from microsr_bench.degradations.realesrgan import (
    DegradationParams,
    SecondOrderConfig,
    SecondOrderDegradation,
    StageParams,
    realesrgan_degrade_pair,
)

__all__ = [
    "BicubicDegradation",
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
    "physics_degrade_pair",
    "realesrgan_degrade_pair",
]


def __getattr__(name: str) -> Any:
    # Here degrade_pair was the Real-ESRGAN helper; importable under the old name for one more release.
    if name == "degrade_pair":
        return renamed(__name__, name, "realesrgan_degrade_pair", realesrgan_degrade_pair)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
