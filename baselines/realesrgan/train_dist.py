"""Distributed training plumbing: process-group set-up from torchrun's variables, device choice, reductions.

Under ``torchrun`` the environment holds ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK``; the process group is
initialised from it (``init_method="env://"``) with NCCL on CUDA and Gloo on CPU. Without those variables
everything runs in one process and the collectives below are identities.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from microsr_bench.errors import InvalidArgumentError

__all__ = ["DistContext", "all_reduce_sum", "barrier", "check_replicas_agree", "init_distributed", "resolve_device"]


@dataclass(frozen=True)
class DistContext:
    """Where this process stands: its rank among ``world_size`` processes and its device."""

    world_size: int
    rank: int
    local_rank: int
    device: torch.device
    #: True when this module created the process group (and so should destroy it).
    owns_group: bool = False

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes checkpoints and shows progress."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def close(self) -> None:
        """Destroy the process group if this context created it."""
        if self.owns_group and dist.is_initialized():
            dist.destroy_process_group()


def resolve_device(device: str | torch.device, local_rank: int = 0) -> torch.device:
    """``cpu``, ``cuda`` or ``cuda:N``; plain ``cuda`` under torchrun means this process's local GPU."""
    try:
        target = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InvalidArgumentError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}.") from exc
    if target.type == "cuda":
        if not torch.cuda.is_available():
            raise InvalidArgumentError(
                f"device={device!r} was asked for but CUDA is not available here (torch {torch.__version__}). Use "
                "device='cpu'."
            )
        if target.index is None:
            target = torch.device("cuda", local_rank)
    elif target.type != "cpu":
        raise InvalidArgumentError(f"device must be 'cpu' or 'cuda[:N]', got {device!r}.")
    return target


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidArgumentError(
            f"Environment variable {name}={raw!r} is not an integer (torchrun sets it)."
        ) from exc


def init_distributed(device: str | torch.device = "cpu") -> DistContext:
    """Join the process group that torchrun describes, or return a single-process context.

    NCCL is used when the device is CUDA, Gloo otherwise; an existing process group is reused (and left alone).
    """
    world = _env_int("WORLD_SIZE", 1)
    rank, local_rank = _env_int("RANK", 0), _env_int("LOCAL_RANK", 0)
    target = resolve_device(device, local_rank)
    if world <= 1:
        return DistContext(1, 0, 0, target)
    if target.type == "cuda":
        torch.cuda.set_device(target)
    owns = False
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if target.type == "cuda" else "gloo", init_method="env://")
        owns = True
    return DistContext(world, rank, local_rank, target, owns_group=owns)


def all_reduce_sum(values: list[float], ctx: DistContext) -> list[float]:
    """Sum a few numbers over all processes (float64 on the collective's device)."""
    if not ctx.distributed:
        return list(values)
    device = ctx.device if ctx.device.type == "cuda" else torch.device("cpu")
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return [float(v) for v in tensor.cpu()]


def barrier(ctx: DistContext) -> None:
    """Wait for every process (no-op in a single process)."""
    if ctx.distributed:
        dist.barrier()


def check_replicas_agree(model: torch.nn.Module, ctx: DistContext) -> None:
    """Raise if the processes' copies of ``model`` differ (a broken gradient reduction would show here)."""
    if not ctx.distributed:
        return
    total = sum(float(p.detach().double().sum()) for p in model.parameters())
    device = ctx.device if ctx.device.type == "cuda" else torch.device("cpu")
    extremes = torch.tensor([total, -total], dtype=torch.float64, device=device)
    dist.all_reduce(extremes, op=dist.ReduceOp.MAX)
    high, low = float(extremes[0]), -float(extremes[1])
    if high - low > 1e-9 * max(1.0, abs(high)):
        raise RuntimeError(
            f"DistributedDataParallel replicas diverged: parameter sums range from {low!r} to {high!r} over "
            f"{ctx.world_size} processes. This is a bug in the training loop; please report it."
        )
