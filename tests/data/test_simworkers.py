"""Simulated data generated in worker processes: no hang whatever the caller's ``__main__``, and fast failure.

The hang (issue 10): ``multiprocessing``'s spawn workers re-imported the caller's main module, died, and were
respawned without end. Each caller below runs in its own interpreter with a timeout, on a fresh cache, and must
produce the tiny MITO data, whose fingerprint must equal the frozen one shipped with the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from microsr_bench.data._simworker import FAULT_ENV
from microsr_bench.data.canonical import frozen_simulated_manifests
from microsr_bench.data.profiles import get_profile
from microsr_bench.data.simulated import build_simulated
from microsr_bench.errors import WorkerError

# A plain script as users write it: no `if __name__ == "__main__":` guard.
SCRIPT = """\
from microsr_bench import load_benchmark
bench = load_benchmark("MITO", source="simulated", size="tiny", progress=False)
print("FINGERPRINT", bench.benchmark.fingerprints["MITO"]["all"])
"""
# Generous: generation takes seconds; the old code never finished. Only a guard against hanging the suite.
HANG_GUARD_S = 300


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MICROSR_BENCH_DATA", "MICROSR_BENCH_HUB_REPO", FAULT_ENV)}
    return env | {"MICROSR_BENCH_CACHE": str(cache), "OMP_NUM_THREADS": "1"}


def _check(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr[-3000:]
    printed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("FINGERPRINT")]
    assert printed == [frozen_simulated_manifests("tiny")["MITO"].fingerprint()]
    assert "Generating the simulated MITO data (size tiny)" in done.stderr  # announced before it started


@pytest.fixture
def several_cpus() -> None:
    # With one CPU the data is generated in-process and no worker is started: nothing to test.
    if (os.cpu_count() or 1) < 2:
        pytest.skip("generation uses worker processes only on a machine with 2 or more CPUs")


def test_script_without_main_guard(tmp_path, several_cpus):
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT)
    run = [sys.executable, str(script)]
    _check(
        subprocess.run(
            run, cwd=tmp_path, env=_env(tmp_path / "c"), capture_output=True, text=True, timeout=HANG_GUARD_S
        )
    )


def test_script_fed_on_stdin(tmp_path, several_cpus):
    run = [sys.executable, "-"]
    env = _env(tmp_path / "c")
    _check(
        subprocess.run(run, input=SCRIPT, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=HANG_GUARD_S)
    )


def test_python_dash_c(tmp_path, several_cpus):
    run = [sys.executable, "-c", SCRIPT]
    _check(
        subprocess.run(
            run, cwd=tmp_path, env=_env(tmp_path / "c"), capture_output=True, text=True, timeout=HANG_GUARD_S
        )
    )


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("exit:3", r"exited with code 3.*simworker: exiting with code 3"),
        ("kill", r"was killed by signal SIGKILL"),
        ("raise", r"exited with code 1.*RuntimeError: simulated failure requested"),
    ],
)
def test_a_dying_worker_stops_generation_with_the_cause(tmp_path, monkeypatch, fault, expected):
    monkeypatch.setenv(FAULT_ENV, fault)
    target = tmp_path / "simulated" / "MITO"
    with pytest.raises(WorkerError, match=rf"(?s)A worker process simulating MITO field \d+ {expected}"):
        build_simulated("MITO", get_profile("tiny"), target, workers=2, progress=False)
    assert list((tmp_path / "simulated").iterdir()) == []  # no partial build left


def test_workers_give_the_same_data_as_one_process(tmp_path):
    # The frozen tiny manifest was made before worker interpreters existed: equal fingerprints = bit-identical.
    frozen = frozen_simulated_manifests("tiny")["NUC"].fingerprint()
    for workers in (1, 2):
        built = build_simulated(
            "NUC", get_profile("tiny"), tmp_path / str(workers) / "NUC", workers=workers, progress=False
        )
        assert built.manifest.fingerprint() == frozen


def test_generation_is_announced_with_size_and_time(tmp_path):
    # tiny: 8 fields of 4 frames at 96x96 and one 192x192 HR each = 8 * (4 * 18,432 + 73,728) B = 1.18 MB of
    # pixels, plus 1 kB per image (5 per field) of headers: about 1.2 MB.
    from microsr_bench._notices import DataGenerationNotice

    expected = r"Generating the simulated MITO data \(size tiny\), 8 fields x 4 frames.*about 1\.2 MB.*about \d+ s"
    with pytest.warns(DataGenerationNotice, match=expected):
        build_simulated("MITO", get_profile("tiny"), tmp_path / "MITO", workers=1, progress=False)


def test_generation_on_a_full_disk_says_so_and_leaves_nothing(small_tmpfs):
    # tiny MITO needs about 1.2 MB (see the announcement test); the RAM disk holds 1 MiB.
    from microsr_bench.errors import DiskFullError

    target = small_tmpfs / "simulated" / "MITO"
    with pytest.raises(DiskFullError, match=r"simulated MITO data \(size tiny\).*disk is full.*about 1\.2 MB.*Free"):
        build_simulated("MITO", get_profile("tiny"), target, workers=1, progress=False)
    assert list((small_tmpfs / "simulated").iterdir()) == []
