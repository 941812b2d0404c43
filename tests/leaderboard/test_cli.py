"""The `microsr-bench leaderboard` commands: thin calls, one-line errors with exit status 1, --json output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from leaderboard.cli import leaderboard
from microsr_bench.scoring.record import write_result

REQUIRED = [
    "--name",
    "DemoNet",
    "--version",
    "1.0",
    "--description",
    "A fixture method.",
    "--training-data",
    "MITO train split",
    "--no-extra-data",
    "--hardware",
    "1x CPU",
    "--license",
    "MIT",
]


def run(*args: str):
    return CliRunner().invoke(leaderboard, list(args), catch_exceptions=False)


@pytest.fixture
def result_path(tmp_path, lb):
    path, _ = write_result(tmp_path / "result.json", [lb.make_record(shots=800)], None, [])
    return str(path)


def test_submit_then_validate_then_build(root, result_path):
    out = run("submit", result_path, *REQUIRED, "--root", str(root))
    assert out.exit_code == 0, out.output
    assert "Wrote 1 entries" in out.output and "DemoNet--1.0--paired--MITO--800.json" in out.output
    out = run("validate", "--root", str(root))
    assert out.exit_code == 0 and "All 1 entries are valid (simulated: 1, real: 0" in out.output
    out = run("build", "--root", str(root))
    assert out.exit_code == 0 and "README.md" in out.output
    assert run("build", "--root", str(root), "--check").exit_code == 0
    assert run("build", "--root", str(root), "--quiet").output == ""


def test_submit_metadata_file_and_json_output(root, result_path, tmp_path, lb):
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(lb.METADATA))
    out = run("submit", result_path, "--metadata", str(meta), "--version", "2.0", "--root", str(root), "--json")
    assert out.exit_code == 0, out.output
    # the command-line --version overrides the file's 1.0
    assert json.loads(out.output)["paths"] == ["entries/simulated/DemoNet--2.0--paired--MITO--800.json"]


def test_submit_rejection_is_one_error_and_exit_1(root, result_path):
    out = run("submit", result_path, *REQUIRED, "--root", str(root), "--board", "real")
    assert out.exit_code == 1
    assert out.output.startswith("Error: submission rejected; nothing was written")
    assert "[board]" in out.output


def test_submit_missing_metadata_lists_what_is_missing(root, result_path):
    out = run("submit", result_path, "--name", "X", "--root", str(root))
    assert out.exit_code == 1
    assert "missing 'version'" in out.output and "missing 'license'" in out.output


def test_verified_needs_a_verifier(root, result_path):
    out = run("submit", result_path, *REQUIRED, "--root", str(root), "--verified")
    assert out.exit_code == 2 and "--verified and --verified-by go together" in out.output


def test_verified_submission_dry_run(root, result_path):
    args = ["--root", str(root), "--verified", "--verified-by", "maintainer", "--dry-run"]
    out = run("submit", result_path, *REQUIRED, *args)
    assert out.exit_code == 0 and out.output.startswith("Valid: 1 entries would be added")
    assert not list((root / "entries").glob("*/*.json"))


def test_validate_json_reports_problems_and_exit_1(root, lb):
    lb.write_entry(root, lb.make_entry(), name="bad-name.json")
    out = run("validate", "--root", str(root), "--json")
    assert out.exit_code == 1
    report = json.loads(out.output)
    assert report["ok"] is False and report["entries"] == {"simulated": 1, "real": 0}
    assert "[filename]" in report["problems"][0]
    out = run("validate", "--root", str(root))
    assert out.exit_code == 1 and out.output.startswith("Error: ") and "[filename]" in out.output


def test_validate_extra_files_of_a_pull_request(root, lb, tmp_path):
    lb.write_entry(root, lb.make_entry())
    incoming = lb.write_entry(tmp_path / "pr", lb.make_entry())  # same key as the one already on the board
    out = run("validate", str(incoming), "--root", str(root))
    assert out.exit_code == 1 and "[duplicate]" in out.output


def test_build_check_fails_when_stale(root):
    out = run("build", "--root", str(root), "--check")
    assert out.exit_code == 1 and "out of date" in out.output


def test_submit_to_the_hub_prints_the_pull_request(monkeypatch, root, result_path):
    import importlib
    from types import SimpleNamespace

    calls = []

    class Api:
        def list_repo_files(self, repo_id, *, repo_type=None):
            return []

        def create_commit(self, repo_id, operations, **kwargs):
            calls.append(kwargs)
            return SimpleNamespace(pr_url="https://huggingface.co/datasets/org/lb/discussions/1")

    monkeypatch.setattr(importlib.import_module("leaderboard.submission"), "_hub_api", Api)
    out = run("submit", result_path, *REQUIRED, "--root", str(root), "--hub", "org/lb")
    assert out.exit_code == 0, out.output
    assert "Opened a pull request with 1 entries: https://huggingface.co/datasets/org/lb/discussions/1" in out.output
    assert calls[0]["create_pr"] is True


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e9"])
def test_submit_refuses_impossible_seconds_per_image(root, result_path, value):
    out = CliRunner().invoke(
        leaderboard, ["submit", result_path, *REQUIRED, "--root", str(root), "--seconds-per-image", value]
    )
    assert out.exit_code == 2 and "expected a finite number of seconds per test image in [0, 3600]" in out.output
    assert not list((root / "entries" / "simulated").iterdir())


def test_submit_never_overwrites_an_existing_file(root, result_path):
    # An unreadable file at the entry's path escapes the duplicate rule (it has no key); it must not be replaced
    target = root / "entries" / "simulated" / "DemoNet--1.0--paired--MITO--800.json"
    target.write_text("{broken")
    out = CliRunner().invoke(leaderboard, ["submit", result_path, *REQUIRED, "--root", str(root)])
    assert out.exit_code == 1 and "these entry files already exist" in out.output
    assert target.read_text() == "{broken"
