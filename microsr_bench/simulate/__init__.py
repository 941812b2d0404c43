"""Physics simulator of video-rate confocal acquisition: the embedded default data (simulator 2.0).

See ``docs/simulator.md`` for the model, its parameters and the determinism rules.
"""

from microsr_bench.simulate._numerics import stream as random_stream
from microsr_bench.simulate.acquisition import StackGeometry, draw_stack_geometry
from microsr_bench.simulate.from_hr import acquire_lr_from_hr
from microsr_bench.simulate.live_params import (
    AnalogParams,
    CalibrationParams,
    LiveOpticsParams,
    LiveParams,
    MotionParams,
    PmtParams,
    TimingParams,
    VarietyParams,
)
from microsr_bench.simulate.params import (
    BackgroundParams,
    DetectorParams,
    MembraneParams,
    MitochondriaParams,
    NucleiParams,
    OpticsParams,
    ScanParams,
    SignalParams,
    SimulationParams,
    StackParams,
    TissueParams,
    default_params,
)
from microsr_bench.simulate.simulator import (
    SIMULATOR_VERSION,
    SimulatedField,
    simulate_field,
    simulate_hr,
    simulate_lr_frame,
)

__all__ = [
    "SIMULATOR_VERSION",
    "AnalogParams",
    "BackgroundParams",
    "CalibrationParams",
    "DetectorParams",
    "LiveOpticsParams",
    "LiveParams",
    "MembraneParams",
    "MitochondriaParams",
    "MotionParams",
    "NucleiParams",
    "OpticsParams",
    "PmtParams",
    "ScanParams",
    "SignalParams",
    "SimulatedField",
    "SimulationParams",
    "StackGeometry",
    "StackParams",
    "TimingParams",
    "TissueParams",
    "VarietyParams",
    "acquire_lr_from_hr",
    "default_params",
    "draw_stack_geometry",
    "random_stream",
    "simulate_field",
    "simulate_hr",
    "simulate_lr_frame",
]
