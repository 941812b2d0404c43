"""The physics degradation: an acquisition model of video-rate confocal imaging, calibrated on real LR stacks."""

from microsr_bench.degradations.physics.calibrate import calibrate, calibrate_from_benchmark
from microsr_bench.degradations.physics.calibration import CALIBRATION_FORMAT, LRCalibration
from microsr_bench.degradations.physics.model import PhysicsParams
from microsr_bench.degradations.physics.pipeline import PhysicsDegradation, degrade_pair
from microsr_bench.degradations.physics.realism import calibrate_from_realism

__all__ = [
    "CALIBRATION_FORMAT",
    "LRCalibration",
    "PhysicsDegradation",
    "PhysicsParams",
    "calibrate",
    "calibrate_from_benchmark",
    "calibrate_from_realism",
    "degrade_pair",
]
