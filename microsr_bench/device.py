"""Checking a ``--device`` string against the machine before anything is loaded, trained or written."""

from __future__ import annotations

from typing import Any

from microsr_bench.errors import InvalidArgumentError

#: Device kinds the benchmark runs on; others torch knows (xla, hpu, ...) are untested here and refused.
DEVICE_KINDS = ("cpu", "cuda", "mps")


def check_device(device: str) -> str:
    """Return ``device`` if this machine has it; else raise one clear error saying what is available.

    Checked up front so that a wrong device fails in a second, not after the data is loaded and a
    results folder is made (torch only complains at the first tensor moved there).

    Raises:
        InvalidArgumentError: not a device string, a kind other than cpu/cuda/mps, no such GPU here.
    """
    import torch

    available = _available(torch)
    hint = f"Devices on this machine: {', '.join(available)}."
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise InvalidArgumentError(
            f"--device {device!r} is not a device: expected cpu, cuda, cuda:N or mps. {hint}"
        ) from None
    if parsed.type not in DEVICE_KINDS:
        raise InvalidArgumentError(f"--device {device!r}: expected cpu, cuda, cuda:N or mps. {hint}")
    if parsed.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise InvalidArgumentError(
                f"--device {device!r}: no CUDA GPU is visible to PyTorch on this machine (torch "
                f"{torch.__version__}, CUDA build {torch.version.cuda or 'none'}). {hint} Use --device cpu, or "
                "install a CUDA build of torch / check CUDA_VISIBLE_DEVICES."
            )
        if parsed.index is not None and parsed.index >= count:
            raise InvalidArgumentError(
                f"--device {device!r}: this machine has {count} CUDA GPU(s), numbered 0 to {count - 1}. {hint}"
            )
    if parsed.type == "mps" and not _mps_available(torch):
        raise InvalidArgumentError(f"--device {device!r}: Apple MPS is not available on this machine. {hint}")
    return device


def _mps_available(torch: Any) -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def _available(torch: Any) -> list[str]:
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available(torch):
        devices.append("mps")
    return devices


def device_option_callback(ctx: Any, param: Any, value: str | None) -> str | None:
    """click callback: check ``--device`` while the arguments are parsed, before the command runs."""
    import click

    if value is None:
        return None
    try:
        return check_device(value)
    except InvalidArgumentError as exc:
        raise click.BadParameter(str(exc).removeprefix(f"--device {value!r}: "), ctx=ctx, param=param) from None
