"""Ranking, ties and formatting of the tables; expected orders follow from the fixture numbers by hand."""

from __future__ import annotations

import pytest

from leaderboard.tables import (
    Row,
    Value,
    format_value,
    metric_columns,
    metric_label,
    rank_rows,
    row_from_entry,
    table_order,
)


def _row(name: str, **values: tuple[float | None, float | None, float | None]) -> Row:
    return Row(
        board="simulated",
        protocol="paired",
        dataset="MITO",
        shots="full",
        method=name,
        version="1",
        verified=False,
        extra_data=False,
        values={k.replace("__", "/"): Value(*v) for k, v in values.items()},
        link=f"entries/simulated/{name}.json",
    )


def test_higher_is_better_sorts_descending_and_marks_overlapping_ties():
    rows = [
        _row("low", paper__psnr=(25.0, 24.9, 25.1)),
        _row("top", paper__psnr=(28.0, 27.5, 28.5)),
        _row("close", paper__psnr=(27.8, 27.4, 28.2)),  # [27.4, 28.2] overlaps [27.5, 28.5]: tie
        _row("touch", paper__psnr=(27.0, 26.5, 27.5)),  # shares the single point 27.5: still a tie (closed)
    ]
    ranked = rank_rows(rows)
    assert [(r.row.method, r.rank, r.tie) for r in ranked] == [
        ("top", 1, False),
        ("close", 2, True),
        ("touch", 3, True),
        ("low", 4, False),
    ]


def test_lower_is_better_sorts_ascending():
    # NRMSE: higher_is_better is False in the metric registry, so the smallest error ranks first
    rows = [_row("a", normalized__nrmse=(0.09, None, None)), _row("b", normalized__nrmse=(0.03, None, None))]
    assert [r.row.method for r in rank_rows(rows, "normalized/nrmse")] == ["b", "a"]


def test_missing_values_sort_last_and_never_tie():
    rows = [_row("none", paper__psnr=(None, None, None)), _row("one", paper__psnr=(20.0, 19.0, 21.0))]
    ranked = rank_rows(rows)
    assert [(r.row.method, r.tie) for r in ranked] == [("one", False), ("none", False)]


def test_equal_means_share_a_rank_and_ssim_breaks_the_order():
    rows = [
        _row("b", paper__psnr=(28.0, None, None), paper__ssim=(0.80, None, None)),
        _row("a", paper__psnr=(28.0, None, None), paper__ssim=(0.85, None, None)),
        _row("c", paper__psnr=(27.0, None, None), paper__ssim=(0.90, None, None)),
    ]
    # standard competition ranking: 1, 1, 3; within equal PSNR the higher SSIM comes first
    assert [(r.row.method, r.rank) for r in rank_rows(rows)] == [("a", 1), ("b", 1), ("c", 3)]


def test_intervals_without_bounds_do_not_overlap():
    assert not Value(1.0).overlaps(Value(1.0, 0.0, 2.0))
    assert Value(1.0, 0.5, 1.5).overlaps(Value(2.0, 1.5, 2.5))
    assert not Value(1.0, 0.5, 1.4).overlaps(Value(2.0, 1.5, 2.5))


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Value(29.214, 29.1, 29.3), 2, "29.21 ± 0.10"),  # half-width (29.3 - 29.1) / 2 = 0.1
        (Value(0.8765, None, None), 4, "0.8765"),
        (Value(None), 2, "–"),
        (None, 2, "–"),
        (Value(float("inf")), 2, "∞"),
    ],
)
def test_format_value(value, places, text):
    assert format_value(value, places) == text


def test_labels_follow_the_metric_registry():
    assert metric_label("paper/psnr") == "PSNR↑ paper (dB)"
    assert metric_label("normalized/nrmse") == "NRMSE↓ normalized"
    assert metric_label("no_reference/niqe") == "NIQE↓"


def test_row_from_entry_flattens_every_metric(lb):
    row = row_from_entry(lb.make_entry(lb.make_record(parameters={"source": "MITO"})), "entries/x.json")
    # the fixture record has paper psnr/ssim, float psnr/ssim, normalized nrmse, NIQE and FID
    assert metric_columns([row]) == [
        "paper/psnr",
        "paper/ssim",
        "float/psnr",
        "float/ssim",
        "normalized/nrmse",
        "no_reference/niqe",
        "set/fid",
    ]
    assert row.values["paper/psnr"] == Value(28.0, 27.9, 28.1)
    assert row.values["set/fid"] == Value(80.0)
    assert (row.shots, row.setting, row.seconds_per_image) == ("full", "source=MITO", 0.02)


def test_table_order_is_protocol_then_dataset_then_shots():
    keys = [
        ("zero_shot", "MITO", "none"),
        ("paired", "NUC", "200"),
        ("paired", "MITO", "full"),
        ("paired", "MITO", "200"),
    ]
    assert table_order(keys) == [
        ("paired", "MITO", "200"),
        ("paired", "MITO", "full"),
        ("paired", "NUC", "200"),
        ("zero_shot", "MITO", "none"),
    ]


def test_schema_1_0_records_show_their_t_interval_not_the_bootstrap(lb):
    # Rule of microsr_bench.scoring.summaries: a 1.0 record's ci95 is the percentile bootstrap (undercovers at
    # 3 fields), so the board shows its ci95_t; a 1.0 summary without ci95_t has no interval at all.
    entry = lb.make_entry()
    record = entry["record"]
    record["schema_version"] = "1.0"
    psnr = record["metrics"]["paper"]["psnr"]
    psnr["ci95_t"] = [psnr["mean"] - 1.0, psnr["mean"] + 1.0]
    row = row_from_entry(entry, "x.json")
    assert row.values["paper/psnr"] == Value(psnr["mean"], psnr["mean"] - 1.0, psnr["mean"] + 1.0)
    assert not row.values["paper/ssim"].has_interval


def _paired_row(name: str, mean: float, half: float, fields: dict[str, float]) -> Row:
    row = _row(name, paper__psnr=(mean, mean - half, mean + half))
    return Row(**{**row.__dict__, "field_means": {"paper/psnr": fields}})


def test_ties_come_from_the_paired_test_where_field_means_exist():
    six = [f"f{i}" for i in range(6)]
    leader = _paired_row("top", 28.5, 2.0, {f: 28.0 + i for i, f in enumerate(six)})
    # 0.2 dB below the leader on every one of 6 fields: intervals overlap widely, but every difference has
    # the same sign, so the exact sign-flip p is 2 / 2^6 = 0.03125 < 0.05: not a tie.
    steady = _paired_row("steady", 28.3, 2.0, {f: 27.8 + i for i, f in enumerate(six)})
    # Mixed signs (-1, +1, -1, +1, -1, +1 around the leader): sum 0, p = 1: a tie.
    mixed = _paired_row("mixed", 28.4, 2.0, {f: 28.0 + i + (-1) ** (i + 1) for i, f in enumerate(six)})
    ties = {r.row.method: r.tie for r in rank_rows([steady, leader, mixed])}
    assert ties == {"top": False, "mixed": True, "steady": False}


def test_without_shared_fields_ties_fall_back_to_interval_overlap():
    leader = _paired_row("top", 28.0, 0.5, {"a": 28.0, "b": 28.0})
    other = _paired_row("other", 27.8, 0.5, {"c": 27.8, "d": 27.8})  # different fields: not pairable
    assert [r.tie for r in rank_rows([leader, other])] == [False, True]
