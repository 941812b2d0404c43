"""Paper-shaped tables: per board, protocol and sub-dataset, methods down and training-set sizes across.

A ranked table (:mod:`leaderboard.tables`) holds one protocol id, sub-dataset and shots level. The paper prints
those side by side: one table per sub-dataset with a column per training-set size (or per protocol setting,
e.g. ``burst`` k). A :class:`Grid` is that layout; each of its columns is exactly one ranked table, so ranks
and ties are the ones :func:`~leaderboard.tables.rank_rows` gives, never recomputed across columns.

Rules (also in docs/leaderboard.md):

- Columns of one grid share the board, the protocol *name* (the part of the id before ``(``) and the
  sub-dataset; they are ordered by the id's setting (numbers as numbers: k=2 before k=16), then shots
  200, 400, 800, full. A protocol name with more than :data:`MAX_COLUMNS` columns is split into one grid per
  protocol id, so no table grows wider than a screen.
- Rows (method and version) are ordered by their rank in the rightmost column (the largest training set),
  then in the next column to the left, and so on; a method missing from a column sorts after those present;
  then by name. Rank 1 in a column is its leader (bold), ≈ marks a tie with it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from leaderboard.entries import BOARDS, PROTOCOLS
from leaderboard.tables import RANKING_METRIC, SHOTS_ORDER, RankedRow, Row, rank_rows, shots_title
from microsr_bench.data.cards import DATASET_NAMES

__all__ = ["MAX_COLUMNS", "Column", "Grid", "column_title", "grids"]

#: Above this many columns a protocol's grid is split per protocol id (a wider table leaves the screen).
MAX_COLUMNS = 6
_SHORT_SHOTS = {"full": "full split", "none": ""}


def _family(protocol: str) -> str:
    return protocol.split("(")[0]


def _setting(protocol: str) -> str:
    """``k=4`` from ``burst(k=4)``; empty for an id without a setting (``paired``)."""
    inside = protocol.partition("(")[2]
    return inside[:-1] if inside.endswith(")") else inside


def column_title(protocol: str, shots: str) -> str:
    """A grid column's header: the protocol setting and the training-set size, whichever are present."""
    size = _SHORT_SHOTS.get(shots, f"{shots} shots")
    return " · ".join(part for part in (_setting(protocol), size) if part) or protocol


def _natural(text: str) -> tuple[tuple[int, float, str], ...]:
    """Sort key reading runs of digits as numbers, so ``k=2`` comes before ``k=16``."""
    return tuple((0, float(p), "") if p.isdigit() else (1, 0.0, p) for p in re.split(r"(\d+)", text) if p)


@dataclass(frozen=True)
class Column:
    """One ranked table shown as a grid column."""

    protocol: str
    shots: str
    ranked: tuple[RankedRow, ...]

    @property
    def title(self) -> str:
        return column_title(self.protocol, self.shots)

    def cell(self, method: tuple[str, str]) -> RankedRow | None:
        return next((r for r in self.ranked if (r.row.method, r.row.version) == method), None)


@dataclass(frozen=True)
class Grid:
    """Methods x columns of one board, protocol (name or, when split, id) and sub-dataset."""

    board: str
    protocol: str
    dataset: str
    columns: tuple[Column, ...]
    methods: tuple[tuple[str, str], ...]

    @property
    def title(self) -> str:
        if len(self.columns) == 1:
            column = self.columns[0]
            return f"{column.protocol} · {self.dataset} · {shots_title(column.protocol, column.shots)}"
        return f"{self.protocol} · {self.dataset}"


def _method_order(columns: Sequence[Column]) -> tuple[tuple[str, str], ...]:
    methods = {(r.row.method, r.row.version) for c in columns for r in c.ranked}

    def key(method: tuple[str, str]) -> tuple[tuple[float, ...], str, str]:
        ranks = []
        for column in reversed(columns):
            cell = column.cell(method)
            ranks.append(math.inf if cell is None else float(cell.rank))
        return tuple(ranks), method[0].casefold(), method[1]

    return tuple(sorted(methods, key=key))


def _column_key(column: tuple[str, str]) -> tuple[tuple[tuple[int, float, str], ...], int, str]:
    protocol, shots = column
    s = SHOTS_ORDER.index(shots) if shots in SHOTS_ORDER else len(SHOTS_ORDER)
    return _natural(_setting(protocol)), s, shots


def _grid(board: str, protocol: str, dataset: str, rows: Sequence[Row]) -> Grid:
    keys = sorted({(r.protocol, r.shots) for r in rows}, key=_column_key)
    columns = tuple(
        Column(p, s, tuple(rank_rows([r for r in rows if (r.protocol, r.shots) == (p, s)], RANKING_METRIC)))
        for p, s in keys
    )
    return Grid(board, protocol, dataset, columns, _method_order(columns))


def _grid_key(key: tuple[str, str]) -> tuple[int, str, int, str]:
    family, dataset = key
    p = PROTOCOLS.index(family) if family in PROTOCOLS else len(PROTOCOLS)
    d = DATASET_NAMES.index(dataset) if dataset in DATASET_NAMES else len(DATASET_NAMES)
    return p, family, d, dataset


def grids(rows: Sequence[Row]) -> list[Grid]:
    """Every grid of ``rows`` in reading order: boards, then protocols as listed, then Table I's datasets."""
    out: list[Grid] = []
    for board in BOARDS:
        mine = [r for r in rows if r.board == board]
        for family, dataset in sorted({(_family(r.protocol), r.dataset) for r in mine}, key=_grid_key):
            group = [r for r in mine if _family(r.protocol) == family and r.dataset == dataset]
            if len({(r.protocol, r.shots) for r in group}) <= MAX_COLUMNS:
                out.append(_grid(board, family, dataset, group))
                continue
            for protocol in sorted({r.protocol for r in group}, key=lambda p: _natural(_setting(p))):
                out.append(_grid(board, protocol, dataset, [r for r in group if r.protocol == protocol]))
    return out
