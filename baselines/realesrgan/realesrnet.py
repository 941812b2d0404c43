"""Real-ESRNet: the L1-only first stage of Real-ESRGAN, as a baseline of its own (``realesrnet``).

Real-ESRGAN is trained in two stages (Wang et al. 2021, section 4.1): Real-ESRNet with the L1 loss alone, then
Real-ESRGAN from it with L1, perceptual and GAN losses. The official ``options/train_realesrnet_x2plus.yml``
of xinntao/Real-ESRGAN sets ``pixel_opt: L1Loss, loss_weight 1.0``, no ``perceptual_opt``, no ``gan_opt`` and no
discriminator, with USM-sharpened targets (``gt_usm: True``). Scoring it beside RESRGan-B separates what the
network learns from the pairs from what the GAN adds.

Everything else is RESRGan-B's per-dataset recipe, so that the loss is the only difference: the same generator,
patches, learning rate schedule, EMA, validation, early stopping and budgets (:func:`realesrnet_config`), the
same initial weights (:func:`~baselines.realesrgan.recipes.initial_weights`: x4plus by the official x2plus rule
for the paper-size network, scratch for the reduced ones), trained on the split the protocol hands over
(paired: the dataset at its shots; zero-shot: the source dataset). There is no MITO base stage: Real-ESRNet
goes from the pre-trained weights to the split in one stage.
"""

from __future__ import annotations

import dataclasses

import datasets

from baselines.realesrgan.losses import LossConfig
from baselines.realesrgan.method import _ResrganMethod
from baselines.realesrgan.recipes import initial_weights, train_paired
from baselines.realesrgan.train_config import TrainConfig, config_for

__all__ = ["REALESRNET_LOSS", "RealESRNet", "realesrnet_config"]

#: ``train_realesrnet_x2plus.yml``: L1 with weight 1 on the USM-sharpened target, nothing else.
REALESRNET_LOSS = LossConfig(pixel_weight=1.0, perceptual_weight=0.0, gan_weight=0.0, l1_gt_usm=True)


def realesrnet_config(size: str, *, seed: int = 0) -> TrainConfig:
    """RESRGan-B's config of a budget with Real-ESRNet's loss (no perceptual term, no GAN, no discriminator)."""
    return dataclasses.replace(config_for(size, seed=seed), loss=REALESRNET_LOSS)


class RealESRNet(_ResrganMethod):
    """Real-ESRNet x2 trained with L1 only on the split the protocol gives (see the module docstring)."""

    name = "realesrnet"
    title = "Real-ESRNet (L1 only)"

    @classmethod
    def budget_config(cls, budget: str, seed: int) -> TrainConfig:
        return realesrnet_config(budget, seed=seed)

    def fit(self, train: datasets.Dataset, validation: datasets.Dataset) -> RealESRNet:
        start, kind = initial_weights(self.config, self.official_weights, self.init)
        run = train_paired(
            self.name,
            "paired",
            self.config,
            train,
            validation,
            start,
            kind,
            self.workdir,
            self.options.device,
            self.resume,
            self.options.progress,
        )
        self._adopt(run, train, {"stage": "paired"})
        return self
