"""evaluate writes the lineage: the method's declared stages, then the stage fit ran on, counted from its rows."""

from __future__ import annotations

from typing import Any

from microsr_bench.protocols import blind_synthetic, paired, zero_shot
from microsr_bench.scoring.lineage import initial_weights_entry, pairs_level, uses_extra_data

DIGEST = "cd" * 32


def test_the_protocol_stage_is_counted_from_what_fit_received(recorder: Any, run: Any) -> None:
    record = run(recorder, paired("NUC", 800)).records[0]
    (call,) = recorder.fit_calls
    (stage,) = record["lineage"]
    # The counts come from the rows fit received (the recorder lists them), not from the shots label.
    assert stage["pairs"] == len(call["train_ids"]) and stage["shots"] == 800
    assert stage["hr_images"] == len({i.rsplit("/", 1)[0] for i in call["train_ids"]})
    assert (stage["dataset"], stage["split"], stage["lr"], stage["by"], stage["seed"]) == (
        "NUC",
        "train",
        "real",
        "protocol",
        0,
    )
    assert pairs_level(record["lineage"], "NUC") == 800 and not uses_extra_data(record["lineage"])


def test_declared_stages_come_first_and_mark_extra_data(recorder: Any, run: Any) -> None:
    recorder.lineage = [initial_weights_entry("x2plus.pth", "release", DIGEST)]
    record = run(recorder, paired("MITO", 200)).records[0]
    assert [e["kind"] for e in record["lineage"]] == ["initial_weights", "training"]
    assert record["lineage"][0]["sha256"] == DIGEST and uses_extra_data(record["lineage"])


def test_methods_without_fit_have_only_their_declared_lineage(run: Any) -> None:
    assert run("bicubic", paired("MITO")).records[0]["lineage"] == []


def test_zero_shot_and_blind_synthetic_stages(recorder: Any, run: Any) -> None:
    record = run(recorder, zero_shot("MEM", source="MITO")).records[0]
    assert [(e["dataset"], e["lr"]) for e in record["lineage"]] == [("MITO", "real")]
    assert pairs_level(record["lineage"], "MEM") is None  # nothing of the scored dataset was learned
    synthetic = run(recorder, blind_synthetic("MITO", "realesrgan")).records[0]
    (stage,) = synthetic["lineage"]
    assert stage["lr"] == "synthetic:realesrgan" and stage["pairs"] == 0 and stage["hr_images"] > 0
    assert pairs_level(synthetic["lineage"], "MITO") is None


def test_rescoring_kept_predictions_keeps_the_lineage(recorder: Any, run: Any) -> None:
    first = run(recorder, paired("MEM", 400), keep_predictions=True).records[0]
    again = run(recorder, paired("MEM", 400), overwrite="scores").records[0]
    assert len(recorder.fit_calls) == 1  # the second run did not train
    assert again["lineage"] == first["lineage"] and again["lineage"]
