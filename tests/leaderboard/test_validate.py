"""Every leaderboard rule: a valid board passes, and each rule rejects its own broken example.

Expected outcomes follow from the rules in leaderboard/validate.py (RULES) and docs/leaderboard.md; the
fixture records pass the scorer's own validate_record, so a rejection is due to the one change each test makes.
"""

from __future__ import annotations

import json

import pytest

from leaderboard.canonical import real_fingerprints
from leaderboard.validate import RULES, validate_entries
from microsr_bench.errors import SubmissionError


def _problems(root):
    return validate_entries(root).problems


def test_fixture_board_is_valid(root, lb):
    for entry in lb.fixture_set():
        lb.write_entry(root, entry)
    report = validate_entries(root)
    assert report.ok, report.problems
    # 3 methods x (2 datasets x 4 shots + 1 zero-shot) = 27 entries, all simulated (by construction)
    assert report.counts == {"simulated": 27, "real": 0}
    report.raise_for_problems()  # no problem: no error


def test_every_rule_is_documented():
    doc = (__import__("pathlib").Path(__file__).parents[2] / "docs" / "leaderboard.md").read_text()
    for rule in RULES:
        assert f"`{rule}`" in doc, f"rule {rule} is not described in docs/leaderboard.md"


def test_a_folder_without_entries_is_not_a_leaderboard(tmp_path):
    with pytest.raises(SubmissionError, match=r"is not a leaderboard folder: expected .*entries with simulated/"):
        validate_entries(tmp_path)


def test_schema_rejects_missing_metadata(root, lb):
    entry = lb.make_entry()
    del entry["submission"]["license"]
    lb.write_entry(root, entry)
    (problem,) = _problems(root)
    assert "[schema]" in problem and "'license' is a required property" in problem


def test_schema_rejects_bad_record_inside_entry(root, lb):
    entry = lb.make_entry()
    entry["record"]["dataset"]["name"] = "BONE"
    lb.write_entry(root, entry, name="x.json")
    problems = _problems(root)
    assert any("[schema] record/dataset/name" in p for p in problems)


def test_schema_requires_verification_for_verified(root, lb):
    entry = lb.make_entry()
    entry["status"] = "verified"
    lb.write_entry(root, entry)
    assert any("[schema]" in p and "verification" in p for p in _problems(root))


def test_schema_rejects_verification_on_self_reported(root, lb):
    entry = lb.make_entry()
    entry["verification"] = {"by": "me", "how": "code", "date": "2025-01-01", "note": None}
    lb.write_entry(root, entry)
    assert any("[schema] verification" in p for p in _problems(root))


def test_unreadable_json_is_reported(root, lb):
    (root / "entries" / "simulated" / "broken.json").write_text("{not json")
    (problem,) = _problems(root)
    assert "broken.json: [schema]" in problem and "JSONDecodeError" in problem


def test_board_rejects_simulated_record_on_real_board(root, lb):
    entry = lb.make_entry()
    entry["board"] = "real"
    lb.write_entry(root, entry)
    problems = _problems(root)
    assert any("[board]" in p and "'simulated' data, which belongs on the 'simulated' board" in p for p in problems)


def test_board_rejects_files_no_board_reads(root, lb):
    lb.write_entry(root, lb.make_entry(), folder="simulated/MITO")
    (root / "entries" / "real" / "notes.txt").write_text("x")
    problems = _problems(root)
    assert len(problems) == 2 and all("[board] not read by any board" in p for p in problems)


def test_board_rejects_entry_in_the_other_folder(root, lb):
    lb.write_entry(root, lb.make_entry(), folder="real")
    (problem,) = _problems(root)
    assert "[board]" in problem and "sits in entries/real/" in problem


@pytest.mark.parametrize(
    ("override", "shown"),
    [
        ({"size": "small"}, "size 'small'"),
        ({"canonical": False}, "canonical False"),
        ({"split": "validation"}, "split 'validation'"),
    ],
)
def test_canonical_rejects_reduced_or_noncanonical_data(root, lb, override, shown):
    lb.write_entry(root, lb.make_entry(lb.make_record(**override)))
    (problem,) = _problems(root)
    assert "[canonical]" in problem and shown in problem


def test_fingerprint_mismatch_is_rejected(root, lb):
    record = lb.make_record(fingerprint=lb.fake_fingerprint("someone else's test split"))
    lb.write_entry(root, lb.make_entry(record))
    (problem,) = _problems(root)
    assert "[fingerprint]" in problem and f"not the canonical {lb.SIMULATED['MITO']}" in problem


def test_fingerprint_unknown_rejects_real_entries_until_published(root, lb):
    # canonical_real.json is absent/empty: no real fingerprint is known, so the real board accepts nothing
    lb.write_entry(root, lb.make_entry(lb.make_record(source="folder")))
    (problem,) = _problems(root)
    assert "[fingerprint] no canonical real test fingerprint is known for MITO" in problem


