"""Leaderboard: result entries, their schema, validation, and the builder of tables and the page."""

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
