"""Tests of the recipes: initial weights (official or scratch), run identity, and the three training stages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from baselines.realesrgan import RRDBNet, UNetDiscriminatorSN, read_weights, recipes
from baselines.realesrgan import hub as hub_module
from baselines.realesrgan.recipes import initial_weights, split_key, train_base, train_finetune, train_synthetic
from baselines.realesrgan.train_config import config_for
from microsr_bench.data import BenchmarkDict
from microsr_bench.errors import ConfigError, NotFoundError

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def no_weights_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the offline weights lookup at an empty folder, whatever this machine has cached."""
    empty = tmp_path / "no-weights"
    empty.mkdir()
    monkeypatch.setattr(hub_module, "weights_search_dirs", lambda: [empty])
    return empty


def test_small_configs_start_from_scratch(no_weights_anywhere: Path) -> None:
    init, kind = initial_weights(config_for("cpu"))
    assert kind == "scratch" and init.generator is None and init.label == "scratch"
    with pytest.raises(ConfigError, match="fit only the paper-size generator"):
        initial_weights(config_for("tiny"), weights=no_weights_anywhere)


def test_paper_config_without_official_file_starts_from_scratch(
    no_weights_anywhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recipes, "_x4plus_installed", lambda: False)  # without the pretrained extra
    assert initial_weights(config_for("paper"))[1] == "scratch"
    with pytest.raises(NotFoundError, match=r"RealESRGAN_x2plus\.pth"):
        initial_weights(config_for("paper"), weights=no_weights_anywhere)  # an explicit folder must hold it


def test_official_weights_are_converted_to_one_channel(
    no_weights_anywhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recipes, "_x4plus_installed", lambda: False)  # x2plus is the choice without x4plus
    # A stand-in for the release files with the official containers: {"params_ema": G} and {"params": D}, RGB.
    torch.manual_seed(0)
    rgb = RRDBNet()  # official x2plus architecture, 3 channels
    torch.save({"params_ema": rgb.state_dict()}, no_weights_anywhere / "RealESRGAN_x2plus.pth")
    init, kind = initial_weights(config_for("paper"))
    assert kind == "official-weights" and init.generator is not None and init.discriminator is None
    assert init.label.startswith("RealESRGAN_x2plus.pth sha256:")
    # Closed form of the 3 -> 1 conversion (docs/baselines.md): conv_first sums the colour groups of the
    # unshuffled channels (channel c * 4 + s for offset s), conv_last averages the three output filters.
    w = rgb.state_dict()["conv_first.weight"].double()
    assert torch.allclose(init.generator["conv_first.weight"].double(), w[:, 0:4] + w[:, 4:8] + w[:, 8:12], atol=1e-6)
    last = rgb.state_dict()["conv_last.weight"].double().mean(dim=0, keepdim=True)
    assert torch.allclose(init.generator["conv_last.weight"].double(), last, atol=1e-7)

    torch.save({"params": UNetDiscriminatorSN().state_dict()}, no_weights_anywhere / "RealESRGAN_x2plus_netD.pth")
    init, _ = initial_weights(config_for("paper"))
    assert init.discriminator is not None and init.discriminator["conv0.weight"].shape == (64, 1, 3, 3)
    assert "RealESRGAN_x2plus_netD.pth sha256:" in init.label


def test_split_key_identifies_the_frames(tiny_mito: BenchmarkDict, tiny_cache: Path) -> None:
    from microsr_bench.data import load_benchmark

    again = load_benchmark("MITO", source="simulated", size="tiny", cache_dir=tiny_cache, progress=False)
    assert split_key(tiny_mito["train"]) == split_key(again["train"])
    assert split_key(tiny_mito["train"]) != split_key(tiny_mito["train"].select(range(8)))
    assert split_key(tiny_mito["train"]) != split_key(tiny_mito.hr_images("train"))


def test_base_then_finetune_then_reuse(tiny_mito: BenchmarkDict, tiny_nuc: BenchmarkDict, tmp_path: Path) -> None:
    config = dataclasses.replace(config_for("tiny"), max_iters=4)
    base = train_base(config, tiny_mito["train"], tiny_mito["validation"], workdir=tmp_path, progress=False)
    assert base.initialisation == "scratch" and base.result.iterations == 4
    assert base.result.run_dir.parent == tmp_path / "resrgan-b" and base.result.run_dir.name.startswith("base-")
    tuned = train_finetune(config, base, tiny_nuc["train"], tiny_nuc["validation"], workdir=tmp_path, progress=False)
    assert tuned.result.run_dir.name.startswith("finetune-") and tuned.initialisation == "scratch"
    assert tuned.init_label.startswith("model.safetensors sha256:")
    # The fine-tuning started from the base: its discriminator came from the base run's final one.
    assert (base.result.run_dir / "discriminator.safetensors").is_file()
    stamp = tuned.result.weights.stat().st_mtime_ns
    again = train_finetune(config, base, tiny_nuc["train"], tiny_nuc["validation"], workdir=tmp_path, progress=False)
    assert again.result == tuned.result and tuned.result.weights.stat().st_mtime_ns == stamp  # reused, not retrained
    other = train_finetune(
        config, base, tiny_nuc["train"].select(range(8)), tiny_nuc["validation"], workdir=tmp_path, progress=False
    )
    assert other.result.run_dir != tuned.result.run_dir  # other frames, other run


def test_finetune_from_a_file_reads_its_initialisation(tiny_nuc: BenchmarkDict, tmp_path: Path) -> None:
    config = dataclasses.replace(config_for("tiny"), max_iters=2)
    model = RRDBNet.from_config(config.generator)
    from baselines.realesrgan import save_weights

    path = save_weights(model, tmp_path / "b.safetensors", {"microsr_bench.initialisation": "official-weights"})
    run = train_finetune(config, path, tiny_nuc["train"], tiny_nuc["validation"], workdir=tmp_path, progress=False)
    assert run.initialisation == "official-weights"


def test_synthetic_run_trains_on_hr_only(tiny_mito: BenchmarkDict, tmp_path: Path) -> None:
    config = dataclasses.replace(config_for("tiny"), max_iters=2)
    run = train_synthetic(
        config, tiny_mito.hr_images("train"), tiny_mito["validation"], workdir=tmp_path, progress=False
    )
    assert run.result.run_dir.parent == tmp_path / "resrgan-s" and run.result.iterations == 2
    state, _ = read_weights(run.result.weights)
    assert state["conv_first.weight"].shape == (8, 4, 3, 3)  # 1 channel unshuffled by 2 -> 4 inputs
