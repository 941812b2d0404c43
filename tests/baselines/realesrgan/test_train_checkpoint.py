"""Training checkpoints on a full disk: one clear error, and nothing half-written that a resume would trip over.

The full disk is simulated by making the write raise ``OSError(ENOSPC)`` after it has put some bytes on disk,
as a real one does (the first files of the checkpoint written, the next one cut short).
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import baselines.realesrgan.train_checkpoint as train_checkpoint
from baselines.realesrgan.train_checkpoint import checkpoint_dirs, latest_checkpoint, load_checkpoint, write_checkpoint
from microsr_bench.errors import DiskFullError


def _fill_disk_at(monkeypatch: pytest.MonkeyPatch, iteration: int) -> None:
    """``torch.save`` of the checkpoint state of ``iteration`` writes a few bytes, then finds the disk full."""
    real = torch.save

    def save(obj: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(obj, dict) and obj.get("iteration") == iteration:
            Path(path).write_bytes(b"PK\x03\x04 cut short")
            raise OSError(errno.ENOSPC, "No space left on device")
        real(obj, path, *args, **kwargs)

    monkeypatch.setattr(train_checkpoint.torch, "save", save)


def test_full_disk_is_disk_full_error_and_leaves_only_complete_checkpoints(tmp_path, monkeypatch):
    torch.manual_seed(0)
    nets = {"generator": nn.Linear(8, 8), "ema": nn.Linear(8, 8)}
    first = write_checkpoint(tmp_path, 1, nets, {"step": 1}, keep=2)
    size = sum(p.stat().st_size for p in first.iterdir())
    _fill_disk_at(monkeypatch, 2)
    with pytest.raises(DiskFullError, match=r"Could not write the training checkpoint iter_0000002") as caught:
        write_checkpoint(tmp_path, 2, nets, {"step": 2}, keep=2)
    message = str(caught.value)
    # The space it asks for is the size of the previous checkpoint, measured above (same networks, same states).
    from microsr_bench.diskspace import format_bytes

    assert f"it needs about {format_bytes(size)}" in message and "--workdir" in message
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["iter_0000001"], "no .tmp- left"
    assert [i for i, _ in checkpoint_dirs(tmp_path)] == [1]
    # What resume reads is the complete checkpoint, loadable as it was written.
    fresh = {"generator": nn.Linear(8, 8), "ema": nn.Linear(8, 8)}
    state = load_checkpoint(latest_checkpoint(tmp_path), fresh)  # type: ignore[arg-type]
    assert state["iteration"] == 1 and state["step"] == 1
    assert torch.equal(fresh["generator"].weight, nets["generator"].weight)


def test_first_checkpoint_on_a_full_disk_leaves_no_folder_to_resume_from(tmp_path, monkeypatch):
    _fill_disk_at(monkeypatch, 1)
    with pytest.raises(DiskFullError, match=r"iter_0000001.*disk is full \(it needs more space"):
        write_checkpoint(tmp_path, 1, {"generator": nn.Linear(4, 4)}, {}, keep=2)
    assert list((tmp_path / "checkpoints").iterdir()) == [] and latest_checkpoint(tmp_path) is None
