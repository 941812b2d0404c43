"""Building the leaderboard: validate every entry, then render ``README.md`` and ``site/index.html`` from them.

The outputs depend only on the entries (no time stamp), so a rebuild of unchanged entries changes no byte
and ``check=True`` can tell whether the committed outputs are stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leaderboard.canonical import canonical_fingerprint
from leaderboard.entries import default_root, load_entries, write_text
from leaderboard.page import render_page
from leaderboard.readme import EMPTY_TEXT, UNPUBLISHED_TEXT, render_readme
from leaderboard.tables import Row, row_from_entry
from leaderboard.validate import ValidationReport, validate_entries
from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.errors import SubmissionError

__all__ = ["BuildResult", "build", "load_rows"]

README = "README.md"
PAGE = "site/index.html"


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote (or, with ``check``, found stale) and how many entries each board has."""

    root: Path
    written: tuple[Path, ...]
    stale: tuple[Path, ...]
    report: ValidationReport


def load_rows(root: Path) -> tuple[list[Row], ValidationReport]:
    """Validate the entries under ``root`` (raising on any problem) and flatten them into table rows."""
    report = validate_entries(root)
    report.raise_for_problems()
    rows = []
    for item in load_entries(root):
        if item.data is not None:  # always true here: validation rejected unreadable files
            rows.append(row_from_entry(item.data, item.path.relative_to(root).as_posix()))
    return rows, report


def build(root: Path | None = None, *, check: bool = False) -> BuildResult:
    """Render the README tables and the page of the leaderboard in ``root`` (default: this checkout's).

    With ``check`` nothing is written: a SubmissionError lists the outputs that differ from a fresh build.
    """
    root = Path(root) if root is not None else default_root()
    rows, report = load_rows(root)
    counts = ", ".join(f"{n} {board}" for board, n in report.counts.items())
    footer = f"Built by microsr-bench leaderboard build from {len(rows)} entries ({counts})."
    empty = dict(EMPTY_TEXT)
    if not any(canonical_fingerprint("real", name, root=root) for name in DATASET_NAMES):
        empty["real"] = UNPUBLISHED_TEXT
    outputs = {
        root / README: render_readme(rows, empty_text=empty),
        root / PAGE: render_page(rows, footer=footer, empty_text=empty),
    }
    stale = tuple(p for p, text in outputs.items() if not p.is_file() or p.read_text(encoding="utf-8") != text)
    if check:
        if stale:
            raise SubmissionError(
                f"{root}: the built leaderboard is out of date; run `microsr-bench leaderboard build` and commit",
                [str(p) for p in stale],
            )
        return BuildResult(root, (), (), report)
    for path in stale:
        write_text(path, outputs[path])
    return BuildResult(root, stale, (), report)
