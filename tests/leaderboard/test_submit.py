"""Submitting: local entry files, every rejection, and hub pull requests through a fake HfApi (no network)."""

from __future__ import annotations

import importlib
import json
from types import SimpleNamespace

import pytest

from leaderboard.entries import Verification
from leaderboard.submission import submit
from leaderboard.validate import validate_entries
from microsr_bench.errors import SubmissionError
from microsr_bench.scoring.record import write_result


@pytest.fixture
def result_set(tmp_path, lb):
    """A result set of two sub-datasets, written by the scorer's writer."""
    records = [lb.make_record(dataset=name, shots=200) for name in ("MITO", "MEM")]
    path, _ = write_result(tmp_path / "scores" / "result.json", records, None, [])
    return path


class FakeHfApi:
    """Records calls; any method the real submitter must not use (upload to main, delete...) does not exist."""

    def __init__(self, files=(), fail=None):
        self.files = list(files)
        self.fail = fail
        self.commits = []

    def list_repo_files(self, repo_id, *, repo_type=None, revision=None, token=None):
        assert repo_type == "dataset"
        if self.fail == "list":
            raise RuntimeError("404 Repository Not Found")
        return self.files

    def create_commit(self, repo_id, operations, **kwargs):
        if self.fail == "commit":
            raise RuntimeError("401 Unauthorized")
        self.commits.append((repo_id, list(operations), kwargs))
        return SimpleNamespace(pr_url=f"https://huggingface.co/datasets/{repo_id}/discussions/7")


def test_local_submit_writes_valid_entries(root, lb, result_set):
    done = submit(result_set, lb.METADATA, root=root)
    assert done.paths == (
        "entries/simulated/DemoNet--1.0--paired--MITO--200.json",
        "entries/simulated/DemoNet--1.0--paired--MEM--200.json",
    )
    assert done.written == tuple(root / p for p in done.paths) and done.pr_url is None
    assert json.loads(done.written[0].read_text())["record"]["dataset"]["name"] == "MITO"
    assert validate_entries(root).ok


def test_dry_run_writes_nothing(root, lb, result_set):
    done = submit(result_set, lb.METADATA, root=root, dry_run=True)
    assert len(done.entries) == 2 and done.written == ()
    assert not list((root / "entries" / "simulated").glob("*.json"))


def test_second_submission_is_a_duplicate(root, lb, result_set):
    submit(result_set, lb.METADATA, root=root)
    with pytest.raises(SubmissionError, match=r"submission rejected; nothing was written") as info:
        submit(result_set, lb.METADATA | {"description": "again"}, root=root)
    assert len(info.value.problems) == 2 and all("[duplicate]" in p for p in info.value.problems)


def test_simulated_result_sent_to_the_real_board_is_rejected(root, lb, result_set):
    with pytest.raises(
        SubmissionError, match=r"\[board\] the record was scored on 'simulated' data.*not the 'real' one"
    ):
        submit(result_set, lb.METADATA, root=root, board="real")
    assert not list((root / "entries").glob("*/*.json"))


def test_fingerprint_mismatch_is_rejected(root, lb, tmp_path):
    record = lb.make_record(fingerprint=lb.fake_fingerprint("my own simulation"))
    with pytest.raises(SubmissionError, match=r"\[fingerprint\] test fingerprint sha256:"):
        submit(record, lb.METADATA, root=root)


def test_schema_errors_in_metadata_are_rejected(root, lb, result_set):
    bad = lb.METADATA | {"method": "has spaces", "code_url": "ftp://example.org"}
    with pytest.raises(SubmissionError) as info:
        submit(result_set, bad, root=root)
    text = str(info.value)
    assert "[schema] submission/method: 'has spaces' does not match" in text
    assert "[schema] submission/code_url: 'ftp://example.org' does not match" in text


def test_noncanonical_data_is_rejected_from_both_boards(root, lb):
    with pytest.raises(SubmissionError, match=r"\[canonical\]"):
        submit(lb.make_record(size="tiny"), lb.METADATA, root=root)


def test_hub_submit_opens_a_pull_request_and_never_pushes_to_main(root, lb, result_set):
    api = FakeHfApi(files=["README.md", "entries/simulated/Other--1--paired--MITO--200.json"])
    verified = Verification("maintainer", "predictions", "2025-01-01")
    done = submit(result_set, lb.METADATA, root=root, hub="org/board", api=api, verified=verified)
    assert done.pr_url == "https://huggingface.co/datasets/org/board/discussions/7"
    (repo, operations, kwargs) = api.commits[0]
    assert repo == "org/board"
    assert kwargs["create_pr"] is True and kwargs["repo_type"] == "dataset"
    assert kwargs.get("revision") in (None,)  # the PR branch is the hub's choice, never main
    assert [op.path_in_repo for op in operations] == list(done.paths)
    assert json.loads(operations[0].path_or_fileobj)["status"] == "verified"
    assert "(verified)" in kwargs["commit_description"]
    assert not list((root / "entries").glob("*/*.json"))  # nothing written locally


def test_hub_duplicate_is_rejected_before_any_commit(root, lb, result_set):
    api = FakeHfApi(files=["entries/simulated/demonet--1.0--paired--MEM--200.json"])
    with pytest.raises(SubmissionError, match=r"already has these entries") as info:
        submit(result_set, lb.METADATA, root=root, hub="org/board", api=api)
    assert info.value.problems == [
        "entries/simulated/DemoNet--1.0--paired--MEM--200.json: [duplicate] already on the hub board"
    ]
    assert api.commits == []


@pytest.mark.parametrize(
    ("fail", "match"), [("list", "cannot list the files"), ("commit", "cannot open a pull request")]
)
def test_hub_failures_become_clear_errors(root, lb, result_set, fail, match):
    with pytest.raises(SubmissionError, match=match) as info:
        submit(result_set, lb.METADATA, root=root, hub="org/board", api=FakeHfApi(fail=fail))
    assert "hf auth login" in str(info.value)


def test_default_hub_api_is_huggingface_hub(monkeypatch, root, lb, result_set):
    fake = FakeHfApi()
    # the package exports the function `submit`, which hides the module of the same name as an attribute
    monkeypatch.setattr(importlib.import_module("leaderboard.submission"), "_hub_api", lambda: fake)
    submit(result_set, lb.METADATA, root=root, hub="org/board")
    assert len(fake.commits) == 1


def test_installed_copy_is_never_written_to(monkeypatch, tmp_path, lb, result_set):
    # an installed package (no .git above it) must not receive entries: they would vanish on upgrade
    module = importlib.import_module("leaderboard.submission")
    monkeypatch.setattr(module, "default_root", lambda: tmp_path / "site-packages" / "leaderboard")
    with pytest.raises(SubmissionError, match="is an installed copy, not a clone of the repository; pass root="):
        submit(result_set, lb.METADATA)


def test_missing_pr_url_is_an_error(root, lb, result_set):
    class NoUrl(FakeHfApi):
        def create_commit(self, repo_id, operations, **kwargs):
            return SimpleNamespace(pr_url=None)

    with pytest.raises(SubmissionError, match="did not report a pull request URL"):
        submit(result_set, lb.METADATA, root=root, hub="org/board", api=NoUrl())
