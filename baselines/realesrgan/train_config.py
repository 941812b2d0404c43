"""Typed training configuration of the Real-ESRGAN baselines and its four sizes (tiny, cpu, short, paper).

Defaults are the paper's (section IV-C and V-A): learning rate 5e-4 with cosine annealing, 128x128 HR patches
(64x64 LR), GAN weight lambda = 0.1, perceptual weight eta = 1, L1 weight 1, at most 10,000 iterations, early
stopping after 500 iterations without validation improvement, a 1,000-iteration warm-up without stopping
when the learning rate is high, and no augmentation. What the paper leaves open comes from the official
``options/train_realesrgan_x2plus.yml`` of xinntao/Real-ESRGAN: Adam with betas (0.9, 0.99) and no weight
decay for both networks, 12 patches per GPU (``batch_size_per_gpu: 12``; the official run used 4 GPUs, so 48
in all), EMA decay 0.999, USM-sharpened targets for the L1 and perceptual terms, vanilla GAN loss, one
discriminator step per generator step.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from baselines.realesrgan.discriminator import DiscriminatorConfig
from baselines.realesrgan.losses import LossConfig
from baselines.realesrgan.rrdbnet import RRDBNetConfig
from microsr_bench.errors import ConfigError
from microsr_bench.registry import did_you_mean, unknown_name

__all__ = [
    "LOWER_IS_BETTER",
    "OFFICIAL_LR",
    "SIZES",
    "ConfigSize",
    "TrainConfig",
    "ValMetric",
    "VggKind",
    "config_for",
]

ConfigSize = Literal["tiny", "cpu", "short", "paper"]
SIZES: tuple[ConfigSize, ...] = get_args(ConfigSize)
ValMetric = Literal["psnr", "ssim", "niqe", "kid"]
#: Validation metrics where a lower value is better (early stopping keeps the lowest).
LOWER_IS_BETTER: frozenset[str] = frozenset({"niqe", "kid"})
VggKind = Literal["imagenet", "random-narrow"]

#: Learning rate of the official Real-ESRGAN x2plus training and fine-tuning configs. A rate above it is
#: "high" in the paper's sense: such runs get the warm-up during which early stopping is off.
OFFICIAL_LR = 1e-4

_NESTED: dict[str, Any] = {"generator": RRDBNetConfig, "discriminator": DiscriminatorConfig, "loss": LossConfig}


def _gray_generator() -> RRDBNetConfig:
    return RRDBNetConfig(num_in_ch=1, num_out_ch=1, scale=2)


def _gray_discriminator() -> DiscriminatorConfig:
    return DiscriminatorConfig(num_in_ch=1)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a Real-ESRGAN training run (with the data and the initial weights).

    Build one with :func:`config_for` (``tiny``, ``cpu``, ``short`` or ``paper``) and adjust with
    ``dataclasses.replace``, or from a mapping with :meth:`from_dict` (unknown keys are an error).
    """

    #: Generator architecture: the official x2plus RRDBNet with one input and output channel.
    generator: RRDBNetConfig = field(default_factory=_gray_generator)
    #: Discriminator architecture: the official U-Net with one input channel.
    discriminator: DiscriminatorConfig = field(default_factory=_gray_discriminator)
    #: Loss weights (L1 1, perceptual eta 1, GAN lambda 0.1) and USM choices; official x2plus values.
    loss: LossConfig = field(default_factory=LossConfig)
    #: VGG19 for the perceptual term: torchvision's ImageNet weights (the official choice; a file that must be
    #: present, see docs/baselines.md) or a narrow random VGG19 (tests only). Unused when eta is 0.
    vgg: VggKind = "imagenet"
    #: Stage widths of the narrow random VGG19 (``vgg="random-narrow"`` only).
    vgg_widths: tuple[int, int, int, int, int] = (4, 4, 8, 8, 8)
    #: Learning rate of both networks (paper: 5e-4; official Real-ESRGAN: 1e-4).
    lr: float = 5e-4
    #: Floor of the cosine annealing (BasicSR's CosineAnnealingRestartLR configs use 1e-7).
    eta_min: float = 1e-7
    #: Adam betas of both networks (official: 0.9, 0.99).
    betas: tuple[float, float] = (0.9, 0.99)
    #: Patches per process and step (official ``batch_size_per_gpu: 12``); under torchrun the global batch is
    #: this times the number of processes.
    batch_size: int = 12
    #: Side of the HR training patch in pixels (paper: 128); the LR patch is half of it (64).
    patch_size: int = 128
    #: RESRGan-S only: side of the HR crop that is degraded before the patch is cut from the pair (the official
    #: dataset crops 400 pixels and the model then cuts 256; we keep the same 2:1 ratio of crop to patch).
    synth_crop: int = 256
    #: Maximum number of iterations (paper: 10,000); the cosine schedule spans them.
    max_iters: int = 10_000
    #: Validate the EMA generator every this many iterations (and at the last one).
    val_every: int = 100
    #: Validation frames used (evenly spread over the validation split; 0 = all of them).
    val_frames: int = 110
    #: Frames per validation forward pass.
    val_batch_size: int = 8
    #: Metric whose improvement early stopping watches and that picks the shipped weights: ``ssim``/``psnr``
    #: (float recipe, data range 1), ``niqe`` (no reference, lower is better) or ``kid`` (predictions against
    #: the validation HR images on FID-Inception features, lower is better); the paper selects by NIQE/FID.
    val_metric: ValMetric = "ssim"
    #: Stop after this many iterations without a better validation score (paper: 500).
    patience: int = 500
    #: No early stopping before this iteration when ``lr`` is above ``high_lr_threshold`` (paper: 1,000).
    warmup_iters: int = 1_000
    #: Learning rates strictly above this count as "high" (default: the official Real-ESRGAN rate, 1e-4).
    high_lr_threshold: float = OFFICIAL_LR
    #: EMA decay of the generator weights (official 0.999); the EMA generator is validated and shipped.
    ema_decay: float = 0.999
    #: Write a checkpoint every this many iterations (and at the end).
    checkpoint_every: int = 500
    #: Completed checkpoints kept on disk (the newest ones).
    keep_checkpoints: int = 2
    #: Seed of every random choice: initialisation, frame order, patch positions, degradations.
    seed: int = 0

    def __post_init__(self) -> None:
        for name, kind in _NESTED.items():
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"TrainConfig.{name} must be a {kind.__name__}, got {type(getattr(self, name))}.")
        if self.generator.num_in_ch != 1 or self.generator.num_out_ch != 1 or self.generator.scale != 2:
            raise ConfigError(
                f"TrainConfig.generator must be a 1-channel x2 RRDBNet, got {self.generator}. Set num_in_ch=1, "
                "num_out_ch=1, scale=2."
            )
        if self.discriminator.num_in_ch != 1:
            raise ConfigError(f"TrainConfig.discriminator must take 1 channel, got {self.discriminator.num_in_ch}.")
        _check_choice("vgg", self.vgg, get_args(VggKind))
        _check_choice("val_metric", self.val_metric, get_args(ValMetric))
        _check_numbers(self)
        if self.patch_size % 16:
            raise ConfigError(
                f"TrainConfig.patch_size must be a multiple of 16 (the discriminator needs multiples of 8 and the "
                f"LR patch is half the HR one), got {self.patch_size}."
            )
        if self.synth_crop % 2 or self.synth_crop < self.patch_size:
            raise ConfigError(
                f"TrainConfig.synth_crop must be even and at least patch_size={self.patch_size}, got {self.synth_crop}."
            )

    @property
    def lr_patch_size(self) -> int:
        """Side of the LR training patch: half the HR patch."""
        return self.patch_size // 2

    @property
    def adversarial(self) -> bool:
        """Whether a discriminator is trained: a GAN weight above 0 (0 is Real-ESRNet's L1-only first stage)."""
        return self.loss.gan_weight > 0

    @property
    def effective_warmup(self) -> int:
        """Iterations without early stopping: ``warmup_iters`` for a high learning rate, else 0."""
        return self.warmup_iters if self.lr > self.high_lr_threshold else 0

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Build a config from a mapping (e.g. JSON); nested configs are mappings too. Unknown keys are an error."""
        if not isinstance(values, Mapping):
            raise ConfigError(f"TrainConfig.from_dict expected a mapping, got {type(values).__name__}.")
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in values if k not in known]
        if unknown:
            raise ConfigError(
                f"Unknown TrainConfig key(s) {unknown}.{did_you_mean(str(unknown[0]), known)} Valid keys: "
                f"{', '.join(known)}."
            )
        kwargs = dict(values)
        for name, kind in _NESTED.items():
            if name in kwargs and isinstance(kwargs[name], Mapping):
                kwargs[name] = kind.from_dict(kwargs[name])
        for name in ("vgg_widths", "betas"):
            if name in kwargs and isinstance(kwargs[name], list):
                kwargs[name] = tuple(kwargs[name])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The config as JSON-ready values; :meth:`from_dict` inverts it."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "loss":
                value = {k: dict(v) if k == "layer_weights" else v for k, v in dataclasses.asdict(value).items()}
            elif f.name in _NESTED:
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the config: names runs and guards resumption."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _check_choice(name: str, value: object, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ConfigError(f"TrainConfig.{name} must be one of {', '.join(valid)}, got {value!r}.")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_numbers(c: TrainConfig) -> None:
    positive_ints = ["batch_size", "patch_size", "synth_crop", "max_iters", "val_every", "val_batch_size"]
    positive_ints += ["checkpoint_every", "keep_checkpoints"]
    for name in positive_ints:
        if not _is_int(getattr(c, name)) or getattr(c, name) < 1:
            raise ConfigError(f"TrainConfig.{name} must be an integer >= 1, got {getattr(c, name)!r}.")
    for name in ("val_frames", "patience", "warmup_iters", "seed"):
        if not _is_int(getattr(c, name)) or getattr(c, name) < 0:
            raise ConfigError(f"TrainConfig.{name} must be an integer >= 0, got {getattr(c, name)!r}.")
    for name in ("lr", "eta_min", "high_lr_threshold"):
        value = getattr(c, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ConfigError(f"TrainConfig.{name} must be a number >= 0, got {value!r}.")
    if not 0 <= c.ema_decay < 1:
        raise ConfigError(f"TrainConfig.ema_decay must lie in [0, 1), got {c.ema_decay!r} (official: 0.999).")
    if len(c.betas) != 2 or not all(0 <= b < 1 for b in c.betas):
        raise ConfigError(f"TrainConfig.betas must be two numbers in [0, 1), got {c.betas!r} (official: 0.9, 0.99).")
    if len(c.vgg_widths) != 5 or not all(_is_int(w) and w >= 1 for w in c.vgg_widths):
        raise ConfigError(f"TrainConfig.vgg_widths must be five positive integers, got {c.vgg_widths!r}.")


def _tiny() -> TrainConfig:
    # Seconds on a CPU: a one-block, 8-feature generator, 32-pixel HR patches (the smallest side the USM's
    # 51-tap reflect padding accepts is 26) and a narrow random VGG19 so that every loss term runs.
    return TrainConfig(
        generator=RRDBNetConfig(1, 1, 2, num_feat=8, num_block=1, num_grow_ch=4),
        discriminator=DiscriminatorConfig(1, num_feat=8),
        vgg="random-narrow",
        batch_size=2,
        patch_size=32,
        synth_crop=80,
        max_iters=6,
        val_every=2,
        val_frames=4,
        val_batch_size=4,
        patience=4,
        warmup_iters=4,
        checkpoint_every=2,
        # With 6 iterations an EMA of 0.999 would keep 99.4 % of the starting weights, so every fit would
        # ship (almost) its initialisation; 0.5 lets the few steps show.
        ema_decay=0.5,
    )


def _cpu() -> TrainConfig:
    # Minutes on 2 CPU cores with the simulated "small" data (measured: 600 iterations in about 9 minutes on a busy
    # 2-core machine, docs/baselines.md). The generator keeps the RRDB design at a fraction of the size (32
    # features, 4 blocks, growth 16: 0.76 M parameters instead of 16.7 M), patches are 64 px HR, and the perceptual
    # term is off: on a 64 px patch VGG19 (to conv5_4, forward twice, backward once) needs ~6 GMAC, about 8 times
    # the reduced generator (estimated from layer sizes), and its ImageNet weights are a 548 MB file. Patience and
    # warm-up are larger fractions of the budget than the paper's (150 and 100 of 600) so that several validations
    # happen before a stop.
    return TrainConfig(
        generator=RRDBNetConfig(1, 1, 2, num_feat=32, num_block=4, num_grow_ch=16),
        discriminator=DiscriminatorConfig(1, num_feat=16),
        loss=LossConfig(perceptual_weight=0.0),
        batch_size=8,
        patch_size=64,
        synth_crop=128,
        max_iters=600,
        val_every=50,
        val_frames=20,
        patience=150,
        warmup_iters=100,
        checkpoint_every=100,
        # 0.999 is tuned for hundreds of thousands of iterations: after 600 it still keeps 0.999^600 = 55 % of
        # the starting weights. 0.99 keeps 0.99^600 = 0.2 %, an average over the last ~100 iterations.
        ema_decay=0.99,
    )


def _short() -> TrainConfig:
    # A short fine-tune of the paper's networks, sized so that it runs on 2 CPU cores (about 20 minutes of training
    # on MITO, docs/baselines.md) and in about a minute on one GPU. It is the only budget besides `paper` whose
    # generator takes the official pre-trained weights (64 features, 23 blocks: ``init="auto"`` starts it from
    # x4plus), and it keeps the paper's discriminator (64 features). Schedule, patches, learning rate and losses
    # are the `cpu` budget's, so the networks and their starting point are what differs: 8 x 64-px patches, the
    # paper's 5e-4 with cosine annealing, no perceptual term (the ImageNet VGG19 is a 548 MB file that does not
    # travel offline), validation every 50 iterations with patience 150 after a 100-iteration warm-up, over 300
    # iterations instead of 600 (each costs ~5 times a `cpu` one). EMA 0.98 keeps 0.98^300 = 0.2 % of the start,
    # whose conv_first is freshly initialised by the x2plus loading rule.
    return dataclasses.replace(
        _cpu(),
        generator=_gray_generator(),
        discriminator=_gray_discriminator(),
        max_iters=300,
        val_frames=10,
        checkpoint_every=50,
        ema_decay=0.98,
    )


_PRESETS = {"tiny": _tiny, "cpu": _cpu, "short": _short, "paper": TrainConfig}


def config_for(size: str, *, seed: int = 0) -> TrainConfig:
    """The training config of a size: ``tiny`` (tests, seconds), ``cpu`` (minutes on CPU), ``short`` (the paper's
    networks, fine-tuned briefly from pre-trained weights; CPU or GPU) or ``paper`` (GPU)."""
    if size not in _PRESETS:
        raise unknown_name("training budget", size, list(SIZES))
    return dataclasses.replace(_PRESETS[size](), seed=seed)
