"""Tests of weights I/O: official checkpoints, the 3->1 conversion, safetensors files."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pytest
import torch

from baselines.realesrgan import (
    RRDBNet,
    RRDBNetConfig,
    UNetDiscriminatorSN,
    discriminator_to_single_channel,
    load_official_discriminator,
    load_official_generator,
    load_weights,
    read_official_state,
    read_weights,
    save_weights,
    to_single_channel,
)
from baselines.realesrgan.weights import read_checkpoint
from microsr_bench.errors import DataError, InvalidArgumentError, NotFoundError

M = TypeVar("M", bound=torch.nn.Module)
SMALL = RRDBNetConfig(num_in_ch=3, num_out_ch=3, scale=2, num_feat=8, num_block=2, num_grow_ch=4)


def _randomised(model: M, seed: int = 0) -> M:
    # Non-zero biases everywhere so that the conversion's bias handling is exercised.
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
    return model


def _gray_reference(model: RRDBNet, gray: torch.Tensor) -> torch.Tensor:
    """What the conversion must reproduce: RGB model on the replicated gray image, outputs averaged."""
    with torch.no_grad():
        return model(gray.expand(-1, 3, -1, -1)).mean(dim=1, keepdim=True)


class _NotAWeight:
    """A picklable object that weights_only loading must refuse."""


@pytest.mark.parametrize("key", ["params_ema", "params", ""])
def test_load_official_generator_reads_basicsr_format(tmp_path: Path, key: str) -> None:
    # The official files are BasicSR dicts ({'params_ema': state} for x2plus); written here with torch.save.
    source = _randomised(RRDBNet.from_config(SMALL))
    payload = source.state_dict() if key == "" else {key: source.state_dict()}
    path = tmp_path / "RealESRGAN_x2plus.pth"
    torch.save(payload, path)
    model = load_official_generator(path, config=SMALL)
    assert not model.training
    for name, tensor in source.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor)
    assert read_official_state(path)[1] == key


def test_params_ema_preferred_over_params(tmp_path: Path) -> None:
    ema, live = _randomised(RRDBNet.from_config(SMALL), 1), _randomised(RRDBNet.from_config(SMALL), 2)
    path = tmp_path / "both.pth"
    torch.save({"params": live.state_dict(), "params_ema": ema.state_dict()}, path)
    model = load_official_generator(path, config="infer")
    assert torch.equal(model.conv_first.weight, ema.conv_first.weight)
    model = load_official_generator(path, config=SMALL, param_key="params")
    assert torch.equal(model.conv_first.weight, live.conv_first.weight)


def test_ddp_module_prefix_is_stripped(tmp_path: Path) -> None:
    source = RRDBNet.from_config(SMALL)
    path = tmp_path / "ddp.pth"
    torch.save({"params": {f"module.{k}": v for k, v in source.state_dict().items()}}, path)
    assert torch.equal(load_official_generator(path, config=SMALL).conv_last.bias, source.conv_last.bias)


def test_wrong_keys_and_shapes_are_all_listed_with_the_file(tmp_path: Path) -> None:
    state = RRDBNet.from_config(SMALL).state_dict()
    state.pop("conv_hr.bias")
    state["conv_extra.weight"] = torch.zeros(1)
    state["conv_last.weight"] = torch.zeros(3, 9, 3, 3)
    path = tmp_path / "broken.pth"
    torch.save({"params_ema": state}, path)
    with pytest.raises(DataError, match=r"broken.pth do not match the network") as info:
        load_official_generator(path, config=SMALL)
    assert info.value.problems == [
        "missing key 'conv_hr.bias' (shape [8])",
        "unexpected key 'conv_extra.weight'",
        "'conv_last.weight' has shape [3, 9, 3, 3], expected [3, 8, 3, 3]",
    ]


def test_default_config_is_the_official_x2plus(tmp_path: Path) -> None:
    # A small file against the default (official 23-block) architecture: 690+ missing keys, one error.
    path = tmp_path / "small.pth"
    torch.save({"params_ema": RRDBNet.from_config(SMALL).state_dict()}, path)
    with pytest.raises(DataError, match=r"small.pth do not match the network .* problems\):"):
        load_official_generator(path)


def test_weights_only_refuses_arbitrary_objects(tmp_path: Path) -> None:
    path = tmp_path / "evil.pth"
    torch.save({"params": {"x": _NotAWeight()}}, path)
    with pytest.raises(
        DataError, match=r"evil.pth refused: the file contains code \(pickle global [\w.]*_NotAWeight\)"
    ):
        read_checkpoint(path)


class _RunsACommand:
    """The classic malicious pickle: unpickling it would call os.system. Pickling only records the call."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, (self.command,))


