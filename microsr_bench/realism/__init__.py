"""The realism report: what a microscopist measures on video-rate LR bursts and their HR images, on any source.

``realism_report("MITO", source=...)`` measures every field of a split (photon transfer, noise floor, line
shift along the line, drift, HR-to-LR registration, noise autocorrelation, spectra, bleaching) and
``write_report`` writes ``realism.json`` and a figure. The same report on real and on simulated data, side by
side, is how the simulator and the physics degradation are calibrated (``docs/realism.md``).

Names load lazily (PEP 562), as in the top-level package: the physics degradation reads reports through this
package, and must not load the data sources (and through them the simulator) that ``realism_report`` needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microsr_bench.realism.field import measure_field
    from microsr_bench.realism.report import (
        REALISM_FORMAT,
        REQUIRED_FIELD_KEYS,
        build_report,
        load_report,
        validate_report,
        write_report,
    )
    from microsr_bench.realism.source import realism_report

_SOURCES = {
    "REALISM_FORMAT": "microsr_bench.realism.report",
    "REQUIRED_FIELD_KEYS": "microsr_bench.realism.report",
    "build_report": "microsr_bench.realism.report",
    "load_report": "microsr_bench.realism.report",
    "measure_field": "microsr_bench.realism.field",
    "realism_report": "microsr_bench.realism.source",
    "validate_report": "microsr_bench.realism.report",
    "write_report": "microsr_bench.realism.report",
}

__all__ = [
    "REALISM_FORMAT",
    "REQUIRED_FIELD_KEYS",
    "build_report",
    "load_report",
    "measure_field",
    "realism_report",
    "validate_report",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name in _SOURCES:
        return getattr(importlib.import_module(_SOURCES[name]), name)
    raise AttributeError(f"module 'microsr_bench.realism' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
