"""The baselines on a CUDA device: inference, tiling, training with kill-and-resume, the CLI, and torchrun.

Marked ``gpu`` (deselected by default; run with ``pytest -m gpu`` on a machine with CUDA). Expected numbers:

* CPU against CUDA: the same float32 network on the same input. With TF32 switched off both devices compute in
  IEEE float32 and differ only by summation order, a few ulp per operation; over the 1-block test network's
  ~20 layers that stays far below 1e-4 on outputs of order 1 (the bound used).
* Tiled against whole on CUDA: the same arithmetic on the same pixels when the overlap covers the receptive
  field (see test_inference.py for the closed form of the radius), so 1e-5 allows only reduction-order effects.
* Kill and resume on CUDA: cuDNN's convolution backward kernels may add partial sums in a varying order, so
  bit equality is only claimed under deterministic algorithms (``torch.use_deterministic_algorithms``), which
  the training script switches on; then the resumed weights must equal the uninterrupted ones exactly, as on CPU.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from baselines.realesrgan import RRDBNet
from baselines.realesrgan.inference import receptive_radius, super_resolve
from baselines.realesrgan.train_checkpoint import FAULT_ENV, checkpoint_dirs
from microsr_bench.cli import main as cli_main

pytestmark = pytest.mark.gpu

DETERMINISTIC_ENV = {"CUBLAS_WORKSPACE_CONFIG": ":4096:8"}


@pytest.fixture(autouse=True)
def cuda() -> Iterator[None]:
    if not torch.cuda.is_available():
        pytest.fail("marked gpu but CUDA is not available")
    conv, matmul = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = conv, matmul


def _model() -> RRDBNet:
    torch.manual_seed(0)
    model = RRDBNet(1, 1, 2, num_feat=8, num_block=1, num_grow_ch=4).eval()
    with torch.no_grad():
        model.conv_last.weight.mul_(20.0)
        torch.nn.init.constant_(model.conv_last.bias, 0.5)  # type: ignore[arg-type]
    return model


def test_cuda_inference_matches_cpu_and_returns_on_the_input_device() -> None:
    model = _model()
    lr = torch.rand(2, 1, 64, 48, generator=torch.Generator().manual_seed(1))
    on_cpu = super_resolve(model, lr, device="cpu")
    on_gpu = super_resolve(model, lr, device="cuda")
    assert on_gpu.device.type == "cpu" and on_gpu.dtype == torch.float32
    assert float(on_cpu.std()) > 0.01
    assert float((on_gpu - on_cpu).abs().max()) < 1e-4
    resident = super_resolve(model.cuda(), lr.cuda())
    assert resident.is_cuda and float((resident.cpu() - on_gpu).abs().max()) < 1e-6


def test_cuda_tiling_equals_whole_image() -> None:
    model = _model().cuda()
    lr = torch.rand(3, 1, 70, 58, generator=torch.Generator().manual_seed(2)).cuda()
    whole = super_resolve(model, lr)
    overlap = receptive_radius(model.cpu(), size=96) + 2
    overlap += overlap % 2
    tiled = super_resolve(model.cuda(), lr, tile=24, overlap=overlap, batch_size=4)
    assert tiled.is_cuda and tiled.shape == whole.shape == (3, 1, 140, 116)
    assert float((tiled - whole).abs().max()) < 1e-5


SCRIPT = """
import dataclasses
import sys
from pathlib import Path

import torch

from microsr_bench.data import load_benchmark
from baselines.realesrgan.data import PairedPatchSampler
from baselines.realesrgan.train import train_realesrgan
from baselines.realesrgan.train_config import config_for
from baselines.realesrgan.train_dist import init_distributed
from baselines.realesrgan.train_validate import ValidationSet


