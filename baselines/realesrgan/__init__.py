"""Real-ESRGAN as published: networks with official parameter names, weights I/O, losses and EMA.

The generator (:class:`RRDBNet`) and discriminator (:class:`UNetDiscriminatorSN`) load the official
``RealESRGAN_x2plus.pth`` / ``RealESRGAN_x2plus_netD.pth`` unchanged; :func:`to_single_channel` turns
the RGB generator into an exactly equivalent grayscale one. See ``docs/baselines.md``.
"""

from baselines.realesrgan.discriminator import DiscriminatorConfig, UNetDiscriminatorSN
from baselines.realesrgan.ema import OFFICIAL_EMA_DECAY, ModelEMA
from baselines.realesrgan.hub import (
    KNOWN_FILES,
    WEIGHTS_ENV,
    HubFile,
    KnownFile,
    default_weights_dir,
    fetch_weights,
    locate_weights,
    push_weights,
    weights_search_dirs,
)
from baselines.realesrgan.losses import (
    OFFICIAL_LAYER_WEIGHTS,
    GANLoss,
    GeneratorLoss,
    GeneratorLossTerms,
    LossConfig,
    PerceptualLoss,
    VGGFeatureExtractor,
    l1_loss,
    load_vgg19_features,
    vgg19_features,
)
from baselines.realesrgan.rrdbnet import RRDBNet, RRDBNetConfig
from baselines.realesrgan.usm import USMSharp
from baselines.realesrgan.weights import (
    discriminator_to_single_channel,
    load_official_discriminator,
    load_official_generator,
    load_weights,
    read_official_state,
    read_weights,
    save_weights,
    to_single_channel,
)

__all__ = [
    "KNOWN_FILES",
    "OFFICIAL_EMA_DECAY",
    "OFFICIAL_LAYER_WEIGHTS",
    "WEIGHTS_ENV",
    "DiscriminatorConfig",
    "GANLoss",
    "GeneratorLoss",
    "GeneratorLossTerms",
    "HubFile",
    "KnownFile",
    "LossConfig",
    "ModelEMA",
    "PerceptualLoss",
    "RRDBNet",
    "RRDBNetConfig",
    "UNetDiscriminatorSN",
    "USMSharp",
    "VGGFeatureExtractor",
    "default_weights_dir",
    "discriminator_to_single_channel",
    "fetch_weights",
    "l1_loss",
    "load_official_discriminator",
    "load_official_generator",
    "load_vgg19_features",
    "load_weights",
    "locate_weights",
    "push_weights",
    "read_official_state",
    "read_weights",
    "save_weights",
    "to_single_channel",
    "vgg19_features",
    "weights_search_dirs",
]