def test_a_pickle_that_would_run_code_is_refused_not_run(tmp_path: Path) -> None:
    sentinel = tmp_path / "ran"
    path = tmp_path / "RealESRGAN_x2plus.pth"
    torch.save({"params_ema": {"conv_first.weight": _RunsACommand(f"touch {sentinel}")}}, path)
    with pytest.raises(
        DataError, match=r"refused: the file contains code \(pickle global (posix|nt|os)\.system\)"
    ) as info:
        load_official_generator(path)
    assert "truncated" not in str(info.value) and "download it again" not in str(info.value)
    assert not sentinel.exists(), "the command must never run"


def test_corrupt_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "truncated.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(DataError, match=r"truncated.pth could not be read as a PyTorch checkpoint"):
        load_official_generator(bad)
    (tmp_path / "empty.pth").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty.pth could not be read as a PyTorch checkpoint"):
        read_checkpoint(tmp_path / "empty.pth")
    with pytest.raises(NotFoundError, match=r"'RealESRGAN_x2plus.pth' was not found .*releases/download/v0.2.1"):
        load_official_generator(tmp_path / "RealESRGAN_x2plus.pth")
    tensor_file = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), tensor_file)
    with pytest.raises(DataError, match=r"holds a Tensor, expected a dict"):
        read_official_state(tensor_file)
    torch.save({"params": {}}, tensor_file)
    with pytest.raises(DataError, match=r"has no 'params_ema' entry"):
        read_official_state(tensor_file, param_key="params_ema")


def test_to_single_channel_is_exact_on_small_random_model() -> None:
    # Reference: the definition (RGB model on replicated gray input, outputs averaged); float32 rounding only.
    rgb = _randomised(RRDBNet.from_config(SMALL)).eval()
    gray_state = to_single_channel(rgb.state_dict())
    gray = RRDBNet(1, 1, 2, 8, 2, 4).eval()
    gray.load_state_dict(gray_state)
    x = torch.rand(3, 1, 24, 20, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        diff = (gray(x) - _gray_reference(rgb, x)).abs().max().item()
    assert diff < 1e-5
    assert gray_state["conv_first.weight"].shape == (8, 4, 3, 3)
    assert gray_state["conv_last.bias"].shape == (1,)


def test_to_single_channel_sums_matching_unshuffle_slots() -> None:
    # Closed form: folded channel c*4 + s carries colour c, offset s; the gray weight for slot s is sum_c.
    state = RRDBNet.from_config(SMALL).state_dict()
    w = state["conv_first.weight"]
    converted = to_single_channel(state)["conv_first.weight"]
    for s in range(4):
        expected = w[:, s] + w[:, 4 + s] + w[:, 8 + s]
        assert torch.allclose(converted[:, s], expected, atol=1e-7)


def test_to_single_channel_full_size_model_forward() -> None:
    # One forward of the official-size network (23 blocks, 64 features) on a small 16x16 input.
    torch.manual_seed(0)
    rgb = RRDBNet().eval()
    with torch.device("meta"):  # skip a second random initialisation; the weights come from the conversion
        gray = RRDBNet(1, 1)
    gray.load_state_dict(to_single_channel(rgb.state_dict()), assign=True)
    gray.eval()
    x = torch.rand(1, 1, 16, 16)
    with torch.no_grad():
        diff = (gray(x) - _gray_reference(rgb, x)).abs().max().item()
    assert diff < 1e-5


def test_to_single_channel_rejects_gray_state() -> None:
    gray = RRDBNet(1, 1, 2, 8, 1, 4).state_dict()
    with pytest.raises(InvalidArgumentError, match=r"needs a 3-channel RRDBNet state .* has 1 channel"):
        to_single_channel(gray)


def test_load_official_generator_as_single_channel(tmp_path: Path) -> None:
    rgb = _randomised(RRDBNet.from_config(SMALL)).eval()
    path = tmp_path / "g.pth"
    torch.save({"params_ema": rgb.state_dict()}, path)
    gray = load_official_generator(path, config=SMALL, in_channels=1)
    assert gray.config.num_in_ch == 1 and gray.config.num_out_ch == 1
    x = torch.rand(1, 1, 16, 16)
    with torch.no_grad():
        assert (gray(x) - _gray_reference(rgb, x)).abs().max().item() < 1e-5
    with pytest.raises(InvalidArgumentError, match=r"in_channels must be 1 or 3, got 2"):
        load_official_generator(path, in_channels=2)  # type: ignore[arg-type]


def test_discriminator_official_load_and_single_channel(tmp_path: Path) -> None:
    # The official netD file stores {'params': state} with spectral-norm weight_orig/weight_u/weight_v.
    torch.manual_seed(0)
    rgb = UNetDiscriminatorSN(3, 4)
    for _ in range(10):  # a few power iterations so u/v (and the output scale) are those of a used network
        rgb(torch.rand(1, 3, 16, 16))
    rgb.eval()
    path = tmp_path / "RealESRGAN_x2plus_netD.pth"
    torch.save({"params": rgb.state_dict()}, path)
    config = rgb.config
    loaded = load_official_discriminator(path, config=config).eval()
    gray = load_official_discriminator(path, config=config, in_channels=1).eval()
    x = torch.rand(2, 1, 16, 16)
    with torch.no_grad():
        reference = rgb(x.expand(-1, 3, -1, -1))
        assert torch.equal(loaded(x.expand(-1, 3, -1, -1)), reference)
        assert (gray(x) - reference).abs().max().item() < 1e-5 * reference.abs().max().item()
    with pytest.raises(InvalidArgumentError, match=r"needs conv0.weight with 3 input channels, got 1"):
        discriminator_to_single_channel(gray.state_dict())


def test_safetensors_round_trip_rebuilds_model(tmp_path: Path) -> None:
    source = _randomised(RRDBNet(1, 1, 2, 8, 1, 4))
    path = save_weights(source, tmp_path / "sub" / "model.safetensors", {"dataset": "MITO", "shots": "200"})
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    rebuilt = load_weights(path)
    assert isinstance(rebuilt, RRDBNet) and rebuilt.config == source.config
    for name, tensor in source.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[name], tensor)
    _, metadata = read_weights(path)
    assert metadata["dataset"] == "MITO" and metadata["microsr_bench.arch"] == "RRDBNet"


