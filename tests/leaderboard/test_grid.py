"""Paper-shaped grids: which columns a table gets, in which order, and how its rows are ordered.

Expected orders are worked out by hand from the rules in leaderboard/grid.py's docstring.
"""

from __future__ import annotations

from dataclasses import replace

from leaderboard.grid import MAX_COLUMNS, column_title, grids
from leaderboard.tables import Row, Value


def _row(method: str, psnr: float, protocol: str = "paired", shots: str = "full", dataset: str = "MITO") -> Row:
    return Row(
        board="simulated",
        protocol=protocol,
        dataset=dataset,
        shots=shots,
        method=method,
        version="1",
        verified=False,
        extra_data=False,
        values={"paper/psnr": Value(psnr, psnr - 0.1, psnr + 0.1)},
        link=f"entries/simulated/{method}.json",
    )


def test_column_titles():
    assert column_title("paired", "200") == "200 shots"
    assert column_title("paired", "full") == "full split"
    assert column_title("burst(k=4)", "none") == "k=4"
    assert column_title("burst(k=4)", "200") == "k=4 · 200 shots"
    assert column_title("zero_shot(source=NUC,source_shots=200)", "none") == "source=NUC,source_shots=200"


def test_one_grid_per_protocol_and_dataset_with_shots_in_order():
    rows = [_row("A", 20.0, shots=s) for s in ("full", "800", "200", "400")] + [_row("A", 21.0, dataset="NUC")]
    (mito, nuc) = grids(rows)
    assert (mito.protocol, mito.dataset, nuc.dataset) == ("paired", "MITO", "NUC")  # Table I order
    assert [c.title for c in mito.columns] == ["200 shots", "400 shots", "800 shots", "full split"]
    assert mito.title == "paired · MITO"
    assert nuc.title == "paired · NUC · full training split"  # one column: the list table's heading


def test_settings_sort_as_numbers_and_protocols_as_listed():
    rows = [_row("F", 20.0, protocol=f"burst(k={k})", shots="none") for k in (16, 2, 1, 8, 4)]
    rows.append(_row("F", 19.0, protocol="zero_shot(source=NUC)", shots="none"))
    zero, burst = grids(rows)  # PROTOCOLS lists zero_shot before burst
    assert zero.protocol == "zero_shot" and burst.protocol == "burst"
    assert [c.title for c in burst.columns] == ["k=1", "k=2", "k=4", "k=8", "k=16"]  # not k=1, k=16, k=2


def test_rows_follow_the_largest_training_set_then_the_next():
    # full: B 25 > A 24; C has no full entry and goes after both; at 200 C leads, but full decides first
    rows = [_row("A", 24.0), _row("B", 25.0), _row("A", 20.0, shots="200"), _row("C", 22.0, shots="200")]
    (grid,) = grids(rows)
    assert grid.methods == (("B", "1"), ("A", "1"), ("C", "1"))
    # per-column ranks are rank_rows': C leads at 200; A's [19.9, 20.1] misses C's [21.9, 22.1], so no tie
    column = grid.columns[0]
    assert [(r.row.method, r.rank, r.tie) for r in column.ranked] == [("C", 1, False), ("A", 2, False)]
    assert column.cell(("B", "1")) is None


def test_equal_ranks_fall_back_to_the_next_column_then_the_name():
    rows = [_row("B", 24.0), _row("A", 24.0), _row("B", 21.0, shots="800"), _row("A", 20.0, shots="800")]
    (grid,) = grids(rows)
    # full: A and B share rank 1 (equal means); at 800 B ranks 1, A 2, so B first
    assert grid.methods == (("B", "1"), ("A", "1"))
    rows = [replace(r, shots="full") for r in rows[:2]]
    assert grids(rows)[0].methods == (("A", "1"), ("B", "1"))  # all equal: by name


def test_a_protocol_with_too_many_columns_is_split_per_protocol_id():
    rows = [_row("F", 20.0, protocol=f"burst(k={k})", shots=s) for k in (2, 4) for s in ("200", "400", "800", "full")]
    assert len(rows) > MAX_COLUMNS
    split = grids(rows)
    assert [g.protocol for g in split] == ["burst(k=2)", "burst(k=4)"]
    assert [c.title for c in split[0].columns] == [
        "k=2 · 200 shots",
        "k=2 · 400 shots",
        "k=2 · 800 shots",
        "k=2 · full split",
    ]
