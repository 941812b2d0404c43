"""Tests of the generator's exponential moving average (BasicSR model_ema)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from baselines.realesrgan import OFFICIAL_EMA_DECAY, ModelEMA, RRDBNet
from microsr_bench.errors import InvalidArgumentError


def test_official_decay() -> None:
    # train.ema_decay in Real-ESRGAN's options/train_realesrgan_x2plus.yml.
    assert OFFICIAL_EMA_DECAY == 0.999


def test_update_formula() -> None:
    # ema <- d * ema + (1 - d) * param, checked on hand-set values.
    live = nn.Linear(2, 1)
    with torch.no_grad():
        live.weight.fill_(1.0)
        live.bias.fill_(0.0)
    ema = ModelEMA(live, decay=0.9)
    with torch.no_grad():
        live.weight.fill_(3.0)
        live.bias.fill_(10.0)
    ema.update(live)
    assert torch.allclose(ema.module.weight, torch.full((1, 2), 0.9 * 1 + 0.1 * 3))
    assert torch.allclose(ema.module.bias, torch.tensor([1.0]))
    ema.update(live)
    assert torch.allclose(ema.module.bias, torch.tensor([0.9 * 1.0 + 0.1 * 10]))


def test_decay_zero_copies_and_copy_is_independent() -> None:
    live = RRDBNet(1, 1, 2, 4, 1, 4)
    ema = ModelEMA(live)
    assert not ema.module.training
    assert all(not p.requires_grad for p in ema.module.parameters())
    with torch.no_grad():
        for p in live.parameters():
            p.add_(1.0)
    assert not torch.equal(ema.module.conv_first.weight, live.conv_first.weight)
    ema.update(live, decay=0.0)
    assert torch.equal(ema.module.conv_first.weight, live.conv_first.weight)


def test_buffers_are_copied() -> None:
    live = nn.BatchNorm2d(2)
    ema = ModelEMA(live)
    live.running_mean.fill_(5.0)
    ema.update(live)
    assert torch.equal(ema.module.running_mean, torch.full((2,), 5.0))


def test_state_dict_is_params_ema_compatible() -> None:
    live = RRDBNet(1, 1, 2, 4, 1, 4)
    ema = ModelEMA(live)
    state = ema.state_dict()
    assert state.keys() == live.state_dict().keys()
    other = ModelEMA(RRDBNet(1, 1, 2, 4, 1, 4))
    other.load_state_dict(state)
    assert torch.equal(other.module.conv_last.weight, live.conv_last.weight)


def test_errors() -> None:
    with pytest.raises(InvalidArgumentError, match=r"decay must be a number in \[0, 1\], got 1.5"):
        ModelEMA(nn.Linear(1, 1), decay=1.5)
    ema = ModelEMA(nn.Linear(1, 1))
    with pytest.raises(InvalidArgumentError, match=r"parameters differ from the averaged copy"):
        ema.update(nn.Linear(1, 1, bias=False))
