"""A training run killed with SIGKILL and resumed ends with the same weights, bit for bit, as an uninterrupted one.

The killed run is a subprocess (SIGKILL cannot be caught, so nothing gets a chance to tidy up); the resumed and
the uninterrupted runs execute in this process with the same thread count (one). Expected: every tensor of the
saved safetensors files equal bit for bit, and equal metadata. The training is a deterministic function of
config, data and seed on one device, so any state a checkpoint forgot (an RNG, the epoch order, Adam's moments,
the EMA, the spectral norm's power-iteration vectors, the early-stopping counters) would show up as a difference.
"""

from __future__ import annotations

import os
import runpy
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from baselines.realesrgan.train_checkpoint import FAULT_ENV, checkpoint_dirs

pytestmark = pytest.mark.usefixtures("one_thread")

SCRIPT = """
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import torch

from microsr_bench.data import load_benchmark
from baselines.realesrgan.data import PairedPatchSampler, SyntheticPatchSampler, make_synthesis
from baselines.realesrgan.train import train_realesrgan
from baselines.realesrgan.train_config import config_for
from baselines.realesrgan.train_validate import ValidationSet


def train(cache, run_dir, mode):
    bench = load_benchmark("MITO", source="simulated", size="tiny", cache_dir=cache, progress=False)
    # A fast-moving EMA and a larger step so that every iteration changes the shipped weights.
    config = dataclasses.replace(config_for("tiny"), lr=5e-3, ema_decay=0.5, max_iters=8, patience=100)
    common = dict(patch_size=config.patch_size, batch_size=config.batch_size, seed=config.seed)
    if mode == "paired":
        sampler = PairedPatchSampler(bench["train"], **common)
    else:
        synthesis = make_synthesis("realesrgan")
        sampler = SyntheticPatchSampler(bench.hr_images("train"), synthesis, synth_crop=config.synth_crop, **common)
    validation = ValidationSet(bench["validation"], config.val_frames)
    return train_realesrgan(config, sampler, validation, Path(run_dir), progress=False)


if __name__ == "__main__":
    torch.set_num_threads(int(sys.argv[4]))
    train(sys.argv[1], sys.argv[2], sys.argv[3])
"""


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "train_tiny.py"
    path.write_text(SCRIPT)
    return path


@pytest.mark.parametrize(
    ("mode", "fault", "last_checkpoint"),
    [
        # Killed between checkpoints: iterations 5 is lost and recomputed after resuming from 4.
        ("paired", "kill-after-iteration:5", 4),
        # Killed while the third checkpoint (iteration 6) is half written: its temporary folder must be ignored.
        ("synthetic", "kill-in-checkpoint:3", 4),
    ],
)
def test_killed_run_resumes_to_identical_weights(
    tiny_cache: Path,
    script: Path,
    tmp_path: Path,
    same_weights: Callable[[Path, Path], bool],
    mode: str,
    fault: str,
    last_checkpoint: int,
) -> None:
    run = tmp_path / "killed"
    env = {**os.environ, FAULT_ENV: fault}
    args = [sys.executable, str(script), str(tiny_cache), str(run), mode, str(torch.get_num_threads())]
    assert torch.get_num_threads() == 1
    killed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert [i for i, _ in checkpoint_dirs(run)][-1] == last_checkpoint
    assert not (run / "model.safetensors").exists()
    if fault.startswith("kill-in-checkpoint"):
        assert any(p.name.startswith(".tmp-") for p in (run / "checkpoints").iterdir())

    trainer = runpy.run_path(str(script), run_name="resume_test")["train"]
    resumed = trainer(str(tiny_cache), str(run), mode)
    reference = trainer(str(tiny_cache), str(tmp_path / "uninterrupted"), mode)

    assert resumed.iterations == reference.iterations == 8
    assert resumed.history == reference.history
    for name in (
        "model",
        "discriminator",
        *(f"checkpoints/iter_0000008/{n}" for n in ("generator", "ema", "best_ema")),
    ):
        assert same_weights(run / f"{name}.safetensors", tmp_path / "uninterrupted" / f"{name}.safetensors"), name
    assert not any(p.name.startswith(".tmp-") for p in (run / "checkpoints").iterdir())
