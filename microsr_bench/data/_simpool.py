"""Worker processes for simulated data that never re-import the caller's ``__main__``.

Why not ``multiprocessing``: its ``spawn`` and ``forkserver`` start methods re-import the caller's main module
in every worker. From a script without an ``if __name__ == "__main__":`` guard the worker runs the script again
and dies; from ``python - < script`` it cannot find ``<stdin>``; and ``Pool`` silently replaces dead workers,
so generation hung forever. ``fork`` avoids that but can deadlock when the parent holds Arrow or torch threads.
So each worker is a fresh interpreter running ``python -m microsr_bench.data._simworker``: it imports only the
library, whatever the caller's main module is, and talks to the parent through pipes. A worker that exits is
never replaced: generation stops at once with a :class:`~microsr_bench.errors.WorkerError` naming the exit code
or signal and the tail of the worker's stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from queue import Queue
from typing import IO, Any

import numpy as np

import microsr_bench
from microsr_bench.data._simworker import Job
from microsr_bench.errors import WorkerError

#: How many results may wait for the writer per worker: bounds memory (a full-size field is ~13 MB).
_LOOKAHEAD_PER_WORKER = 2
_STDERR_TAIL = 2000


class _Worker:
    """One worker interpreter with its pipes; stderr goes to a temporary file so a full pipe cannot block it."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close(), after the process)
        package_parent = str(Path(microsr_bench.__file__).resolve().parent.parent)
        path = os.environ.get("PYTHONPATH")
        # The same library as the caller, even when it is imported from a source checkout that is not installed.
        env = {**os.environ, "PYTHONPATH": package_parent + (os.pathsep + path if path else "")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "microsr_bench.data._simworker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )

    def run(self, job: Job) -> tuple[int, np.ndarray, np.ndarray]:
        dataset, hr_index, hr_shape, lr_shape, frames = job
        request = {"dataset": dataset, "hr_index": hr_index, "hr_shape": hr_shape, "lr_shape": lr_shape}
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request | {"frames": frames}).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self.died(job) from None
        header_line = self.process.stdout.readline()
        if not header_line:
            raise self.died(job)
        header = json.loads(header_line)
        hr = self._read_array(header["hr"], job)
        lr = self._read_array(header["lr"], job)
        return int(header["hr_index"]), hr, lr

    def _read_array(self, spec: list[Any], job: Job) -> np.ndarray:
        dtype, shape = np.dtype(spec[0]), tuple(spec[1])
        size = dtype.itemsize * int(np.prod(shape))
        assert self.process.stdout is not None
        data = self.process.stdout.read(size)
        if len(data) != size:
            raise self.died(job)
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()

    def died(self, job: Job) -> WorkerError:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        how = f"was killed by signal {_signal_name(-code)}" if code < 0 else f"exited with code {code}"
        self.stderr.seek(0)
        tail = self.stderr.read().decode(errors="replace")[-_STDERR_TAIL:].strip()
        return WorkerError(
            f"A worker process simulating {job[0]} field {job[1]} {how}; generation stopped. "
            f"Its last output:\n{tail or '(nothing on stderr)'}\n"
            "If the machine ran out of memory (signal SIGKILL), use fewer workers (workers=1 generates in this "
            "process); otherwise report this with the output above."
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # a request still buffered for a dead worker: broken pipe
                    pipe.close()
        self.stderr.close()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def simulate_in_workers(jobs: Sequence[Job], workers: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Simulate ``jobs`` in ``workers`` worker processes; yield the results in the order of ``jobs``."""
    pool = [_Worker(i) for i in range(workers)]
    idle: Queue[_Worker] = Queue()
    for worker in pool:
        idle.put(worker)

    def run(job: Job) -> tuple[int, np.ndarray, np.ndarray]:
        worker = idle.get()
        try:
            return worker.run(job)
        finally:
            idle.put(worker)

    pending: list[Future[tuple[int, np.ndarray, np.ndarray]]] = []
    threads = ThreadPoolExecutor(max_workers=workers)
    try:
        queued = iter(jobs)
        for job in queued:
            pending.append(threads.submit(run, job))
            if len(pending) >= workers * _LOOKAHEAD_PER_WORKER:
                break
        while pending:
            result = pending.pop(0).result()
            following = next(queued, None)
            if following is not None:
                pending.append(threads.submit(run, following))
            yield result
    finally:
        for future in pending:
            future.cancel()
        for worker in pool:
            worker.kill()  # a thread still reading from a worker then sees end of file and returns
        threads.shutdown(wait=True)
        for worker in pool:
            worker.close()
