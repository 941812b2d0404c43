"""Pins the public names of baselines.realesrgan (the later training/inference code builds on them)."""

from __future__ import annotations

import baselines.realesrgan as realesrgan

EXPECTED = [
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


def test_public_names_are_pinned_and_importable() -> None:
    assert realesrgan.__all__ == EXPECTED
    for name in EXPECTED:
        assert hasattr(realesrgan, name), name
