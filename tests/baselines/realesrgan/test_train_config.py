"""Tests of the training configuration: the paper's and the official defaults, validation, the three sizes."""

from __future__ import annotations

import dataclasses

import pytest

from baselines.realesrgan import DiscriminatorConfig, LossConfig, RRDBNetConfig
from baselines.realesrgan.train_config import OFFICIAL_LR, TrainConfig, config_for
from microsr_bench.errors import ConfigError, UnknownNameError


def test_paper_defaults() -> None:
    # Paper, section V-A: "learning rate 5e-4 and cosine-annealing scheduling, patch size 128x128, loss weights
    # lambda = 1e-1 and eta = 1, and a 10,000 iteration runtime"; section IV-C: early stopping 500, warm-up 1000.
    c = config_for("paper")
    assert c.lr == 5e-4
    assert (c.patch_size, c.lr_patch_size) == (128, 64)
    assert (c.loss.gan_weight, c.loss.perceptual_weight, c.loss.pixel_weight) == (0.1, 1.0, 1.0)
    assert (c.max_iters, c.patience, c.warmup_iters) == (10_000, 500, 1_000)
    # Official train_realesrgan_x2plus.yml: Adam betas [0.9, 0.99], batch_size_per_gpu 12, ema_decay 0.999,
    # lr 1e-4, l1_gt_usm/percep_gt_usm True, gan_gt_usm False; network_g/network_d as official (1 channel here).
    assert c.betas == (0.9, 0.99) and c.batch_size == 12 and c.ema_decay == 0.999 and OFFICIAL_LR == 1e-4
    assert (c.loss.l1_gt_usm, c.loss.percep_gt_usm, c.loss.gan_gt_usm) == (True, True, False)
    assert c.generator == RRDBNetConfig(num_in_ch=1, num_out_ch=1, scale=2, num_feat=64, num_block=23, num_grow_ch=32)
    assert c.discriminator == DiscriminatorConfig(num_in_ch=1, num_feat=64, skip_connection=True)
    assert c.vgg == "imagenet"


def test_warmup_applies_only_to_high_learning_rates() -> None:
    # "High" = above the official 1e-4: the paper's 5e-4 gets the 1,000-iteration warm-up, 1e-4 gets none.
    assert config_for("paper").effective_warmup == 1_000
    assert dataclasses.replace(config_for("paper"), lr=1e-4).effective_warmup == 0


def test_sizes_differ_and_seed_is_applied() -> None:
    tiny, cpu, paper = (config_for(s, seed=3) for s in ("tiny", "cpu", "paper"))
    assert tiny.seed == cpu.seed == paper.seed == 3
    assert tiny.generator.num_block < cpu.generator.num_block < paper.generator.num_block
    assert cpu.loss.perceptual_weight == 0.0  # documented: cpu drops the VGG term
    assert len({tiny.fingerprint(), cpu.fingerprint(), paper.fingerprint()}) == 3


def test_short_is_the_cpu_schedule_on_the_paper_networks() -> None:
    # docs/baselines.md: the paper's generator and discriminator (so x4plus fits), the cpu budget's patches,
    # learning rate and losses, 300 iterations.
    short, cpu, paper = config_for("short", seed=2), config_for("cpu"), config_for("paper")
    assert short.generator == paper.generator == RRDBNetConfig(1, 1, 2)
    assert short.discriminator == paper.discriminator
    assert short.loss == cpu.loss and short.loss.perceptual_weight == 0.0
    assert (short.batch_size, short.patch_size, short.lr) == (cpu.batch_size, cpu.patch_size, cpu.lr)
    assert (short.max_iters, short.val_every, short.val_frames, short.ema_decay) == (300, 50, 10, 0.98)
    assert short.seed == 2
    assert short.max_iters > short.effective_warmup + short.val_every  # early stopping can act


def test_round_trip_through_dict() -> None:
    for size in ("tiny", "cpu", "short", "paper"):
        c = config_for(size)
        assert TrainConfig.from_dict(c.to_dict()) == c
        assert TrainConfig.from_dict(c.to_dict()).fingerprint() == c.fingerprint()


def test_fingerprint_changes_with_any_field() -> None:
    base = config_for("tiny")
    assert dataclasses.replace(base, lr=1e-3).fingerprint() != base.fingerprint()
    assert dataclasses.replace(base, loss=LossConfig(gan_weight=0.2)).fingerprint() != base.fingerprint()


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"Unknown TrainConfig key\(s\) \['learning_rate'\]"):
        TrainConfig.from_dict({"learning_rate": 1e-3})
    with pytest.raises(ConfigError, match="Did you mean 'patience'"):
        TrainConfig.from_dict({"patinece": 3})
    with pytest.raises(ConfigError, match="Unknown RRDBNet config key"):
        TrainConfig.from_dict({"generator": {"blocks": 3}})
    with pytest.raises(ConfigError, match="expected a mapping"):
        TrainConfig.from_dict([("lr", 1)])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"patch_size": 40}, "multiple of 16"),
        ({"synth_crop": 16}, "synth_crop must be even and at least"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"max_iters": 1.5}, "max_iters must be an integer"),
        ({"patience": -1}, "patience must be an integer >= 0"),
        ({"lr": -1.0}, "lr must be a number >= 0"),
        ({"ema_decay": 1.0}, r"ema_decay must lie in \[0, 1\)"),
        ({"betas": (0.9, 1.5)}, "betas must be two numbers"),
        ({"vgg": "resnet"}, "vgg must be one of imagenet, random-narrow"),
        ({"val_metric": "lpips"}, "val_metric must be one of psnr, ssim"),
        ({"vgg_widths": (4, 4)}, "vgg_widths must be five positive integers"),
        ({"generator": RRDBNetConfig()}, "1-channel x2 RRDBNet"),
        ({"discriminator": DiscriminatorConfig()}, "discriminator must take 1 channel"),
        ({"loss": {"gan_weight": 0.1}}, "loss must be a LossConfig"),
    ],
)
def test_invalid_values(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        dataclasses.replace(config_for("tiny"), **change)  # type: ignore[arg-type]


def test_unknown_size() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'paper'"):
        config_for("papr")
