"""Training checkpoints: written atomically, read with ``weights_only=True``, complete enough to resume exactly.

A checkpoint is a folder ``checkpoints/iter_NNNNNNN/`` holding the generator, its EMA, the best-so-far EMA
and the discriminator as safetensors, plus ``state.pt``: optimiser and scheduler states, the iteration, every
random state (torch CPU and CUDA, the patch stream's numpy ``Generator`` with its epoch order, Python's
``random``) and the early-stopping state. It is written into a hidden temporary folder that is renamed into
place only when complete (a rename is atomic on POSIX), so a run killed at any moment leaves either the
previous checkpoints or the new one, never half of one. Old checkpoints are first renamed to a hidden name and
then deleted, for the same reason. A full disk while writing is a :class:`~microsr_bench.errors.DiskFullError`
(the temporary folder removed first, so the space it took is given back and resume sees only complete ones).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from baselines.realesrgan.weights import load_weights, read_checkpoint, save_weights
from microsr_bench.diskspace import disk_full_as_error
from microsr_bench.errors import DataError

__all__ = [
    "CHECKPOINT_FORMAT",
    "FAULT_ENV",
    "WORKDIR_HINT",
    "capture_rng",
    "checkpoint_dirs",
    "clean_partial",
    "latest_checkpoint",
    "load_checkpoint",
    "maybe_fault",
    "restore_rng",
    "write_checkpoint",
]

#: Version of the ``state.pt`` layout; a different version is refused on resume.
CHECKPOINT_FORMAT = 1

#: Test-only fault injection: ``kill-after-iteration:N`` or ``kill-in-checkpoint:K`` sends SIGKILL to this
#: process after optimisation step N, or while the K-th checkpoint of this process is half written.
FAULT_ENV = "MICROSR_BENCH_TRAIN_FAULT"

#: The second way out of a full disk during training, besides freeing space (``train``/``evaluate`` take
#: ``--workdir``; the API ``MethodOptions.workdir``).
WORKDIR_HINT = "or give --workdir (MethodOptions.workdir) a folder on a disk with more space"

_DIR = re.compile(r"^iter_(\d{7,})$")
STATE_FILE = "state.pt"


def maybe_fault(point: str, count: int) -> None:
    """SIGKILL this process when ``$MICROSR_BENCH_TRAIN_FAULT`` names this point and count (tests only)."""
    spec = os.environ.get(FAULT_ENV, "")
    if spec and spec == f"{point}:{count}":
        os.kill(os.getpid(), signal.SIGKILL)


def capture_rng() -> dict[str, Any]:
    """Every global random state a training step could touch: torch CPU and CUDA, Python's ``random``."""
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: Mapping[str, Any]) -> None:
    """Restore what :func:`capture_rng` captured."""
    torch.set_rng_state(state["torch"])
    random.setstate(_as_random_state(state["python"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(list(state["cuda"]))


def _as_random_state(value: Any) -> tuple[Any, ...]:
    # The pickle round trip keeps tuples, but be lenient with lists from other writers.
    version, internal, gauss = value
    return (int(version), tuple(int(v) for v in internal), gauss)


def checkpoint_dirs(run_dir: Path) -> list[tuple[int, Path]]:
    """Completed checkpoints of a run as ``(iteration, folder)``, oldest first."""
    root = run_dir / "checkpoints"
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if (m := _DIR.match(p.name)) and (p / STATE_FILE).is_file()]
    return sorted(found)


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest completed checkpoint folder of a run, or None."""
    found = checkpoint_dirs(run_dir)
    return found[-1][1] if found else None


def clean_partial(run_dir: Path) -> None:
    """Delete half-written (``.tmp-*``) and half-deleted (``.trash-*``) checkpoint folders."""
    root = run_dir / "checkpoints"
    if root.is_dir():
        for path in root.iterdir():
            if path.name.startswith((".tmp-", ".trash-")):
                shutil.rmtree(path, ignore_errors=True)


_WRITES = {"count": 0}


def write_checkpoint(
    run_dir: Path, iteration: int, networks: Mapping[str, nn.Module], state: dict[str, Any], *, keep: int
) -> Path:
    """Write one checkpoint atomically and keep only the newest ``keep`` completed ones.

    Raises:
        DiskFullError: the disk filled up (or a quota ran out); nothing of this checkpoint is left behind.
    """
    root = run_dir / "checkpoints"
    target = root / f"iter_{iteration:07d}"
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    needed = _size_of_latest(run_dir)
    try:
        with disk_full_as_error(f"the training checkpoint {target.name}", root, needed=needed, hint=WORKDIR_HINT):
            root.mkdir(parents=True, exist_ok=True)
            tmp.mkdir()
            _WRITES["count"] += 1
            for name, module in networks.items():
                save_weights(module, tmp / f"{name}.safetensors")
            maybe_fault("kill-in-checkpoint", _WRITES["count"])
            torch.save({"format": CHECKPOINT_FORMAT, "iteration": iteration, **state}, tmp / STATE_FILE)
            if target.exists():  # a rerun of an iteration after resuming: replace the old copy
                _discard(target)
            tmp.rename(target)
    except BaseException:
        # Before the error leaves: a half-written folder would hold the very space the user must free.
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for _, old in checkpoint_dirs(run_dir)[:-keep]:
        _discard(old)
    return target


def _size_of_latest(run_dir: Path) -> int | None:
    """Bytes of the newest completed checkpoint (the next one is the same networks and states), or None."""
    latest = latest_checkpoint(run_dir)
    if latest is None:
        return None
    try:
        return sum(p.stat().st_size for p in latest.iterdir() if p.is_file())
    except OSError:
        return None


def _discard(path: Path) -> None:
    trash = path.with_name(f".trash-{uuid.uuid4().hex}")
    path.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)


def load_checkpoint(folder: Path, networks: Mapping[str, nn.Module]) -> dict[str, Any]:
    """Fill ``networks`` from a checkpoint folder (strictly) and return its ``state.pt`` contents."""
    state = read_checkpoint(folder / STATE_FILE)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise DataError(
            f"{folder / STATE_FILE} is not a checkpoint of format {CHECKPOINT_FORMAT} (found {found!r}). It was "
            "written by another version: start the run over (--no-resume) or use another workdir."
        )
    for name, module in networks.items():
        load_weights(folder / f"{name}.safetensors", module)
    return state
