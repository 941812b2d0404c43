"""Real-ESRGAN's training losses: L1, VGG19 perceptual (pre-activation features), vanilla GAN, combined.

Official settings (xinntao/Real-ESRGAN ``options/train_realesrgan_x2plus.yml``): pixel L1 weight 1;
perceptual loss on VGG19 ``conv1_2, conv2_2, conv3_4, conv4_4, conv5_4`` *before* ReLU with layer
weights ``0.1, 0.1, 1, 1, 1``, ImageNet input normalisation, L1 criterion, weight 1, no style loss;
GAN loss ``vanilla`` (binary cross-entropy on logits), real label 1, fake label 0, generator weight 0.1;
targets sharpened by USM for L1 and perceptual terms only.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from baselines.realesrgan.hub import locate_weights
from baselines.realesrgan.weights import check_state_dict, read_checkpoint
from microsr_bench.errors import ConfigError, DataError, InvalidArgumentError

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "OFFICIAL_LAYER_WEIGHTS",
    "VGG19_FILENAME",
    "VGG19_LAYER_NAMES",
    "GANLoss",
    "GeneratorLoss",
    "GeneratorLossTerms",
    "LossConfig",
    "PerceptualLoss",
    "VGGFeatureExtractor",
    "l1_loss",
    "load_vgg19_features",
    "vgg19_features",
]

#: torchvision's ImageNet VGG19 weights file (``torchvision.models.VGG19_Weights.IMAGENET1K_V1``).
VGG19_FILENAME = "vgg19-dcbb9e9d.pth"

#: Names of ``torchvision.models.vgg19().features`` modules by index (as BasicSR's ``vgg_arch.NAMES``).
VGG19_LAYER_NAMES: tuple[str, ...] = tuple(
    name
    for stage, convs in enumerate((2, 2, 4, 4, 4), start=1)
    for name in (*(f"{kind}{stage}_{i}" for i in range(1, convs + 1) for kind in ("conv", "relu")), f"pool{stage}")
)

#: Layer weights of the official perceptual loss ("before relu").
OFFICIAL_LAYER_WEIGHTS: MappingProxyType[str, float] = MappingProxyType(
    {"conv1_2": 0.1, "conv2_2": 0.1, "conv3_4": 1.0, "conv4_4": 1.0, "conv5_4": 1.0}
)

#: ImageNet statistics for inputs in [0, 1] (torchvision's VGG training normalisation).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_VGG19_WIDTHS = (64, 128, 256, 512, 512)
_VGG19_CONVS = (2, 2, 4, 4, 4)


def vgg19_features(widths: Sequence[int] = _VGG19_WIDTHS, *, last: str = "conv5_4") -> nn.Sequential:
    """VGG19's convolutional part, randomly initialised, with torchvision's module indices.

    ``widths`` are the five stage widths (torchvision: 64, 128, 256, 512, 512); narrower values give
    small networks for tests. The stack stops at layer ``last`` so that unused layers cost nothing.
    """
    if len(widths) != 5 or any(w < 1 for w in widths):
        raise InvalidArgumentError(f"VGG19 needs five positive stage widths, got {tuple(widths)}.")
    if last not in VGG19_LAYER_NAMES:
        raise InvalidArgumentError(f"Unknown VGG19 layer {last!r}; valid: {', '.join(VGG19_LAYER_NAMES)}.")
    layers: list[nn.Module] = []
    in_ch = 3
    for width, convs in zip(widths, _VGG19_CONVS, strict=True):
        for _ in range(convs):
            layers += [nn.Conv2d(in_ch, width, 3, padding=1), nn.ReLU(inplace=False)]
            in_ch = width
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers[: VGG19_LAYER_NAMES.index(last) + 1])


def load_vgg19_features(path: str | os.PathLike[str] | None = None, *, last: str = "conv5_4") -> nn.Sequential:
    """torchvision's ImageNet VGG19 convolutional layers from ``vgg19-dcbb9e9d.pth``, offline.

    The file is looked up by :func:`~baselines.realesrgan.hub.locate_weights`: ``path``, then the
    weights folders, then the torch hub cache (``$TORCH_HOME/hub/checkpoints``). It is read with
    ``weights_only=True``; the ``classifier.*`` entries are ignored.

    Raises:
        NotFoundError: the file is missing; the message gives its download URL and target folder.
    """
    hub_checkpoints = Path(torch.hub.get_dir()) / "checkpoints"
    file = locate_weights(VGG19_FILENAME, path=path, extra_dirs=[hub_checkpoints])
    raw = read_checkpoint(file)
    if not isinstance(raw, Mapping):
        raise DataError(f"{file} holds a {type(raw).__name__}, expected torchvision's VGG19 state dict.")
    features = vgg19_features(last=last)
    # Keep the feature layers up to ``last``; the classifier and deeper layers are not used.
    state = {
        k[len("features.") :]: v
        for k, v in raw.items()
        if str(k).startswith("features.")
        and str(k).split(".")[1].isdigit()
        and int(str(k).split(".")[1]) < len(features)
    }
    check_state_dict(features.state_dict(), state, source=str(file))
    features.load_state_dict(state)
    return features


class VGGFeatureExtractor(nn.Module):
    """Frozen VGG features at named layers; gray inputs are replicated to 3 channels.

    Inputs are in [0, 1]; with ``use_input_norm`` they are standardised with the ImageNet mean and
    std first, as the VGG was trained. Parameters never receive gradients; gradients flow to the input.
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, features: nn.Sequential, layers: Sequence[str], *, use_input_norm: bool = True) -> None:
        super().__init__()
        unknown = [n for n in layers if n not in VGG19_LAYER_NAMES[: len(features)]]
        if unknown or not layers:
            raise InvalidArgumentError(
                f"Layers {unknown or list(layers)} are not available in this {len(features)}-module VGG19 stack; "
                f"valid: {', '.join(VGG19_LAYER_NAMES[: len(features)])}."
            )
        self.layers = tuple(layers)
        self.features = features[: max(VGG19_LAYER_NAMES.index(n) for n in layers) + 1]
        self.use_input_norm = use_input_norm
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if x.ndim != 4 or x.shape[1] not in (1, 3):
            raise InvalidArgumentError(f"VGG features need [B, 1 or 3, H, W] images, got shape {tuple(x.shape)}.")
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if self.use_input_norm:
            x = (x - self.mean) / self.std
        out: dict[str, torch.Tensor] = {}
        for name, layer in zip(VGG19_LAYER_NAMES, self.features, strict=False):
            x = layer(x)
            if name in self.layers:
                out[name] = x
        return out


