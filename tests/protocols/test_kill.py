"""SIGKILL at the most fragile moment of predict, evaluate and reproduce; a re-run neither trips nor reuses.

Each command runs in a subprocess that pauses at a named point (microsr_bench/_testhooks.py) and is killed
there, as a power cut or an out-of-memory kill would; the re-run then runs in this process.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from microsr_bench.cli import main

TINY = ["--source", "simulated", "--size", "tiny", "--quiet"]


def _kill_at(point: str, args: list[str], tmp_path: Path) -> None:
    """Run ``microsr-bench ARGS`` until it reaches ``point``, then SIGKILL it."""
    flag = tmp_path / f"paused-{point}"
    env = {
        **os.environ,
        "MICROSR_BENCH_TEST_PAUSE_AT": point,
        "MICROSR_BENCH_TEST_PAUSE_FILE": str(flag),
        "OMP_NUM_THREADS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "microsr_bench.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            if process.poll() is not None:
                pytest.fail(f"the command ended before {point}: {process.stdout.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the command never reached {point}")
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()


def _hidden(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if ".tmp-" in p.name or ".old-" in p.name]


def _invoke(args: list[str]):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_killed_predict(cache, tmp_path):
    out = tmp_path / "preds"
    args = ["predict", "--method", "bicubic", "--dataset", "NUC", "--cache-dir", str(cache), *TINY, "--out", str(out)]
    _kill_at("predictions-commit", args, tmp_path)
    assert not out.exists() and len(_hidden(tmp_path)) == 1, "killed before the rename: only the hidden temp"
    again = _invoke(args)  # no --overwrite needed: nothing half-written sits at --out
    assert again.exit_code == 0, again.output
    assert _hidden(tmp_path) == [] and json.loads((out / "predictions.json").read_text())["datasets"]["NUC"]["n"] == 8


def test_killed_evaluate_never_returns_another_seeds_record(cache, tmp_path):
    args = ["evaluate", "--method", "bicubic", "--dataset", "NUC", "--cache-dir", str(cache), *TINY]
    args += ["--out", str(tmp_path / "r")]
    assert _invoke(args).exit_code == 0
    _kill_at("evaluate-before-key", [*args, "--seed", "7"], tmp_path)  # seed 7's result.json written, no key yet
    again = _invoke([*args, "--json"])
    assert again.exit_code == 0 and "Wrote the result to" in again.stderr and "Reused" not in again.stderr
    assert json.loads(again.stdout)["records"][0]["aggregation"]["seed"] == 0
    _kill_at("predictions-commit", [*args, "--seed", "3"], tmp_path)
    assert len(_hidden(tmp_path / "r")) == 1
    assert _invoke([*args, "--seed", "3"]).exit_code == 0
    assert _hidden(tmp_path / "r") == []


def test_killed_reproduce(cache, tmp_path):
    out = tmp_path / "repro"
    args = ["reproduce", "--budget", "tiny", "--dataset", "MITO", "--methods", "bicubic,frame-average"]
    args += ["--cache-dir", str(cache), "--out", str(out), "--quiet"]
    _kill_at("predictions-commit", args, tmp_path)
    assert len(_hidden(out)) == 1, "the killed job's hidden prediction folder"
    again = _invoke(args)
    assert again.exit_code == 0, again.output
    assert _hidden(out) == [] and "**Partial:**" not in (out / "tables.md").read_text()