def test_real_entry_accepted_once_its_fingerprint_is_registered(root, lb):
    (root / "canonical_real.json").write_text(json.dumps({"fingerprints": {"MITO": lb.REAL["MITO"]}}))
    lb.write_entry(root, lb.make_entry(lb.make_record(source="hub")))
    report = validate_entries(root)
    assert report.ok, report.problems
    assert report.counts == {"simulated": 0, "real": 1}


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("[]", "expected {'fingerprints'"),
        (json.dumps({"fingerprints": {"BONE": "sha256:" + "0" * 64}}), "'BONE'"),
        (json.dumps({"fingerprints": {"MITO": "md5:abc"}}), "'md5:abc'"),
    ],
)
def test_malformed_canonical_real_file_is_an_error(tmp_path, content, match):
    (tmp_path / "canonical_real.json").write_text(content)
    with pytest.raises(SubmissionError, match=match):
        real_fingerprints(tmp_path)


def test_shipped_canonical_real_file_is_empty_and_valid():
    # Until the real data is published the shipped registry must stay empty (docs/leaderboard.md).
    from leaderboard.entries import default_root

    assert real_fingerprints(default_root()) == {}


def test_protocol_must_be_known(root, lb):
    lb.write_entry(root, lb.make_entry(lb.make_record(protocol="zero-shot")))
    (problem,) = _problems(root)
    assert "[protocol] unknown protocol 'zero-shot'" in problem and "Did you mean 'zero_shot'?" in problem


def test_unspecified_protocol_is_rejected_with_the_fix(root, lb):
    lb.write_entry(root, lb.make_entry(lb.make_record(protocol="unspecified")))
    (problem,) = _problems(root)
    assert "does not say which protocol produced it" in problem and "score --protocol NAME" in problem


def test_burst_sizes_are_separate_tables_not_duplicates(root, lb):
    # Two k of the burst protocol are two settings: one entry each, no duplicate, two tables.
    from leaderboard.entries import table_key

    entries = []
    for k in (2, 4):
        record = lb.make_record(protocol="burst", parameters={"k": k, "shots": None})
        entries.append(lb.make_entry(record))
        lb.write_entry(root, entries[-1])
    assert not _problems(root)
    assert [table_key(e)[0] for e in entries] == ["burst(k=2)", "burst(k=4)"]


def test_metrics_out_of_range_are_rejected(root, lb):
    entry = lb.make_entry()
    # SSIM lies in [-1, 1] (metric registry); 1.5 cannot be a mean SSIM
    entry["record"]["metrics"]["paper"]["ssim"].update(mean=1.5, ci95=[1.4, 1.6])
    lb.write_entry(root, entry)
    (problem,) = _problems(root)
    assert "[metrics]" in problem and "paper/ssim mean 1.5 outside [-1.0, 1.0]" in problem


def test_metrics_unknown_metric_is_rejected(root, lb):
    entry = lb.make_entry()
    entry["record"]["metrics"]["paper"]["lpips"] = dict(entry["record"]["metrics"]["paper"]["ssim"])
    lb.write_entry(root, entry)
    (problem,) = _problems(root)
    assert "[metrics]" in problem and "unknown metric 'lpips'" in problem


def test_metrics_primary_metric_required(root, lb):
    entry = lb.make_entry()
    del entry["record"]["metrics"]["paper"]["psnr"]
    lb.write_entry(root, entry)
    (problem,) = _problems(root)
    assert "[metrics] no mean for paper/psnr" in problem


@pytest.mark.parametrize("version", ["unknown", "0+unknown", "latest"])
def test_library_version_must_be_a_release(root, lb, version):
    record = lb.make_record()
    record["library_version"] = version
    lb.write_entry(root, lb.make_entry(record))
    (problem,) = _problems(root)
    assert f"[library_version] library_version {version!r}" in problem


def test_duplicate_key_is_rejected_case_insensitively(root, lb):
    lb.write_entry(root, lb.make_entry())
    # same method (other case), version, protocol, dataset and shots; different numbers and file name
    twin = lb.make_entry(lb.make_record(psnr=30.0), method="demonet")
    lb.write_entry(root, twin)
    (problem,) = _problems(root)
    assert "[duplicate]" in problem and "protocol paired, MITO, shots full" in problem


def test_same_method_other_version_is_not_a_duplicate(root, lb):
    lb.write_entry(root, lb.make_entry())
    lb.write_entry(root, lb.make_entry(version="2.0"))
    assert validate_entries(root).ok


def test_filename_must_match_the_key(root, lb):
    lb.write_entry(root, lb.make_entry(), name="my-result.json")
    (problem,) = _problems(root)
    assert "[filename] expected the file name 'DemoNet--1.0--paired--MITO--full.json'" in problem