def train(cache, run_dir):
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    bench = load_benchmark("MITO", source="simulated", size="tiny", cache_dir=cache, progress=False)
    config = dataclasses.replace(config_for("tiny"), lr=5e-3, ema_decay=0.5, max_iters=8, patience=100)
    sampler = PairedPatchSampler(
        bench["train"], patch_size=config.patch_size, batch_size=config.batch_size, seed=config.seed
    )
    validation = ValidationSet(bench["validation"], config.val_frames)
    return train_realesrgan(config, sampler, validation, Path(run_dir), ctx=init_distributed("cuda"), progress=False)


if __name__ == "__main__":
    train(sys.argv[1], sys.argv[2])
"""


def test_cuda_training_killed_and_resumed_equals_uninterrupted(
    tiny_cache: Path, tmp_path: Path, same_weights: Callable[[Path, Path], bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in DETERMINISTIC_ENV.items():
        monkeypatch.setenv(name, value)
    script = tmp_path / "train_cuda.py"
    script.write_text(SCRIPT)
    run = tmp_path / "killed"
    env = {**os.environ, FAULT_ENV: "kill-after-iteration:5"}
    killed = subprocess.run(
        [sys.executable, str(script), str(tiny_cache), str(run)], env=env, capture_output=True, text=True, timeout=600
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert [i for i, _ in checkpoint_dirs(run)][-1] == 4

    train = runpy.run_path(str(script), run_name="cuda_resume_test")["train"]
    try:
        resumed = train(str(tiny_cache), str(run))
        reference = train(str(tiny_cache), str(tmp_path / "uninterrupted"))
    finally:
        torch.use_deterministic_algorithms(False)
    assert resumed.iterations == reference.iterations == 8
    assert resumed.history == reference.history
    for name in ("model", "discriminator", "checkpoints/iter_0000008/ema"):
        assert same_weights(run / f"{name}.safetensors", tmp_path / "uninterrupted" / f"{name}.safetensors"), name


def _args(command: str, *flag: str) -> list[str]:
    return [command, *flag, "resrgan-b", "--dataset", "NUC", "--budget", "tiny", "--device", "cuda"]


def test_cli_train_predict_score_on_cuda(tiny_cache: Path, tmp_path: Path, entry_points_from_setup_cfg: None) -> None:
    data = ["--cache-dir", str(tiny_cache), "--source", "simulated", "--size", "tiny", "--quiet"]
    runner = CliRunner()
    workdir = ["--workdir", str(tmp_path / "work")]
    trained = runner.invoke(
        cli_main,
        [*_args("train"), *workdir, *data],
        catch_exceptions=False,
    )
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "pred"
    predicted = runner.invoke(
        cli_main,
        [*_args("predict", "--method"), *workdir, *data, "--out", str(out)],
        catch_exceptions=False,
    )
    assert predicted.exit_code == 0, predicted.output
    assert json.loads((out / "predictions.json").read_text())["datasets"]["NUC"]["n"] == 8

    evaluated = runner.invoke(
        cli_main,
        [*_args("evaluate", "--method"), *workdir, "--out", str(tmp_path / "results"), *data, "--json"],
        catch_exceptions=False,
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert '"device": "cuda' in evaluated.output


def test_torchrun_one_process_on_cuda(tiny_cache: Path, tmp_path: Path) -> None:
    # One process per GPU is the launch recipe of docs/baselines.md; with one GPU the world has size 1. Several
    # processes on one GPU are refused by NCCL, so the multi-GPU path needs a multi-GPU machine.
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    assert torchrun is not None
    args = [torchrun, "--standalone", "--nproc_per_node=1", "-m", "microsr_bench.cli", "train", "resrgan-b"]
    args += ["--dataset", "MITO", "--budget", "tiny", "--device", "cuda", "--workdir", str(tmp_path), "--quiet"]
    args += ["--cache-dir", str(tiny_cache), "--source", "simulated", "--size", "tiny", "--json"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list((tmp_path / "models").glob("resrgan-b_tiny_simulated-tiny_MITO_full_seed0.safetensors"))
