"""A worker process that simulates fields of view: ``python -m microsr_bench.data._simworker``.

It reads one job per line on stdin (JSON: dataset, hr_index, hr_shape, lr_shape, frames) and answers each on
stdout with one JSON header line followed by the raw bytes of the HR image and of the LR stack. It is started by
:mod:`microsr_bench.data._simpool` as a plain module, never through ``multiprocessing``, so it never re-imports
the caller's ``__main__`` (see that module for why).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import BinaryIO

import numpy as np

#: Test hook: ``exit:CODE`` makes the worker exit with CODE on its first job, ``kill`` kills it with SIGKILL,
#: ``raise`` raises inside the simulator. Lets the tests check that a dying worker fails generation fast.
FAULT_ENV = "MICROSR_BENCH_SIMWORKER_FAULT"

Job = tuple[str, int, tuple[int, int], tuple[int, int], int]


def simulate_one(args: Job) -> tuple[int, np.ndarray, np.ndarray]:
    """Simulate one field: ``(hr_index, hr image, LR stack [frames, H, W])``."""
    from microsr_bench.simulate import simulate_field

    dataset, hr_index, hr_shape, lr_shape, frames = args
    field = simulate_field(dataset, hr_index, hr_shape=hr_shape, lr_shape=lr_shape, frames=frames)
    return hr_index, field.hr, field.lr


def _fault() -> None:
    fault = os.environ.get(FAULT_ENV, "")
    if fault.startswith("exit:"):
        sys.stderr.write(f"simworker: exiting with code {fault[5:]} because {FAULT_ENV}={fault}\n")
        sys.stderr.flush()
        os._exit(int(fault[5:]))
    if fault == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if fault == "raise":
        raise RuntimeError(f"simulated failure requested by {FAULT_ENV}=raise")


def _send(out: BinaryIO, hr_index: int, hr: np.ndarray, lr: np.ndarray) -> None:
    header = {
        "hr_index": hr_index,
        "hr": [hr.dtype.str, list(hr.shape)],
        "lr": [lr.dtype.str, list(lr.shape)],
    }
    out.write(json.dumps(header).encode() + b"\n")
    out.write(np.ascontiguousarray(hr).tobytes())
    out.write(np.ascontiguousarray(lr).tobytes())
    out.flush()


def main() -> None:
    # The protocol owns the real stdout; anything else that prints (a library, a warning) goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    for line in sys.stdin.buffer:
        job = json.loads(line)
        _fault()
        hr_index, hr, lr = simulate_one(
            (job["dataset"], job["hr_index"], tuple(job["hr_shape"]), tuple(job["lr_shape"]), job["frames"])
        )
        _send(out, hr_index, hr, lr)


if __name__ == "__main__":
    main()