def l1_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error (BasicSR ``L1Loss``, reduction ``mean``)."""
    if pred.shape != target.shape:
        raise InvalidArgumentError(f"L1 loss needs equal shapes, got {tuple(pred.shape)} and {tuple(target.shape)}.")
    return F.l1_loss(pred, target)


class PerceptualLoss(nn.Module):
    """``weight * sum_l w_l * mean|phi_l(pred) - phi_l(target)|`` over VGG19 pre-activation features.

    Johnson et al. 2016, with ESRGAN's choice of features before the activation (sharper, brighter
    gradients). ``extractor`` injects a ready network (tests pass a small random VGG); otherwise the
    ImageNet VGG19 is loaded from ``vgg_path`` / the caches.
    """

    def __init__(
        self,
        extractor: VGGFeatureExtractor | None = None,
        *,
        layer_weights: Mapping[str, float] = OFFICIAL_LAYER_WEIGHTS,
        perceptual_weight: float = 1.0,
        vgg_path: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__()
        if extractor is None:
            extractor = VGGFeatureExtractor(load_vgg19_features(vgg_path), list(layer_weights))
        missing = [n for n in layer_weights if n not in extractor.layers]
        if missing:
            raise InvalidArgumentError(
                f"The feature extractor does not return layer(s) {missing}; it returns {list(extractor.layers)}. "
                "Build it with the same layer names as layer_weights."
            )
        self.extractor = extractor
        self.layer_weights = dict(layer_weights)
        self.perceptual_weight = perceptual_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        pred_features = self.extractor(pred)
        target_features = self.extractor(target.detach())
        total = pred.new_zeros(())
        for name, weight in self.layer_weights.items():
            total = total + weight * F.l1_loss(pred_features[name], target_features[name])
        return self.perceptual_weight * total


class GANLoss(nn.Module):
    """Vanilla GAN loss: binary cross-entropy on discriminator logits (Goodfellow et al. 2014).

    The target is ``real_label`` (1) or ``fake_label`` (0) everywhere (the U-Net discriminator gives
    one logit per pixel). The generator's term is multiplied by ``loss_weight`` (0.1 officially); the
    discriminator's never is (BasicSR ``GANLoss``, ``is_disc=True``).
    """

    def __init__(self, loss_weight: float = 0.1, real_label: float = 1.0, fake_label: float = 0.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.real_label = real_label
        self.fake_label = fake_label

    def forward(self, logits: torch.Tensor, target_is_real: bool, *, is_disc: bool = False) -> torch.Tensor:
        target = torch.full_like(logits, self.real_label if target_is_real else self.fake_label)
        loss = F.binary_cross_entropy_with_logits(logits, target)
        return loss if is_disc else self.loss_weight * loss


@dataclass(frozen=True)
class LossConfig:
    """Weights and target choices of the generator loss; defaults are the official x2plus ones."""

    #: Weight of the L1 pixel loss.
    pixel_weight: float = 1.0
    #: Weight eta of the perceptual loss.
    perceptual_weight: float = 1.0
    #: Weight lambda of the generator's GAN term.
    gan_weight: float = 0.1
    #: VGG19 layer -> weight for the perceptual loss.
    layer_weights: Mapping[str, float] = field(default_factory=lambda: dict(OFFICIAL_LAYER_WEIGHTS), hash=False)
    #: Use the USM-sharpened target for the L1 term.
    l1_gt_usm: bool = True
    #: Use the USM-sharpened target for the perceptual term.
    percep_gt_usm: bool = True
    #: Show the discriminator the USM-sharpened target as "real".
    gan_gt_usm: bool = False

    def __post_init__(self) -> None:
        for name in ("pixel_weight", "perceptual_weight", "gan_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"LossConfig.{name} must be a number >= 0, got {value!r}.")
        unknown = [n for n in self.layer_weights if n not in VGG19_LAYER_NAMES]
        if unknown:
            raise ConfigError(f"LossConfig.layer_weights has unknown VGG19 layer(s) {unknown}.")
        for name in ("l1_gt_usm", "percep_gt_usm", "gan_gt_usm"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"LossConfig.{name} must be True or False, got {getattr(self, name)!r}.")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> LossConfig:
        """Build a config from a mapping (e.g. parsed YAML); unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"Unknown loss config key(s) {unknown}; valid keys are {sorted(known)}.")
        return cls(**dict(values))


