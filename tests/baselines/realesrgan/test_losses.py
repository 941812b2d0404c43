"""Tests of the losses: VGG19 layout and loading, perceptual, GAN, the combined generator objective."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torchvision.models.vgg import cfgs, make_layers

from baselines.realesrgan import (
    OFFICIAL_LAYER_WEIGHTS,
    GANLoss,
    GeneratorLoss,
    LossConfig,
    PerceptualLoss,
    RRDBNet,
    UNetDiscriminatorSN,
    USMSharp,
    VGGFeatureExtractor,
    l1_loss,
    load_vgg19_features,
    vgg19_features,
)
from baselines.realesrgan.losses import VGG19_LAYER_NAMES
from microsr_bench.errors import ConfigError, InvalidArgumentError, NotFoundError

SMALL_WIDTHS = (4, 8, 8, 8, 8)


def small_extractor(seed: int = 0) -> VGGFeatureExtractor:
    """A narrow, randomly initialised VGG19 with the official layer names (no weights file needed)."""
    torch.manual_seed(seed)
    return VGGFeatureExtractor(vgg19_features(SMALL_WIDTHS), list(OFFICIAL_LAYER_WEIGHTS))


def test_vgg19_layout_matches_torchvision() -> None:
    # Reference: torchvision's own VGG19 feature builder (make_layers(cfgs["E"])): same module types at the
    # same indices, hence the same state-dict keys and shapes as vgg19-dcbb9e9d.pth's "features.*".
    reference = make_layers(cfgs["E"])
    ours = vgg19_features(last="pool5")
    assert [type(m) for m in ours] == [type(m) for m in reference]
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in reference.state_dict().items()}
    assert VGG19_LAYER_NAMES.index("conv5_4") == 34 and len(VGG19_LAYER_NAMES) == 37


def test_official_layer_weights() -> None:
    # perceptual_opt.layer_weights in Real-ESRGAN's options/train_realesrgan_x2plus.yml ("before relu").
    assert dict(OFFICIAL_LAYER_WEIGHTS) == {"conv1_2": 0.1, "conv2_2": 0.1, "conv3_4": 1, "conv4_4": 1, "conv5_4": 1}


def test_features_are_pre_activation_and_gray_is_replicated() -> None:
    extractor = small_extractor()
    gray = torch.rand(2, 1, 32, 32)
    feats = extractor(gray)
    assert set(feats) == set(OFFICIAL_LAYER_WEIGHTS)
    assert feats["conv5_4"].shape == (2, 8, 2, 2)
    # Before ReLU, convolution outputs take negative values; after ReLU they could not.
    assert all((f < 0).any() for f in feats.values())
    rgb_feats = extractor(gray.repeat(1, 3, 1, 1))
    assert all(torch.equal(feats[k], rgb_feats[k]) for k in feats)


def test_input_normalisation_uses_imagenet_statistics() -> None:
    # The first conv sees (x - mean) / std: check against the conv applied by hand.
    extractor = VGGFeatureExtractor(vgg19_features(SMALL_WIDTHS, last="conv1_1"), ["conv1_1"])
    x = torch.rand(1, 3, 8, 8)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    conv = extractor.features[0]
    expected = F.conv2d((x - mean) / std, conv.weight, conv.bias, padding=1)
    assert torch.allclose(extractor(x)["conv1_1"], expected, atol=1e-6)


def test_perceptual_loss_closed_form() -> None:
    # Zero for identical images; otherwise sum_l w_l * mean|phi_l(a) - phi_l(b)| computed here by hand.
    extractor = small_extractor()
    loss = PerceptualLoss(extractor, perceptual_weight=2.0)
    a, b = torch.rand(2, 1, 32, 32), torch.rand(2, 1, 32, 32)
    assert loss(a, a).item() == 0.0
    fa, fb = extractor(a), extractor(b)
    expected = 2.0 * sum(w * (fa[k] - fb[k]).abs().mean() for k, w in OFFICIAL_LAYER_WEIGHTS.items())
    assert loss(a, b).item() == pytest.approx(float(expected), rel=1e-6)


def test_perceptual_gradient_reaches_prediction_not_vgg() -> None:
    loss = PerceptualLoss(small_extractor())
    pred = torch.rand(1, 1, 32, 32, requires_grad=True)
    loss(pred, torch.rand(1, 1, 32, 32)).backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0
    assert all(p.grad is None for p in loss.extractor.parameters())


def test_perceptual_loss_rejects_mismatched_layers() -> None:
    extractor = VGGFeatureExtractor(vgg19_features(SMALL_WIDTHS), ["conv1_2"])
    with pytest.raises(InvalidArgumentError, match=r"does not return layer\(s\) \['conv2_2'"):
        PerceptualLoss(extractor)
    with pytest.raises(InvalidArgumentError, match=r"Layers \['relu9_9'\] are not available"):
        VGGFeatureExtractor(vgg19_features(SMALL_WIDTHS), ["relu9_9"])


def test_load_vgg19_from_torch_hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A torchvision-format file (features.* plus classifier.*) written here from random weights.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("MICROSR_BENCH_WEIGHTS", raising=False)
    source = vgg19_features(last="conv2_2")
    state = {f"features.{k}": v for k, v in source.state_dict().items()}
    state["features.34.weight"] = torch.zeros(1)  # deeper layer than needed: ignored
    state["classifier.0.weight"] = torch.zeros(1)
    folder = tmp_path / "torch" / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    torch.save(state, folder / "vgg19-dcbb9e9d.pth")
    loaded = load_vgg19_features(last="conv2_2")
    assert torch.equal(loaded[7].weight, source[7].weight)


def test_missing_vgg19_names_url_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("MICROSR_BENCH_WEIGHTS", raising=False)
    pattern = r"'vgg19-dcbb9e9d.pth' was not found .*torch/hub/checkpoints.*https://download.pytorch.org/models/"
    with pytest.raises(NotFoundError, match=pattern):
        PerceptualLoss()


def test_gan_loss_closed_form() -> None:
    # BCE with logits: logit 0 -> log 2 for either label; generator term scaled by 0.1, discriminator's not.
    gan = GANLoss()
    zeros = torch.zeros(2, 1, 4, 4)
    assert gan(zeros, True).item() == pytest.approx(0.1 * math.log(2))
    assert gan(zeros, False, is_disc=True).item() == pytest.approx(math.log(2))
    logits = torch.tensor([2.0, -1.0])
    assert gan(logits, True, is_disc=True).item() == pytest.approx(
        float(torch.stack([F.softplus(-logits[0]), F.softplus(-logits[1])]).mean())
    )
    assert gan(logits, False, is_disc=True).item() == pytest.approx(float(F.softplus(logits).mean()))


def test_l1_loss_and_shape_check() -> None:
    assert l1_loss(torch.zeros(1, 1, 2, 2), torch.full((1, 1, 2, 2), 0.5)).item() == 0.5
    with pytest.raises(InvalidArgumentError, match=r"equal shapes, got \(1, 1, 2, 2\) and \(1, 1, 4, 4\)"):
        l1_loss(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 4, 4))


def test_loss_config_defaults_and_errors() -> None:
    config = LossConfig()
    assert (config.pixel_weight, config.perceptual_weight, config.gan_weight) == (1.0, 1.0, 0.1)
    assert (config.l1_gt_usm, config.percep_gt_usm, config.gan_gt_usm) == (True, True, False)
    with pytest.raises(ConfigError, match=r"Unknown loss config key\(s\) \['gan_wieght'\]"):
        LossConfig.from_dict({"gan_wieght": 0.1})
    with pytest.raises(ConfigError, match=r"gan_weight must be a number >= 0, got -1"):
        LossConfig(gan_weight=-1)
    with pytest.raises(ConfigError, match=r"unknown VGG19 layer\(s\) \['conv6_1'\]"):
        LossConfig(layer_weights={"conv6_1": 1.0})


def test_generator_loss_uses_sharpened_targets_as_configured() -> None:
    loss = GeneratorLoss(extractor=small_extractor())
    output, gt = torch.rand(1, 1, 32, 32), torch.rand(1, 1, 32, 32)
    gt_usm = gt + 0.25
    terms = loss(output, gt, gt_usm, torch.zeros(1, 1, 32, 32))
    assert terms.pixel.item() == pytest.approx(l1_loss(output, gt_usm).item())
    assert terms.gan.item() == pytest.approx(0.1 * math.log(2))
    assert terms.total.item() == pytest.approx((terms.pixel + terms.perceptual + terms.gan).item())
    plain = GeneratorLoss(LossConfig(l1_gt_usm=False, perceptual_weight=0), extractor=small_extractor())
    terms = plain(output, gt, gt_usm, torch.zeros(1, 1, 32, 32))
    assert terms.pixel.item() == pytest.approx(l1_loss(output, gt).item())
    assert terms.perceptual.item() == 0.0


def test_one_generator_step_lowers_the_loss() -> None:
    # One Adam step (official optimiser settings: lr 1e-4, betas 0.9/0.99) on a tiny batch lowers the
    # generator objective L1 + perceptual + GAN, with a frozen discriminator as in optimize_parameters.
    torch.manual_seed(0)
    net_g = RRDBNet(1, 1, 2, num_feat=8, num_block=1, num_grow_ch=4)
    net_d = UNetDiscriminatorSN(1, num_feat=4).requires_grad_(False)
    loss = GeneratorLoss(extractor=small_extractor())
    lq, gt = torch.rand(2, 1, 16, 16), torch.rand(2, 1, 32, 32)
    gt_usm = USMSharp(radius=15)(gt)
    optimizer = torch.optim.Adam(net_g.parameters(), lr=1e-4, betas=(0.9, 0.99))

    def objective() -> torch.Tensor:
        output = net_g(lq)
        return loss(output, gt, gt_usm, net_d.eval()(output)).total

    before = objective()
    optimizer.zero_grad()
    before.backward()
    optimizer.step()
    with torch.no_grad():
        after = objective()
    assert after.item() < before.item()
    assert all(p.grad is None for p in net_d.parameters())
