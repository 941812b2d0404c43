"""Only the maintainers' tool grants ✔: listed verifiers, a digest of the verified numbers, a re-scoring that matches.

Expected outcomes follow from leaderboard/verifiers.py: the fixture root lists one verifier ("maintainer");
a re-scored record equal to the entry's record reproduces its numbers, one with another PSNR does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from leaderboard.cli import leaderboard
from leaderboard.entries import Verification, entry_from_record, read_entry
from leaderboard.validate import validate_entries
from leaderboard.verifiers import verifiers
from leaderboard.verify import verify_entries
from microsr_bench.errors import SubmissionError
from microsr_bench.scoring.record import write_result


def _result(tmp_path, records, name="rescored.json"):
    path, _ = write_result(tmp_path / name, records, None, [])
    return path


def test_verify_marks_an_entry_after_a_matching_rescoring(root, lb, tmp_path):
    record = lb.make_record(shots=800)
    path = lb.write_entry(root, lb.make_entry(record))
    rescored = _result(tmp_path, [json.loads(json.dumps(record))])
    out = CliRunner().invoke(
        leaderboard, ["verify", str(path), "--rescored", str(rescored), "--by", lb.VERIFIER, "--root", str(root)]
    )
    assert out.exit_code == 0, out.output
    entry = read_entry(path)
    assert entry["status"] == "verified" and entry["verification"]["by"] == lb.VERIFIER
    assert validate_entries(root).ok


def test_verify_refuses_a_rescoring_with_other_numbers(root, lb, tmp_path):
    path = lb.write_entry(root, lb.make_entry(lb.make_record(psnr=30.0)))
    rescored = _result(tmp_path, [lb.make_record(psnr=27.0)])  # the maintainers measured 3 dB less
    before = path.read_text()
    with pytest.raises(SubmissionError, match=r"did not reproduce the entry's numbers \(differs in: metrics\)"):
        verify_entries([path], rescored, by=lb.VERIFIER, root=root)
    assert path.read_text() == before  # nothing written


def test_verify_refuses_a_verifier_not_listed(root, lb, tmp_path):
    path = lb.write_entry(root, lb.make_entry())
    with pytest.raises(SubmissionError, match=r"'Mallory' is not a verifier: .*verifiers.json lists 'maintainer'"):
        verify_entries([path], _result(tmp_path, [lb.make_record()]), by="Mallory", root=root)


def test_submit_verified_by_someone_not_listed_is_refused(root, lb, tmp_path):
    result = _result(tmp_path, [lb.make_record()], "result.json")
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(lb.METADATA))
    args = ["submit", str(result), "--metadata", str(meta), "--root", str(root), "--verified", "--verified-by", "me"]
    out = CliRunner().invoke(leaderboard, args)
    assert out.exit_code == 1 and "[verified] verification/by 'me' is not in verifiers.json" in out.output
    assert not list((root / "entries" / "simulated").iterdir())


def test_numbers_edited_after_verification_are_refused(root, lb):
    entry = entry_from_record(lb.make_record(), lb.METADATA, verified=Verification(lb.VERIFIER, "code", "2025-01-01"))
    entry["record"]["metrics"]["paper"]["psnr"]["mean"] += 0.05  # still inside its interval, still a lie
    lb.write_entry(root, entry)
    (problem,) = validate_entries(root).problems
    assert "[verified] verification/scored_sha256" in problem and "changed after verification" in problem


def test_shipped_board_lists_its_verifiers_and_every_verified_entry_validates():
    from leaderboard.entries import default_root, load_entries

    assert verifiers(default_root()) == ("microsr-bench maintainers",)
    verified = [e for e in load_entries(default_root()) if e.data and e.data["status"] == "verified"]
    # Every entry on the simulated board is one of the baselines' reproduce records (docs/leaderboard.md says
    # how many of the 2.0 grid's 40 jobs are on it) or an `evaluate` result of a learned baseline kept under
    # docs/results/simulated/evaluate/, each verified by the maintainers' tool.
    results = Path(__file__).parents[2] / "docs/results/simulated"
    records = json.loads((results / "records.json").read_text())["records"]
    for path in sorted((results / "evaluate").glob("*.json")):
        records += json.loads(path.read_text())["records"]
    assert len(verified) == len(records) > 0
    board = {(e.data["record"]["method"]["name"], e.data["record"]["created"]) for e in verified}
    assert board == {(r["method"]["name"], r["created"]) for r in records}
    assert all("scored_sha256" in e.data["verification"] for e in verified)


@pytest.mark.parametrize("content", ["[]", json.dumps({"verifiers": "me"}), json.dumps({"verifiers": [""]})])
def test_malformed_verifiers_file_is_one_problem_naming_it(root, lb, content):
    (root / "verifiers.json").write_text(content)
    (problem,) = validate_entries(root).problems
    assert problem.startswith("[verified]") and "verifiers.json: expected {'verifiers'" in problem
