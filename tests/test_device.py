"""``--device`` is checked when the arguments are parsed (microsr_bench/device.py), before anything is made."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from microsr_bench.cli import main
from microsr_bench.device import check_device
from microsr_bench.errors import InvalidArgumentError


@pytest.fixture
def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine as one without a GPU, whatever it really has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


@pytest.fixture
def two_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)


def test_cpu_is_always_accepted() -> None:
    assert check_device("cpu") == "cpu"


@pytest.mark.usefixtures("no_gpu")
@pytest.mark.parametrize(
    ("device", "match"),
    [
        ("cuda", "no CUDA GPU is visible"),
        ("cuda:7", "no CUDA GPU is visible"),
        ("foo", "is not a device: expected cpu, cuda, cuda:N or mps"),
        ("cuda:-1", "is not a device"),
        ("xla", "expected cpu, cuda, cuda:N or mps"),
    ],
)
def test_devices_this_machine_lacks_are_refused(device: str, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match) as info:
        check_device(device)
    assert "Devices on this machine: cpu." in str(info.value)


@pytest.mark.usefixtures("two_gpus")
def test_gpu_index_is_checked_against_the_count() -> None:
    assert check_device("cuda:1") == "cuda:1"
    with pytest.raises(InvalidArgumentError, match=r"has 2 CUDA GPU\(s\), numbered 0 to 1"):
        check_device("cuda:7")


@pytest.mark.usefixtures("no_gpu")
@pytest.mark.parametrize("command", ["evaluate", "predict", "train", "reproduce"])
def test_cli_refuses_at_parse_time_and_creates_nothing(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = {
        "evaluate": ["evaluate", "--method", "bicubic", "--dataset", "MITO", "--out", "results"],
        "predict": ["predict", "--method", "bicubic", "--dataset", "MITO", "--out", "pred"],
        "train": ["train", "resrgan-b", "--workdir", "runs"],
        "reproduce": ["reproduce"],
    }[command]
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, [*args, "--device", "cuda", "--size", "tiny"])
    left = sorted(p.name for p in tmp_path.iterdir())
    assert done.exit_code == 2, done.output
    assert "Invalid value for '--device'" in done.output and "no CUDA GPU is visible" in done.output
    assert "Traceback" not in done.output
    assert left == [], f"{command} --device cuda left {left}"


@pytest.mark.usefixtures("no_gpu")
def test_evaluate_api_refuses_before_loading_data(tmp_path: Path) -> None:
    from microsr_bench.protocols import MethodOptions, evaluate, paired

    with pytest.raises(InvalidArgumentError, match="no CUDA GPU is visible"):
        evaluate(
            "bicubic",
            paired("MITO"),
            options=MethodOptions(device="cuda"),
            source="simulated",
            size="tiny",
            cache_dir=tmp_path / "cache",
            out_dir=tmp_path / "out",
        )
    assert list(tmp_path.iterdir()) == []
