"""Leaderboard: result entries, their schema, validation, and the builder of tables and the page.

The names load lazily, so that importing ``leaderboard.cli`` (the command group the ``microsr-bench`` command
plugs in) stays cheap: the builder pulls in the metrics and torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leaderboard.build import BuildResult, build
    from leaderboard.entries import (
        SubmissionMetadata,
        Verification,
        board_of,
        default_root,
        entries_from_result_set,
        entry_from_record,
        load_entries,
    )
    from leaderboard.submit import SubmitResult, submit
    from leaderboard.validate import RULES, ValidationReport, validate_entries

_SOURCES = {
    "BuildResult": "build",
    "build": "build",
    "SubmissionMetadata": "entries",
    "Verification": "entries",
    "board_of": "entries",
    "default_root": "entries",
    "entries_from_result_set": "entries",
    "entry_from_record": "entries",
    "load_entries": "entries",
    "SubmitResult": "submit",
    "submit": "submit",
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
