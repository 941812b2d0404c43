"""Physics simulator of video-rate confocal acquisition: the embedded default data and physics degradation.

See ``docs/simulator.md`` for the model, its parameters and the determinism rules.
"""

from microsr_bench.simulate.acquisition import StackGeometry, draw_stack_geometry
from microsr_bench.simulate.from_hr import acquire_lr_from_hr
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
    "BackgroundParams",
    "DetectorParams",
    "MembraneParams",
    "MitochondriaParams",
    "NucleiParams",
    "OpticsParams",
    "ScanParams",
    "SignalParams",
    "SimulatedField",
    "SimulationParams",
    "StackGeometry",
    "StackParams",
    "acquire_lr_from_hr",
    "default_params",
    "draw_stack_geometry",
    "simulate_field",
    "simulate_hr",
    "simulate_lr_frame",
]
