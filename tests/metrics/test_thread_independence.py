"""A score does not depend on how many threads BLAS may use: sharded records equal single-process ones.

OpenBLAS splits a long dot product over its threads and adds the partial sums, so ``a @ b`` on 512x512
images changes in the last bits with ``OMP_NUM_THREADS``. A scorer worker or ``torchrun`` rank usually
runs with fewer threads than the process that scores alone; if a score went through such a product, the
sharded record would differ from the single-process one (tests/scoring/test_shard.py). This test runs the
hot path (``score_group``, every recipe and metric) and the bootstrap interval in two fresh interpreters,
with 1 and with 2 BLAS threads, and requires the same bits.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_SCRIPT = """
import numpy as np
from microsr_bench.metrics import score_group
from microsr_bench.metrics.aggregate import summarize

rng = np.random.default_rng(3)
reference = rng.random((512, 512))
predictions = np.clip(reference + 0.1 * rng.standard_normal((2, 512, 512)), 0.0, 1.0)
scores = score_group(reference=reference, predictions=predictions)
print(repr({r: {m: v.tolist() for m, v in values.items()} for r, values in scores.items()}))
values = rng.random(24_000) * 30.0
print(repr(summarize(values, groups=np.arange(values.size) % 24, n_boot=20_000, seed=0)))
a = reference.ravel()
print(repr(float(a @ a)))  # BLAS itself, to tell whether this machine can show the problem at all
"""


def _run(threads: int) -> list[str]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="BLAS runs one thread on one CPU: nothing to compare")
def test_scores_and_intervals_do_not_change_with_blas_threads():
    one, two = _run(1), _run(2)
    assert one[:2] == two[:2]
    if one[2] == two[2]:
        pytest.skip("this machine's BLAS gives the same dot product with 1 and 2 threads: the check has no teeth here")
