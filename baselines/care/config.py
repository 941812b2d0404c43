"""CARE's typed training configuration and its three budgets (``tiny``, ``cpu``, ``paper``).

CSBDeep ``Config`` defaults (``csbdeep/models/config.py``), used by the ``paper`` budget: ``train_loss="mae"``,
``train_learning_rate=0.0004`` (Adam), ``train_batch_size=16``, ``train_epochs=100``,
``train_steps_per_epoch=400``, ``train_reduce_lr={"factor": 0.5, "patience": 10}`` (Keras
``ReduceLROnPlateau`` on the validation loss, per epoch), and the weights of the best validation epoch are the
ones kept (``train_checkpoint="weights_best.h5"``). Our choices where CSBDeep's are about data preparation:
128x128 HR training patches (CSBDeep's examples use 128x128 or 64x64), validation on real LR/HR frames with the
benchmark's SSIM instead of the normalised validation loss, and no augmentation (as RESRGan-B).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from baselines.care.unet import UNetConfig
from microsr_bench.errors import ConfigError
from microsr_bench.registry import unknown_name

__all__ = ["CARE_SIZES", "CareConfig", "care_config"]

CareSize = Literal["tiny", "cpu", "paper"]
CARE_SIZES: tuple[CareSize, ...] = get_args(CareSize)


@dataclass(frozen=True)
class CareConfig:
    """Everything that determines a CARE training run (with the data and the seed)."""

    #: The U-Net (CSBDeep defaults).
    unet: UNetConfig = field(default_factory=UNetConfig)
    #: Adam learning rate (CSBDeep ``train_learning_rate``).
    lr: float = 4e-4
    #: Patches per step (CSBDeep ``train_batch_size``).
    batch_size: int = 16
    #: Side of the HR training patch (ours; the LR patch is half of it).
    patch_size: int = 128
    #: Epochs (CSBDeep ``train_epochs``).
    epochs: int = 100
    #: Steps per epoch (CSBDeep ``train_steps_per_epoch``); validation and the plateau schedule run per epoch.
    steps_per_epoch: int = 400
    #: ReduceLROnPlateau factor and patience in epochs (CSBDeep ``train_reduce_lr``).
    plateau_factor: float = 0.5
    plateau_patience: int = 10
    #: Validation frames (evenly spread over the validation split; 0 = all).
    val_frames: int = 110
    #: Frames per validation forward pass.
    val_batch_size: int = 4
    #: Validation score that picks the shipped weights and drives the plateau schedule (higher is better).
    val_metric: Literal["psnr", "ssim"] = "ssim"
    #: CSBDeep ``no_background_patches(threshold, percentile)``: patches are centred only where the HR image's
    #: maximum filter exceeds ``background_threshold`` times its ``background_percentile``-th percentile
    #: (``background_threshold = 0`` keeps every position).
    background_threshold: float = 0.4
    background_percentile: float = 99.9
    #: Write a checkpoint every this many epochs (and at the end).
    checkpoint_every: int = 5
    #: Seed of the initialisation, the patch stream and the percentile draws.
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.unet, UNetConfig):
            raise ConfigError(f"CareConfig.unet must be a UNetConfig, got {type(self.unet).__name__}.")
        for name in ("batch_size", "patch_size", "epochs", "steps_per_epoch", "plateau_patience", "val_batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"CareConfig.{name} must be an integer >= 1, got {value!r}.")
        for name in ("val_frames", "seed", "checkpoint_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"CareConfig.{name} must be an integer >= 0, got {value!r}.")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0) or not 0 < self.plateau_factor < 1:
            raise ConfigError(
                f"CareConfig needs lr > 0 and 0 < plateau_factor < 1, got lr={self.lr!r}, "
                f"plateau_factor={self.plateau_factor!r} (CSBDeep: 4e-4 and 0.5)."
            )
        if self.patch_size % (2 * self.unet.multiple):
            raise ConfigError(
                f"CareConfig.patch_size must be a multiple of {2 * self.unet.multiple} (an even LR patch and "
                f"{self.unet.multiple} for the U-Net's pooling), got {self.patch_size}."
            )
        if not (0 <= self.background_threshold <= 1 and 0 <= self.background_percentile <= 100):
            raise ConfigError(
                f"CareConfig needs 0 <= background_threshold <= 1 and 0 <= background_percentile <= 100, got "
                f"{self.background_threshold!r} and {self.background_percentile!r} (CSBDeep: 0.4 and 99.9)."
            )
        if self.val_metric not in ("psnr", "ssim"):
            raise ConfigError(f"CareConfig.val_metric must be psnr or ssim, got {self.val_metric!r}.")

    @property
    def max_iters(self) -> int:
        return self.epochs * self.steps_per_epoch

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["unet"] = self.unet.to_dict()
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> CareConfig:
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in values if k not in known]
        if unknown:
            raise ConfigError(f"Unknown CareConfig key(s) {unknown}; valid keys: {', '.join(known)}.")
        kwargs = dict(values)
        if isinstance(kwargs.get("unet"), Mapping):
            kwargs["unet"] = UNetConfig.from_dict(kwargs["unet"])
        return cls(**kwargs)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON: names runs and guards resumption."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _tiny() -> CareConfig:
    # Seconds: an 8-feature U-Net on 32 px patches, 3 epochs of 2 steps.
    return CareConfig(
        unet=UNetConfig(n_first=8),
        batch_size=2,
        patch_size=32,
        epochs=3,
        steps_per_epoch=2,
        plateau_patience=1,
        val_frames=4,
        checkpoint_every=1,
    )


def _cpu() -> CareConfig:
    # CSBDeep's network and optimiser unchanged; fewer, smaller patches per step and fewer steps so that one
    # training on the full simulated data takes minutes on 2 cores. In the validation curve of 600 iterations
    # (tools/training_curves.py --iterations 600: docs/figures/curve_care_MITO_full_600it.png) nothing after
    # iteration 300 beats the best epoch (250): 6 epochs of 50 steps keep it and halve the time (docs/baselines.md).
    return CareConfig(
        batch_size=8,
        patch_size=64,
        epochs=6,
        steps_per_epoch=50,
        plateau_patience=3,
        val_frames=20,
        checkpoint_every=2,
    )


_PRESETS = {"tiny": _tiny, "cpu": _cpu, "paper": CareConfig}


def care_config(size: str, *, seed: int = 0) -> CareConfig:
    """The CARE training config of a budget: ``tiny`` (tests), ``cpu`` (minutes on 2 cores), ``paper`` (CSBDeep)."""
    if size == "short":
        raise ConfigError(
            "CARE has no 'short' budget: that budget fine-tunes the paper's Real-ESRGAN networks from pre-trained "
            "weights, and CARE has none to start from. Use --budget cpu (minutes on 2 cores) or paper (CSBDeep's)."
        )
    if size not in _PRESETS:
        raise unknown_name("training budget", size, list(CARE_SIZES))
    return dataclasses.replace(_PRESETS[size](), seed=seed)
