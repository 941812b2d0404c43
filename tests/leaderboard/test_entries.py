"""Entries from result records and result sets; metadata checks; file names. Expectations are by construction."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from leaderboard.entries import (
    SubmissionMetadata,
    Verification,
    board_of,
    entries_from_result_set,
    entry_filename,
    entry_from_record,
    entry_key,
    read_entry,
    shots_label,
)
from microsr_bench.errors import RecordError, SubmissionError
from microsr_bench.scoring.record import write_result


def test_entries_from_a_result_set_file_written_by_the_scorer(tmp_path, lb):
    records = [lb.make_record(dataset=name, shots=400) for name in ("MITO", "NUC")]
    path, _ = write_result(tmp_path / "result.json", records, None, [])
    entries = entries_from_result_set(path, lb.METADATA, submitted=date(2025, 2, 3))
    assert [e["record"]["dataset"]["name"] for e in entries] == ["MITO", "NUC"]
    first = entries[0]
    assert (first["board"], first["status"], first["verification"], first["submitted"]) == (
        "simulated",
        "self-reported",
        None,
        "2025-02-03",
    )
    # the record is embedded unchanged (apart from per_image_file, which write_result sets)
    assert first["record"]["metrics"] == records[0]["metrics"]
    # no runtime in the metadata: the record's measured 0.02 s/image is used
    assert first["submission"]["seconds_per_image"] == 0.02


def _digest(record):
    # the scored content (leaderboard.verifiers.SCORED_KEYS) as canonical JSON, hashed here independently
    keys = ("dataset", "protocol", "shots", "train_pairs", "n_images", "n_fields", "metrics", "no_reference")
    content = {k: record.get(k) for k in (*keys, "set_metrics", "aggregation")}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_entries_from_a_single_record_mapping_and_verified(lb):
    verified = Verification("maintainer", "code", "2025-03-04", note="re-ran the released code")
    (entry,) = entries_from_result_set(lb.make_record(), lb.METADATA | {"seconds_per_image": 1.5}, verified=verified)
    assert entry["status"] == "verified"
    assert entry["verification"] == {
        "by": "maintainer",
        "how": "code",
        "date": "2025-03-04",
        "note": "re-ran the released code",
        # the digest of the record's scored content, computed independently here with hashlib
        "scored_sha256": _digest(entry["record"]),
    }
    assert entry["submission"]["seconds_per_image"] == 1.5


def test_invalid_result_set_is_rejected(lb):
    bad = {"schema_version": "1.0", "record_type": "microsr-bench-result-set", "records": [], "macro_average": None}
    with pytest.raises(RecordError, match="records: \\[\\] should be non-empty"):
        entries_from_result_set(bad, lb.METADATA)
    record = lb.make_record()
    record["metrics"]["paper"]["ssim"]["mean"] = 2.0
    with pytest.raises(RecordError, match="outside"):
        entries_from_result_set(record, lb.METADATA)


def test_metadata_lists_unknown_missing_and_mistyped_keys(lb):
    data = dict(lb.METADATA, licence="MIT", extra_data="no")
    del data["hardware"]
    with pytest.raises(SubmissionError) as info:
        SubmissionMetadata.from_dict(data)
    problems = info.value.problems
    assert any("unknown key 'licence'" in p for p in problems)
    assert any("missing 'hardware'" in p for p in problems)
    assert any("'extra_data' has the wrong type or value (str: 'no')" in p for p in problems)


def test_board_of_follows_the_data_source(lb):
    assert board_of(lb.make_record(source="simulated")) == "simulated"
    assert board_of(lb.make_record(source="folder")) == "real"
    assert board_of(lb.make_record(source="hub")) == "real"
    with pytest.raises(SubmissionError, match=r"dataset\.source is 'cloud'"):
        board_of({"dataset": {"source": "cloud"}})


@pytest.mark.parametrize(
    ("protocol", "shots", "label"), [("paired", 200, "200"), ("paired", None, "full"), ("zero_shot", None, "none")]
)
def test_shots_label(protocol, shots, label):
    assert shots_label(protocol, shots) == label


def test_file_name_and_key(lb):
    entry = entry_from_record(lb.make_record(shots=800), lb.METADATA | {"method": "Net+X", "version": "v2.1-rc"})
    assert entry_filename(entry) == "Net+X--v2.1-rc--paired--MITO--800.json"
    assert entry_key(entry) == ("net+x", "v2.1-rc", "paired", "MITO", "800")
    # a protocol name with a path separator cannot escape the board folder
    entry["record"]["protocol"]["name"] = "../../x"
    assert "/" not in entry_filename(entry)


def test_read_entry_errors_name_the_file(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(
        SubmissionError, match=r"(?s)e.json: not a readable JSON object; fix the file.*expected a JSON object, got list"
    ):
        read_entry(path)


def test_package_names_stay_functions_after_every_submodule_is_imported():
    # A submodule named like an exported function would shadow it once imported (leaderboard/__init__.py).
    import importlib
    import inspect
    import pkgutil

    import leaderboard

    for info in pkgutil.iter_modules(leaderboard.__path__):
        importlib.import_module(f"leaderboard.{info.name}")
    for name in leaderboard.__all__:
        value = getattr(leaderboard, name)
        assert not inspect.ismodule(value), f"leaderboard.{name} is a module, not the exported {name!r}"
    from leaderboard import build, submit

    assert callable(build) and callable(submit)
