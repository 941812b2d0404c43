"""Tests of the training loop: one step lowers the loss, early stopping, checkpoints, reuse and refusal on resume."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import random
from pathlib import Path

import pytest
import torch

from baselines.realesrgan.data import PairedPatchSampler, PatchBatch
from baselines.realesrgan.train import InitialWeights, Trainer, train_realesrgan
from baselines.realesrgan.train_checkpoint import (
    capture_rng,
    checkpoint_dirs,
    load_checkpoint,
    restore_rng,
    write_checkpoint,
)
from baselines.realesrgan.train_config import TrainConfig, config_for
from baselines.realesrgan.train_dist import DistContext, init_distributed, resolve_device
from baselines.realesrgan.train_validate import EarlyStopping, ValidationSet
from microsr_bench.data import BenchmarkDict
from microsr_bench.errors import ConfigError, DataError, InvalidArgumentError

pytestmark = pytest.mark.usefixtures("one_thread")

CPU = DistContext(world_size=1, rank=0, local_rank=0, device=torch.device("cpu"))


def _sampler(bench: BenchmarkDict, config: TrainConfig) -> PairedPatchSampler:
    return PairedPatchSampler(bench["train"], patch_size=config.patch_size, batch_size=config.batch_size, seed=0)


def test_one_step_lowers_the_generator_loss(tiny_mito: BenchmarkDict) -> None:
    # The generator objective L1 + eta * perceptual + lambda * GAN, with the discriminator held at its state
    # before the step, must drop after one Adam step on the same batch (first-order descent, small step).
    config = dataclasses.replace(config_for("tiny"), lr=1e-4, batch_size=4)
    trainer = Trainer(config, InitialWeights(), CPU)
    batch = _sampler(tiny_mito, config).next_batch()
    frozen_d = copy.deepcopy(trainer.d)

    def loss() -> float:
        # A fresh copy each time, in training mode: the spectral norm then runs the one power iteration the step
        # ran, from the same vectors (in eval mode it would use the untrained initial vectors as they are).
        with torch.no_grad():
            out = trainer.g(batch.lr)
            return float(trainer.g_loss(out, batch.hr, trainer.usm(batch.hr), copy.deepcopy(frozen_d)(out)).total)

    before = loss()
    terms = trainer.step(batch)
    after = loss()
    assert math.isclose(terms["l_g_total"], before, rel_tol=1e-5)  # the step saw the same objective
    assert after < before
    assert set(terms) == {"l_g_pix", "l_g_percep", "l_g_gan", "l_g_total", "l_d_real", "l_d_fake"}
    assert terms["l_g_percep"] > 0  # the narrow random VGG19 runs in the tiny config


def test_step_moves_the_ema_by_one_minus_decay() -> None:
    # EMA after one step: ema = d * init + (1 - d) * updated (BasicSR model_ema), checked on one tensor.
    config = dataclasses.replace(config_for("tiny"), ema_decay=0.9)
    trainer = Trainer(config, InitialWeights(), CPU)
    initial = trainer.g.conv_first.weight.detach().clone()
    batch = PatchBatch(lr=torch.rand(2, 1, 16, 16), hr=torch.rand(2, 1, 32, 32))
    trainer.step(batch)
    expected = 0.9 * initial + 0.1 * trainer.g.conv_first.weight.detach()
    assert torch.allclose(trainer.ema.module.conv_first.weight, expected, atol=1e-7)


def test_cosine_schedule_reaches_eta_min() -> None:
    # CosineAnnealingLR: lr_t = eta_min + (lr - eta_min) (1 + cos(pi t / T)) / 2; at t = T/2 it is the midpoint.
    config = dataclasses.replace(config_for("tiny"), max_iters=4, lr=1e-3, eta_min=1e-5)
    trainer = Trainer(config, InitialWeights(), CPU)
    batch = PatchBatch(lr=torch.rand(2, 1, 16, 16), hr=torch.rand(2, 1, 32, 32))
    rates = []
    for _ in range(4):
        trainer.step(batch)
        rates.append(trainer.opt_g.param_groups[0]["lr"])
    assert rates[1] == pytest.approx(1e-5 + (1e-3 - 1e-5) / 2, rel=1e-9)
    assert rates[3] == pytest.approx(1e-5, rel=1e-9)


def test_early_stopping_rules() -> None:
    stopper = EarlyStopping(patience=200, warmup=1000)
    assert stopper.update(100, {"psnr": 20.0, "ssim": 0.5}, "ssim")
    assert not stopper.update(300, {"psnr": 21.0, "ssim": 0.4}, "ssim")  # PSNR up, watched SSIM down
    assert not stopper.should_stop(300)  # 200 since the best, but inside the warm-up
    assert not stopper.should_stop(999)
    assert stopper.should_stop(1000)
    no_warmup = EarlyStopping(patience=200)
    no_warmup.update(100, {"psnr": 20.0, "ssim": 0.5}, "psnr")
    assert not no_warmup.should_stop(299) and no_warmup.should_stop(300)
    assert not no_warmup.update(400, {"psnr": math.nan, "ssim": 0.5}, "psnr")  # NaN never counts as better
    restored = EarlyStopping(patience=1)
    restored.load_state_dict(stopper.state_dict())
    assert restored == stopper


def test_run_writes_checkpoints_that_load_with_weights_only(tiny_mito: BenchmarkDict, tmp_path: Path) -> None:
    config = dataclasses.replace(config_for("tiny"), max_iters=6, checkpoint_every=2, keep_checkpoints=2, patience=100)
    result = train_realesrgan(
        config, _sampler(tiny_mito, config), ValidationSet(tiny_mito["validation"], 4), tmp_path, progress=False
    )
    assert result.iterations == 6 and not result.stopped_early
    assert [i for i, _ in checkpoint_dirs(tmp_path)] == [4, 6]  # the two newest are kept
    assert [h["iteration"] for h in result.history] == [2.0, 4.0, 6.0]
    state = torch.load(tmp_path / "checkpoints/iter_0000006/state.pt", weights_only=True)
    assert state["iteration"] == 6 and state["format"] == 1
    assert {"optim_g", "optim_d", "sched_g", "sched_d", "rng", "sampler", "early_stopping"} <= set(state)
    assert {"torch", "python"} <= set(state["rng"]) and "rng" in state["sampler"]
    assert {p.name for p in (tmp_path / "checkpoints/iter_0000006").iterdir()} == {
        "generator.safetensors",
        "ema.safetensors",
        "best_ema.safetensors",
        "discriminator.safetensors",
        "state.pt",
    }
    saved = json.loads((tmp_path / "result.json").read_text())
    assert saved["iterations"] == 6 and (tmp_path / "model.safetensors").is_file()


def test_finished_run_is_reused_and_foreign_checkpoints_refused(tiny_mito: BenchmarkDict, tmp_path: Path) -> None:
    config = dataclasses.replace(config_for("tiny"), max_iters=2, checkpoint_every=2)
    first = train_realesrgan(config, _sampler(tiny_mito, config), None, tmp_path, run_key="a", progress=False)
    stamp = (tmp_path / "model.safetensors").stat().st_mtime_ns
    again = train_realesrgan(config, _sampler(tiny_mito, config), None, tmp_path, run_key="a", progress=False)
    assert again == first and (tmp_path / "model.safetensors").stat().st_mtime_ns == stamp
    assert first.best_iteration is None  # no validation: the last EMA is shipped
    with pytest.raises(ConfigError, match="holds a finished run of other settings"):
        train_realesrgan(config, _sampler(tiny_mito, config), None, tmp_path, run_key="other", progress=False)
    (tmp_path / "result.json").unlink()  # unfinished again: the checkpoint now decides
    with pytest.raises(ConfigError, match="belongs to another run"):
        train_realesrgan(config, _sampler(tiny_mito, config), None, tmp_path, run_key="b", progress=False)
    fresh = train_realesrgan(
        config, _sampler(tiny_mito, config), None, tmp_path, run_key="b", resume=False, progress=False
    )
    assert fresh.iterations == 2


def test_checkpoint_of_unknown_format_is_refused(tmp_path: Path) -> None:
    model = torch.nn.Conv2d(1, 1, 3)
    folder = write_checkpoint(tmp_path, 1, {"net": model}, {}, keep=1)
    torch.save({"format": 99}, folder / "state.pt")
    with pytest.raises(DataError, match="not a checkpoint of format 1"):
        load_checkpoint(folder, {"net": model})


def test_rng_capture_and_restore() -> None:
    state = capture_rng()
    expected = (torch.rand(3), random.random())
    restore_rng(state)
    assert torch.equal(torch.rand(3), expected[0]) and random.random() == expected[1]


def test_single_process_context_and_device_errors() -> None:
    ctx = init_distributed("cpu")
    assert (ctx.world_size, ctx.rank, ctx.is_main, ctx.distributed) == (1, 0, True, False)
    if not torch.cuda.is_available():
        with pytest.raises(InvalidArgumentError, match="CUDA is not available here"):
            resolve_device("cuda")
    with pytest.raises(InvalidArgumentError, match="device must be"):
        resolve_device("tpu")
