"""The physics degradation: an acquisition model of video-rate confocal imaging, calibrated on real LR stacks."""

from typing import Any

from microsr_bench.degradations._deprecated import renamed
from microsr_bench.degradations.physics.calibrate import calibrate, calibrate_from_benchmark
from microsr_bench.degradations.physics.calibration import CALIBRATION_FORMAT, LRCalibration
from microsr_bench.degradations.physics.model import PhysicsParams
from microsr_bench.degradations.physics.pipeline import PhysicsDegradation, physics_degrade_pair
from microsr_bench.degradations.physics.realism import calibrate_from_realism

__all__ = [
    "CALIBRATION_FORMAT",
    "LRCalibration",
    "PhysicsDegradation",
    "PhysicsParams",
    "calibrate",
    "calibrate_from_benchmark",
    "calibrate_from_realism",
    "physics_degrade_pair",
]


def __getattr__(name: str) -> Any:
    # The old name, shared with the Real-ESRGAN pipeline's helper: importable for one more release.
    if name == "degrade_pair":
        return renamed(__name__, name, "physics_degrade_pair", physics_degrade_pair)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
