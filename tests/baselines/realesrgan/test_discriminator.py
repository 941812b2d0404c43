"""Tests of the U-Net discriminator with spectral normalisation: names, count, shapes, behaviour."""

from __future__ import annotations

import pytest
import torch

from baselines.realesrgan import DiscriminatorConfig, UNetDiscriminatorSN
from microsr_bench.errors import ConfigError, InvalidArgumentError

#: (name, out, in, kernel, spectral_norm, bias) of Real-ESRGAN's ``realesrgan/archs/discriminator_arch.py``.
_LAYERS = [
    ("conv0", 1, None, 3, False, True),
    ("conv1", 2, 1, 4, True, False),
    ("conv2", 4, 2, 4, True, False),
    ("conv3", 8, 4, 4, True, False),
    ("conv4", 4, 8, 3, True, False),
    ("conv5", 2, 4, 3, True, False),
    ("conv6", 1, 2, 3, True, False),
    ("conv7", 1, 1, 3, True, False),
    ("conv8", 1, 1, 3, True, False),
    ("conv9", None, 1, 3, False, True),
]


def expected_discriminator_shapes(num_in_ch: int = 3, f: int = 64) -> dict[str, tuple[int, ...]]:
    """State-dict table from ``discriminator_arch.py``: widths are multiples of ``num_feat``.

    ``torch.nn.utils.spectral_norm`` stores ``weight_orig`` (parameter), ``weight_u`` [out] and
    ``weight_v`` [in * k * k] (buffers) in place of ``weight``.
    """
    table: dict[str, tuple[int, ...]] = {}
    for name, out_mult, in_mult, k, sn, bias in _LAYERS:
        out = 1 if out_mult is None else out_mult * f
        inp = num_in_ch if in_mult is None else in_mult * f
        if sn:
            table[f"{name}.weight_orig"] = (out, inp, k, k)
            table[f"{name}.weight_u"] = (out,)
            table[f"{name}.weight_v"] = (inp * k * k,)
        else:
            table[f"{name}.weight"] = (out, inp, k, k)
        if bias:
            table[f"{name}.bias"] = (out,)
    return table


def test_official_parameter_count_excludes_spectral_norm_buffers() -> None:
    # 4,376,897 = sum of weight_orig and bias sizes in the table above (closed form from discriminator_arch.py).
    # It counts parameters only: the u/v power-iteration vectors (1,472 + 16,384 values) are buffers.
    model = UNetDiscriminatorSN()
    assert sum(p.numel() for p in model.parameters()) == 4_376_897
    table = expected_discriminator_shapes()
    params = sum(int(torch.tensor(s).prod()) for k, s in table.items() if not k.endswith(("_u", "_v")))
    assert params == 4_376_897
    assert sum(b.numel() for b in model.buffers()) == 1_472 + 16_384


def test_state_dict_names_and_shapes_match_official() -> None:
    got = {k: tuple(v.shape) for k, v in UNetDiscriminatorSN().state_dict().items()}
    assert got == expected_discriminator_shapes()


def test_single_channel_output_is_one_logit_per_pixel() -> None:
    model = UNetDiscriminatorSN(num_in_ch=1, num_feat=4)
    out = model(torch.rand(2, 1, 32, 48))
    assert out.shape == (2, 1, 32, 48)


def test_skip_connection_changes_output_but_not_weights() -> None:
    # The skips add encoder features; they hold no weights, so both variants share one state dict.
    torch.manual_seed(0)
    with_skip = UNetDiscriminatorSN(1, 4, skip_connection=True).eval()
    without = UNetDiscriminatorSN(1, 4, skip_connection=False).eval()
    without.load_state_dict(with_skip.state_dict())
    x = torch.rand(1, 1, 16, 16)
    with torch.no_grad():
        assert not torch.allclose(with_skip(x), without(x))


def test_spectral_norm_bounds_the_largest_singular_value() -> None:
    # After enough power iterations in train mode, sigma_max(weight_orig / sigma) is 1 (Miyato et al. 2018).
    torch.manual_seed(0)
    model = UNetDiscriminatorSN(1, 4).train()
    x = torch.rand(1, 1, 16, 16)
    for _ in range(30):
        model(x)
    weight = model.conv4.weight.detach()
    sigma = torch.linalg.matrix_norm(weight.reshape(weight.shape[0], -1), ord=2)
    assert sigma.item() == pytest.approx(1.0, abs=2e-3)


def test_config_from_state_dict_and_unknown_key() -> None:
    model = UNetDiscriminatorSN(1, 8, skip_connection=True)
    assert DiscriminatorConfig.from_state_dict(model.state_dict()) == model.config
    assert DiscriminatorConfig.from_dict(model.config.to_dict()) == model.config
    with pytest.raises(ConfigError, match=r"Unknown discriminator config key\(s\) \['skip'\]"):
        DiscriminatorConfig.from_dict({"skip": True})
    with pytest.raises(ConfigError, match=r"num_feat must be a positive integer, got 0"):
        DiscriminatorConfig(num_feat=0)
    with pytest.raises(InvalidArgumentError, match=r"'conv0.weight' is missing"):
        DiscriminatorConfig.from_state_dict({})


def test_forward_rejects_bad_input() -> None:
    model = UNetDiscriminatorSN(1, 4)
    with pytest.raises(InvalidArgumentError, match=r"expects a \[B, 1, H, W\] tensor, got shape \(1, 3, 16, 16\)"):
        model(torch.rand(1, 3, 16, 16))
    with pytest.raises(InvalidArgumentError, match=r"divisible by 8 .* got \(12, 16\)"):
        model(torch.rand(1, 1, 12, 16))
