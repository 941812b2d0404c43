"""Field-level few-shot sets end to end: ``paired(dataset, fields=f)`` hands ``fit`` whole fields of view only.

Expected counts come from the tiny simulated profile (microsr_bench/data/profiles.py): 4 training fields of 4
frames each, 2 validation fields.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from microsr_bench.cli import main
from microsr_bench.data import load_benchmark
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.protocols import paired
from microsr_bench.protocols.protocols import make_protocol, protocol_id
from microsr_bench.scoring.lineage import pairs_level
from microsr_bench.scoring.record import validate_record

TINY_TRAIN_FIELDS, TINY_FRAMES = 4, 4


def _fields_of(ids: list[str]) -> dict[str, set[str]]:
    by_field: dict[str, set[str]] = {}
    for row_id in ids:
        by_field.setdefault(row_id.rsplit("/", 1)[0], set()).add(row_id)
    return by_field


def test_a_model_scored_as_2_fields_saw_only_those_fields_frames(recorder: Any, run: Any, cache: Any) -> None:
    record = run(recorder, paired("MITO", fields=2)).records[0]
    (call,) = recorder.fit_calls
    seen = _fields_of(call["train_ids"])
    full_train = load_benchmark("MITO", source="simulated", size="tiny", cache_dir=cache, progress=False)["train"]
    every = _fields_of(list(full_train["id"]))
    assert len(every) == TINY_TRAIN_FIELDS
    # Exactly 2 training fields, each with all of its frames (whole fields, not a sample of pairs).
    assert len(seen) == 2 and all(seen[f] == every[f] and len(seen[f]) == TINY_FRAMES for f in seen)
    assert record["fields"] == 2 and record["shots"] is None and record["train_pairs"] == 2 * TINY_FRAMES
    assert record["protocol"]["parameters"]["id"] == "paired(fields=2)"
    (stage,) = record["lineage"]
    assert (stage["fields"], stage["shots"], stage["pairs"], stage["hr_images"]) == (2, None, 8, 2)
    assert pairs_level(record["lineage"], "MITO") == "fields=2"
    validate_record(record)  # the schema knows the top-level fields


def test_field_sets_are_nested_and_validation_is_untouched(recorder: Any, run: Any) -> None:
    run(recorder, paired("NUC", fields=2))
    run(recorder, paired("NUC", fields=4))
    two, four = (set(call["train_ids"]) for call in recorder.fit_calls)
    assert two < four and len(_fields_of(sorted(four))) == TINY_TRAIN_FIELDS
    assert recorder.fit_calls[0]["validation_ids"] == recorder.fit_calls[1]["validation_ids"]


def test_fields_and_shots_are_exclusive() -> None:
    with pytest.raises(InvalidArgumentError, match="not both"):
        paired("MITO", 200, fields=4)
    with pytest.raises(InvalidArgumentError, match="belong to the paired protocol"):
        make_protocol("zero-shot", "NUC", fields=4)
    with pytest.raises(InvalidArgumentError, match="fields must be one of"):
        paired("MITO", fields=3)


def test_protocol_id_is_rebuilt_from_parameters() -> None:
    protocol = paired("MEM", fields="8")
    assert protocol.id == "paired(fields=8)" and protocol.parameters == {"shots": None, "fields": 8}
    assert protocol_id("paired", {"shots": None, "fields": 8}) == protocol.id
    assert paired("MEM", 400).parameters == {"shots": 400}  # pair-level runs keep their old parameters (cache keys)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--shots", "200", "--fields", "4"], "give one of them"),
        (["--protocol", "zero-shot", "--fields", "4"], "--fields belongs to --protocol paired, not zero-shot"),
    ],
)
def test_evaluate_refuses_fields_with_shots_or_another_protocol(extra: list[str], message: str, tmp_path: Any) -> None:
    args = ["evaluate", "--method", "bicubic", "--dataset", "NUC", "--source", "simulated", *extra]
    done = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "r")])
    assert done.exit_code == 2 and message in done.output and "Traceback" not in done.output, done.output
    assert not (tmp_path / "r").exists()


def test_evaluate_fields_writes_the_record(tmp_path: Any, cache: Any) -> None:
    args = ["evaluate", "--method", "bicubic", "--dataset", "MITO", "--fields", "2", "--source", "simulated"]
    args += ["--size", "tiny", "--cache-dir", str(cache), "--out", str(tmp_path / "r"), "--quiet", "--json"]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    (result,) = (tmp_path / "r").rglob("result.json")
    assert "paired-fields2" in result.parts and "MITO-fields2" in result.parts
