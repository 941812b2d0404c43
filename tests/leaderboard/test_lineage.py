"""The board reads lineage (schema 1.2): few-shot tables and the † mark follow what reached the weights."""

from __future__ import annotations

from typing import Any

from leaderboard.checks import lineage_problems
from leaderboard.entries import table_key
from leaderboard.tables import row_from_entry
from microsr_bench.scoring.lineage import initial_weights_entry


def _stage(dataset: str, pairs: int, shots: int | None, by: str = "protocol", split: str = "train") -> dict[str, Any]:
    return {
        "kind": "training",
        "dataset": dataset,
        "split": split,
        "source": "simulated",
        "shots": shots,
        "fields": None,
        "pairs": pairs,
        "hr_images": 36 if shots is None else 30,
        "lr": "real",
        "iterations": 10,
        "seed": 0,
        "by": by,
    }


SCRATCH = initial_weights_entry("scratch", "random", None)


def test_a_leaky_few_shot_record_is_ranked_with_full_split_models(lb: Any) -> None:
    # Labelled 200 shots, but a base stage learned all 3600 MITO pairs: the table is the full split's.
    leaky = [SCRATCH, _stage("MITO", 3600, None, "method"), _stage("MITO", 200, 200)]
    entry = lb.make_entry(lb.make_record(shots=200, lineage=leaky))
    assert table_key(entry)[2] == "full"
    honest = lb.make_entry(lb.make_record(shots=200, lineage=[SCRATCH, _stage("MITO", 200, 200)]))
    assert table_key(honest)[2] == "200"
    assert table_key(lb.make_entry(lb.make_record(shots=200)))[2] == "200"  # no lineage: the record's shots


def test_the_extra_data_mark_is_computed_from_the_lineage(lb: Any) -> None:
    base = [SCRATCH, _stage("MITO", 3600, None, "method"), _stage("NUC", 200, 200)]
    # The submitter said "no extra data"; the lineage shows MITO's pairs reached a NUC model: marked anyway.
    entry = lb.make_entry(lb.make_record(dataset="NUC", shots=200, lineage=base), extra_data=False)
    assert row_from_entry(entry, "x.json").extra_data
    clean = lb.make_entry(lb.make_record(dataset="NUC", shots=200, lineage=[SCRATCH, _stage("NUC", 200, 200)]))
    assert not row_from_entry(clean, "x.json").extra_data
    weights = [initial_weights_entry("x2plus.pth", "release", "ab" * 32), _stage("NUC", 200, 200)]
    assert row_from_entry(lb.make_entry(lb.make_record(dataset="NUC", shots=200, lineage=weights)), "x.json").extra_data


def test_lineage_problems_name_test_leaks_and_protocol_mismatches(lb: Any) -> None:
    test_leak = lb.make_record(lineage=[_stage("MITO", 300, None, split="test")])
    (problem,) = lineage_problems(test_leak, "e.json")
    assert "record/lineage/0" in problem and "test split, the split scored" in problem
    zero = lb.make_record(
        dataset="NUC", protocol="zero_shot", parameters={"source": "MITO"}, lineage=[_stage("NUC", 200, 200)]
    )
    (problem,) = lineage_problems(zero, "e.json")
    assert "zero_shot must not learn from NUC's real training pairs" in problem and "paired protocol" in problem
    assert lineage_problems(lb.make_record(lineage=[SCRATCH, _stage("MITO", 3600, None)]), "e.json") == []


def test_seed_repeats_show_mean_and_sd_over_seeds(lb: Any) -> None:
    from leaderboard.readme import render_readme

    record = lb.make_record(psnr=28.0)
    # Values chosen by hand: mean 28.0, sample sd of (27, 28, 29) = 1.0.
    spread = {"mean": 28.0, "sd": 1.0, "values": [27.0, 28.0, 29.0]}
    record["seed_spread"] = {"seeds": [0, 1, 2], "metrics": {"paper": {"psnr": spread}}}
    row = row_from_entry(lb.make_entry(record), "x.json")
    value = row.values["paper/psnr"]
    assert row.seeds == 3 and (value.mean, value.low, value.high) == (28.0, 27.0, 29.0)
    text = render_readme([row])
    assert "DemoNet (1.0) \\[3 seeds\\]" in text and "28.00 ± 1.00" in text
    # In a methods x sizes grid the method cell carries no per-value marks: the value itself says "[3 seeds]",
    # so a reader never takes the sd over seeds for a narrow interval.
    other = row_from_entry(lb.make_entry(lb.make_record(psnr=27.0, shots=200, method="other")), "y.json")
    grid = render_readme([row, other])
    assert "| 200 shots | full split |" in grid and "28.00 ± 1.00 [3 seeds]" in grid