@dataclass(frozen=True)
class GeneratorLossTerms:
    """The generator's loss terms for one step (each already weighted) and their sum."""

    pixel: torch.Tensor
    perceptual: torch.Tensor
    gan: torch.Tensor
    total: torch.Tensor


class GeneratorLoss(nn.Module):
    """The Real-ESRGAN generator objective: ``L1 + eta * perceptual + lambda * GAN``.

    Mirrors ``RealESRGANModel.optimize_parameters``: the L1 and perceptual terms compare the output
    with the USM-sharpened target when ``l1_gt_usm`` / ``percep_gt_usm`` (default), the GAN term asks
    the discriminator's logits on the output to be "real". The caller runs the discriminator (with its
    parameters frozen) and passes ``fake_logits``.
    """

    def __init__(self, config: LossConfig | None = None, *, extractor: VGGFeatureExtractor | None = None) -> None:
        super().__init__()
        self.config = config or LossConfig()
        self.perceptual = (
            PerceptualLoss(extractor, layer_weights=self.config.layer_weights, perceptual_weight=1.0)
            if self.config.perceptual_weight > 0
            else None
        )
        self.gan = GANLoss(loss_weight=self.config.gan_weight)

    def forward(
        self, output: torch.Tensor, gt: torch.Tensor, gt_usm: torch.Tensor, fake_logits: torch.Tensor | None
    ) -> GeneratorLossTerms:
        """The weighted terms; ``fake_logits=None`` (no discriminator: Real-ESRNet) makes the GAN term 0."""
        cfg = self.config
        pixel = cfg.pixel_weight * l1_loss(output, gt_usm if cfg.l1_gt_usm else gt)
        perceptual = output.new_zeros(())
        if self.perceptual is not None:
            perceptual = cfg.perceptual_weight * self.perceptual(output, gt_usm if cfg.percep_gt_usm else gt)
        gan = self.gan(fake_logits, True) if fake_logits is not None else output.new_zeros(())
        return GeneratorLossTerms(pixel=pixel, perceptual=perceptual, gan=gan, total=pixel + perceptual + gan)
