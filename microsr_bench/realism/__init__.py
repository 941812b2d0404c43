"""The realism report: what a microscopist measures on video-rate LR bursts and their HR images, on any source.

``realism_report("MITO", source=...)`` measures every field of a split (photon transfer, noise floor, line
shift along the line, drift, HR-to-LR registration, noise autocorrelation, spectra, bleaching) and
``write_report`` writes ``realism.json`` and a figure. The same report on real and on simulated data, side by
side, is how the simulator and the physics degradation are calibrated (``docs/realism.md``).
"""

from microsr_bench.realism.field import measure_field
from microsr_bench.realism.report import (
    REALISM_FORMAT,
    REQUIRED_FIELD_KEYS,
    build_report,
    load_report,
    realism_report,
    write_report,
)

__all__ = [
    "REALISM_FORMAT",
    "REQUIRED_FIELD_KEYS",
    "build_report",
    "load_report",
    "measure_field",
    "realism_report",
    "write_report",
]
