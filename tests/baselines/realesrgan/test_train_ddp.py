"""DistributedDataParallel on CPU: ``torchrun --nproc_per_node=2`` with Gloo trains like one process with the same
global batch.

Expected numbers: two processes of 2 patches each draw the same patches as one process of 4 (the stream is
sharded, see test_data.py), and DDP averages the two halves' gradients, which equals the gradient of the mean
loss over 4 patches; so the weights agree up to float rounding of the reduction order, which Adam amplifies on
parameters with tiny gradients (its step is about lr * sign(gradient) there). Measured on this CPU after 6 steps:
max |diff| 1.5e-8 to 4e-6 (generator) and 5e-6 (discriminator). A broken sharding is far off: one process
training on either half of the batch alone differs from the full batch by 2e-3 (generator) and 3e-2
(discriminator), so the bounds below (1e-4 and 1e-3) separate the two cases by more than a factor of 20.
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from baselines.realesrgan import read_weights

pytestmark = pytest.mark.usefixtures("one_thread")

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
    ctx = init_distributed("cpu")
    bench = load_benchmark("MITO", source="simulated", size="tiny", cache_dir=cache, progress=False)
    config = dataclasses.replace(config_for("tiny"), batch_size=4 // ctx.world_size, ema_decay=0.5, patience=100)
    sampler = PairedPatchSampler(
        bench["train"], patch_size=config.patch_size, batch_size=config.batch_size, seed=config.seed,
        rank=ctx.rank, world_size=ctx.world_size,
    )
    validation = ValidationSet(bench["validation"], config.val_frames)
    result = train_realesrgan(config, sampler, validation, Path(run_dir), ctx=ctx, progress=False)
    ctx.close()
    return result


if __name__ == "__main__":
    torch.set_num_threads(1)
    train(sys.argv[1], sys.argv[2])
"""


def _max_diff(a: Path, b: Path) -> float:
    ta, tb = read_weights(a)[0], read_weights(b)[0]
    return max(float((ta[k].double() - tb[k].double()).abs().max()) for k in ta)


def test_torchrun_two_processes_match_one_process(tiny_cache: Path, tmp_path: Path) -> None:
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    assert torchrun is not None, "torchrun ships with torch; it must be on the venv's PATH"
    script = tmp_path / "ddp_train.py"
    script.write_text(SCRIPT)
    ddp_dir, single_dir = tmp_path / "ddp", tmp_path / "single"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = [torchrun, "--standalone", "--nproc_per_node=2", str(script), str(tiny_cache), str(ddp_dir)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    train: Callable[[str, str], object] = runpy.run_path(str(script), run_name="ddp_test")["train"]
    train(str(tiny_cache), str(single_dir))

    final = "checkpoints/iter_0000006"
    assert _max_diff(ddp_dir / f"{final}/generator.safetensors", single_dir / f"{final}/generator.safetensors") < 1e-4
    assert _max_diff(ddp_dir / "model.safetensors", single_dir / "model.safetensors") < 1e-4
    d_diff = _max_diff(
        ddp_dir / f"{final}/discriminator.safetensors", single_dir / f"{final}/discriminator.safetensors"
    )
    assert d_diff < 1e-3
    state = torch.load(ddp_dir / f"{final}/state.pt", weights_only=True)
    assert state["world_size"] == 2
