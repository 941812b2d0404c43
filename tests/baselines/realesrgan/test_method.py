"""Tests of the RESRGan-B / RESRGan-S method objects: fit, call, record fields, save and load."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import torch

from baselines.realesrgan.method import ResrganB, ResrganS, export_path
from microsr_bench.data import BenchmarkDict
from microsr_bench.errors import DataError, InvalidArgumentError, NotFoundError
from microsr_bench.protocols.method import MethodOptions, TrainableMethod

pytestmark = pytest.mark.usefixtures("one_thread")


def _options(workdir: Path, **kwargs: object) -> MethodOptions:
    return MethodOptions(budget="tiny", workdir=workdir, progress=False, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def trained_b(tiny_nuc: BenchmarkDict, tiny_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> ResrganB:
    """RESRGan-B fitted on NUC: trains the MITO base (loaded from the same cache) and fine-tunes it."""
    workdir = tmp_path_factory.mktemp("resrgan-b")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return ResrganB(_options(workdir), cache_dir=tiny_cache).fit(tiny_nuc["train"], tiny_nuc["validation"])
    finally:
        torch.set_num_threads(before)


def test_fit_trains_the_base_then_fine_tunes(trained_b: ResrganB, tiny_nuc: BenchmarkDict) -> None:
    assert isinstance(trained_b, TrainableMethod)
    assert trained_b.training["stage"] == "fine-tuned" and trained_b.training["datasets"] == ["NUC"]
    # The base is named relative to the workdir with its digest: no path of this machine goes into records.
    assert re.fullmatch(r"resrgan-b/base-[0-9a-f]+/model\.safetensors sha256:[0-9a-f]{64}", trained_b.training["base"])
    assert trained_b.initialisation == "scratch"  # the tiny network cannot take the official weights
    assert trained_b.identity is not None and trained_b.identity.startswith("sha256:")
    assert "RESRGan-B" in trained_b.description and "NUC" in trained_b.description
    saved = export_path(trained_b.workdir, "resrgan-b", "tiny", tiny_nuc.benchmark, 0)
    assert saved.is_file() and saved.name == "resrgan-b_tiny_simulated-tiny_NUC_full_seed0.safetensors"


def test_call_follows_the_model_contract(trained_b: ResrganB) -> None:
    out = trained_b(torch.rand(2, 1, 24, 20))
    assert out.shape == (2, 1, 48, 40) and out.dtype == torch.float32
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    with pytest.raises(InvalidArgumentError, match=r"expects LR frames \[B, 1, h, w\]"):
        trained_b(torch.rand(2, 3, 24, 20))


def test_save_and_load_round_trip(trained_b: ResrganB, tmp_path: Path) -> None:
    path = trained_b.save(tmp_path / "b.safetensors")
    loaded = ResrganB(_options(tmp_path, weights=path))  # a .safetensors in options.weights is loaded at once
    lr = torch.rand(1, 1, 16, 16)
    assert torch.equal(loaded(lr), trained_b(lr))
    assert loaded.identity == trained_b.identity and loaded.initialisation == trained_b.initialisation
    assert loaded.config == trained_b.config and loaded.training["datasets"] == ["NUC"]
    with pytest.raises(DataError, match="holds a 'resrgan-b' model, not 'resrgan-s'"):
        ResrganS(_options(tmp_path)).load(path)


def test_fit_on_full_mito_is_the_base_itself(trained_b: ResrganB, tiny_mito: BenchmarkDict) -> None:
    # The zero-shot model of the paper: the base, reused from the workdir (no second fine-tuning).
    zero_shot = ResrganB(_options(trained_b.workdir)).fit(tiny_mito["train"], tiny_mito["validation"])
    assert zero_shot.training["stage"] == "base"
    weights = next((trained_b.workdir / "resrgan-b").glob("base-*/model.safetensors"))
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert trained_b.training["base"] == f"{weights.relative_to(trained_b.workdir).as_posix()} sha256:{digest}"


def test_untrained_method_says_what_to_do(tmp_path: Path) -> None:
    method = ResrganB(_options(tmp_path))
    assert "not trained yet" in method.description and method.identity is None
    with pytest.raises(NotFoundError, match=r"has no weights yet: call fit\(train, validation\)"):
        method(torch.rand(1, 1, 16, 16))
    with pytest.raises(NotFoundError, match="has no weights to save"):
        method.save(tmp_path / "x.safetensors")


def test_resrgan_s_trains_on_synthesised_pairs(tiny_mito: BenchmarkDict, tmp_path: Path) -> None:
    method = ResrganS(_options(tmp_path)).fit(tiny_mito.hr_images("train"), tiny_mito["validation"])
    assert method.training["stage"] == "synthetic" and method.training["synthesis"] == "realesrgan"
    assert method.parameters["synthesis"] == "realesrgan"
    assert method(torch.rand(1, 1, 16, 16)).shape == (1, 1, 32, 32)
    with pytest.raises(InvalidArgumentError, match="synthesis must be one of realesrgan, physics, bicubic"):
        ResrganS(_options(tmp_path), synthesis="nearest")  # type: ignore[arg-type]
