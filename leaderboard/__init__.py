"""Leaderboard: result entries, their schema, validation, and the builder of tables and the page.

The names load lazily, so that importing ``leaderboard.cli`` (the command group the ``microsr-bench`` command
plugs in) stays cheap: the builder pulls in the metrics and torch. No module is named like a function it
exports (``builder`` holds ``build``, ``submission`` holds ``submit``): importing a submodule sets it as an
attribute of the package, which would then shadow the lazily loaded function of the same name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leaderboard.builder import BuildResult, build
    from leaderboard.entries import (
        SubmissionMetadata,
        Verification,
        board_of,
        default_root,
        entries_from_result_set,
        entry_from_record,
        load_entries,
    )
    from leaderboard.submission import SubmitResult, submit
    from leaderboard.validate import RULES, ValidationReport, validate_entries

_SOURCES = {
    "BuildResult": "builder",
    "build": "builder",
    "SubmissionMetadata": "entries",
    "Verification": "entries",
    "board_of": "entries",
    "default_root": "entries",
    "entries_from_result_set": "entries",
    "entry_from_record": "entries",
    "load_entries": "entries",
    "SubmitResult": "submission",
    "submit": "submission",
    "RULES": "validate",
    "ValidationReport": "validate",
    "validate_entries": "validate",
}

__all__ = [
    "RULES",
    "BuildResult",
    "SubmissionMetadata",
    "SubmitResult",
    "ValidationReport",
    "Verification",
    "board_of",
    "build",
    "default_root",
    "entries_from_result_set",
    "entry_from_record",
    "load_entries",
    "submit",
    "validate_entries",
]


def __getattr__(name: str) -> Any:
    if name in _SOURCES:
        return getattr(importlib.import_module(f"leaderboard.{_SOURCES[name]}"), name)
    raise AttributeError(f"module 'leaderboard' has no attribute {name!r}")