def test_safetensors_round_trip_discriminator_into_given_model(tmp_path: Path) -> None:
    source = UNetDiscriminatorSN(1, 4)
    path = save_weights(source, tmp_path / "d.safetensors")
    target = load_weights(path, UNetDiscriminatorSN(1, 4))
    assert torch.equal(target.conv1.weight_u, source.conv1.weight_u)
    assert torch.equal(target.conv1.weight_orig, source.conv1.weight_orig)


def test_save_overwrites_atomically(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save_weights(RRDBNet(1, 1, 2, 4, 0, 4), path)
    replacement = _randomised(RRDBNet(1, 1, 2, 4, 0, 4), 3)
    save_weights(replacement, path)
    assert torch.equal(load_weights(path).conv_first.weight, replacement.conv_first.weight)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_safetensors_errors(tmp_path: Path) -> None:
    model = RRDBNet(1, 1, 2, 4, 0, 4)
    with pytest.raises(InvalidArgumentError, match=r"metadata must map str to str; offending key\(s\): \['shots'\]"):
        save_weights(model, tmp_path / "a.safetensors", {"shots": 200})  # type: ignore[dict-item]
    with pytest.raises(InvalidArgumentError, match=r"Metadata key\(s\) \['format'\] are reserved"):
        save_weights(model, tmp_path / "a.safetensors", {"format": "np"})
    plain = save_weights(torch.nn.Linear(2, 2), tmp_path / "linear.safetensors")
    with pytest.raises(DataError, match=r"does not say which network it holds"):
        load_weights(plain)
    with pytest.raises(DataError, match=r"do not match the network .* problems\)"):
        load_weights(plain, model)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 16)
    with pytest.raises(DataError, match=r"junk.safetensors is not a readable safetensors file"):
        read_weights(junk)
    with pytest.raises(NotFoundError, match=r"'absent.safetensors' was not found"):
        read_weights(tmp_path / "absent.safetensors")


def test_default_paths_use_the_offline_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without a path the official file names are looked up in $MICROSR_BENCH_WEIGHTS (then the default folder).
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROSR_BENCH_WEIGHTS", str(tmp_path))
    with pytest.raises(NotFoundError, match=r"'RealESRGAN_x2plus_netD.pth' was not found .*v0\.2\.2\.3"):
        load_official_discriminator()
    source = _randomised(RRDBNet.from_config(SMALL))
    torch.save({"params_ema": source.state_dict()}, tmp_path / "RealESRGAN_x2plus.pth")
    model = load_official_generator(config=SMALL)
    assert torch.equal(model.conv_first.weight, source.conv_first.weight)
    disc = UNetDiscriminatorSN(3, 4)
    torch.save({"params": disc.state_dict()}, tmp_path / "RealESRGAN_x2plus_netD.pth")
    assert torch.equal(load_official_discriminator(config=disc.config).conv9.bias, disc.conv9.bias)
