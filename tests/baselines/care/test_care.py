"""CARE: the U-Net's shapes and size, the normalisation, the residual path, training, persistence, evaluate."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from baselines.care import Care, CarePredictor, CareUNet, UNetConfig, care_config
from baselines.care.data import CarePatchSampler, eligible_centres, image_percentiles
from baselines.care.normalize import denormalize, normalize, percentiles
from baselines.care.train import train_care
from baselines.realesrgan.train_validate import ValidationSet
from baselines.realesrgan.weights import read_weights
from microsr_bench.data import BenchmarkDict
from microsr_bench.errors import ConfigError, DataError, InvalidArgumentError, NotFoundError
from microsr_bench.protocols import blind_synthetic, paired, zero_shot
from microsr_bench.protocols.method import MethodOptions

pytestmark = pytest.mark.usefixtures("one_thread")


def _conv(c_in: int, c_out: int, k: int = 5) -> int:
    return k * k * c_in * c_out + c_out


def test_parameter_count_is_the_hand_count_of_csbdeep_defaults() -> None:
    # CSBDeep unet_block, depth 2, 32 first features, 5x5, 2 convs per level (docs/baselines.md):
    down = _conv(1, 32) + _conv(32, 32) + _conv(32, 64) + _conv(64, 64)
    middle = _conv(64, 128) + _conv(128, 64)  # n_conv_per_depth - 1 at 32*2**2, then one at 32*2**1
    up = _conv(64 + 64, 64) + _conv(64, 32) + _conv(32 + 32, 32) + _conv(32, 32)  # last: 32 * 2**max(0, -1)
    final = _conv(32, 1, k=1)
    assert down + middle + up + final == 922_977
    assert sum(p.numel() for p in CareUNet().parameters()) == down + middle + up + final


def test_short_budget_is_refused_with_the_reason() -> None:
    # `short` fine-tunes pre-trained Real-ESRGAN networks; CARE has no pre-trained weights (docs/baselines.md).
    with pytest.raises(ConfigError, match=r"CARE has no 'short' budget.*--budget cpu"):
        care_config("short")


def test_shapes_and_padding() -> None:
    net = CareUNet(UNetConfig(n_first=4))
    assert net(torch.rand(2, 1, 16, 24)).shape == (2, 1, 16, 24)
    with pytest.raises(ConfigError, match="multiples of 4"):
        net(torch.rand(1, 1, 18, 16))
    out = CarePredictor(net)(torch.rand(3, 1, 9, 13))  # odd sides: reflect-padded, then cropped
    assert out.shape == (3, 1, 18, 26)


def test_percentiles_match_numpy_and_normalisation_round_trips() -> None:
    rng = np.random.default_rng(0)
    images = torch.from_numpy(rng.gamma(2.0, size=(3, 1, 17, 19)).astype(np.float32))
    lo, hi = percentiles(images, torch.tensor([1.0, 2.0, 3.0]), 99.8)
    for i, p in enumerate((1.0, 2.0, 3.0)):  # reference: numpy.percentile (linear interpolation)
        assert lo[i].item() == pytest.approx(np.percentile(images[i].numpy(), p), rel=1e-6)
        assert hi[i].item() == pytest.approx(np.percentile(images[i].numpy(), 99.8), rel=1e-6)
    assert torch.allclose(denormalize(normalize(images, lo, hi), lo, hi), images, atol=1e-6)


def test_residual_path_with_zero_last_conv_gives_the_bicubic() -> None:
    net = CareUNet(UNetConfig(n_first=4))
    with torch.no_grad():
        net.final.weight.zero_()
        net.final.bias.zero_()
    lr = torch.rand(2, 1, 12, 16)
    # Normalise, bicubic, identity U-Net, de-normalise = the bicubic of the input (bicubic weights sum to 1).
    expected = F.interpolate(lr, scale_factor=2, mode="bicubic", align_corners=False)
    assert torch.allclose(CarePredictor(net)(lr), expected, atol=1e-5)


def _tiny_run(mito: BenchmarkDict, run_dir: Path, **changes: object) -> object:
    config = dataclasses.replace(care_config("tiny"), **changes)  # type: ignore[arg-type]
    sampler = CarePatchSampler(mito["train"], patch_size=config.patch_size, batch_size=config.batch_size, seed=0)
    valid = ValidationSet(mito["validation"], config.val_frames)
    return train_care(config, sampler, valid, run_dir, run_key="k", progress=False)


def test_training_lowers_the_loss_on_a_fixed_batch() -> None:
    from baselines.care.train import CareTrainer

    config = dataclasses.replace(care_config("tiny"), lr=1e-3)
    trainer = CareTrainer(config, torch.device("cpu"))
    torch.manual_seed(1)
    hr = F.avg_pool2d(torch.rand(2, 1, 64, 64), 3, 1, 1)[..., :32, :32]
    lr = F.avg_pool2d(hr, 2)
    losses = [trainer.step(lr, hr) for _ in range(60)]
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:10])


def test_background_filter_is_csbdeeps_maximum_filter_rule() -> None:
    # Brute force on a small image: a centre is eligible when the maximum over the (patch // 2)-wide window
    # around it (zeros beyond the border) exceeds 0.4 x the 99.9th percentile.
    rng = np.random.default_rng(0)
    image = np.zeros((24, 20), np.float32)
    image[5:8, 12:15] = 1.0
    image += rng.uniform(0, 0.05, image.shape).astype(np.float32)
    got = eligible_centres(image, 8)
    padded = np.pad(image, 2)  # window of 4: offsets -2..+1 (scipy's origin for even sizes)
    expected = np.array(
        [[padded[y : y + 4, x : x + 4].max() for x in range(20)] for y in range(24)]
    ) > 0.4 * np.percentile(image, 99.9)
    assert np.array_equal(got, expected)
    assert got[6, 13] and not got[20, 2]


def test_sampler_patches_are_normalised_with_whole_image_percentiles(tiny_mito: BenchmarkDict) -> None:
    split = tiny_mito["train"]
    sampler = CarePatchSampler(split, patch_size=16, batch_size=4, seed=3)
    # Replay the stream by hand: same order, same positions, same percentile draws.
    stream = CarePatchSampler(split, patch_size=16, batch_size=4, seed=3)
    batch = sampler.next_batch()
    index = stream.stream.take(4)
    pmin = stream.percentile_rng.uniform(1.0, 3.0, size=4)
    pmax = stream.percentile_rng.uniform(99.5, 99.9, size=4)
    rows = split.with_format("numpy")
    scale = float(tiny_mito.benchmark.max_values["MITO"])
    for k, i in enumerate(index):
        lr = rows[int(i)]["lr"].astype(np.float32) / scale
        hr = rows[int(i)]["hr"].astype(np.float32) / scale
        valid = stream.positions(int(i), hr)
        y, x = divmod(int(valid[stream.stream.rng.integers(valid.size)]), lr.shape[1] - 8 + 1)
        lo, hi = image_percentiles(lr, pmin[k], pmax[k])
        assert np.allclose(batch.lr[k, 0].numpy(), (lr[y : y + 8, x : x + 8] - lo) / (hi - lo), atol=1e-6)
        lo, hi = image_percentiles(hr, pmin[k], pmax[k])
        assert np.allclose(
            batch.hr[k, 0].numpy(), (hr[2 * y : 2 * y + 16, 2 * x : 2 * x + 16] - lo) / (hi - lo), atol=1e-6
        )
        # Every HR patch is centred on an eligible pixel of its HR image.
        assert eligible_centres(hr, 16)[2 * y + 8, 2 * x + 8]
    # The filter removes positions: fewer eligible corners than all of them on these sparse images.
    hr0 = rows[0]["hr"].astype(np.float32) / scale
    assert 0 < stream.positions(0, hr0).size < (rows[0]["lr"].shape[0] - 7) * (rows[0]["lr"].shape[1] - 7)


def test_kill_and_resume_equals_uninterrupted(tiny_mito: BenchmarkDict, tmp_path: Path) -> None:
    full = _tiny_run(tiny_mito, tmp_path / "full", epochs=4)
    # A run "killed" after the older of the two checkpoints kept (epoch 3 of 4): drop what was written later.
    cut = tmp_path / "cut"
    shutil.copytree(tmp_path / "full", cut)
    kept = sorted((cut / "checkpoints").glob("iter_*"))
    assert [p.name for p in kept] == ["iter_0000006", "iter_0000008"]
    shutil.rmtree(kept[-1])
    (cut / "result.json").unlink()
    (cut / "model.safetensors").unlink()
    resumed = _tiny_run(tiny_mito, cut, epochs=4)
    a, b = read_weights(full.weights)[0], read_weights(resumed.weights)[0]  # type: ignore[attr-defined]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert full.history == resumed.history  # type: ignore[attr-defined]


def test_full_disk_at_a_checkpoint_stops_cleanly_and_resumes(
    tiny_mito: BenchmarkDict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CARE writes its checkpoints with the Real-ESRGAN helper: a full disk there is one DiskFullError, and the
    # resumed run (disk freed) ends bit for bit where an uninterrupted one does, as after a kill.
    import errno

    import baselines.realesrgan.train_checkpoint as train_checkpoint
    from microsr_bench.errors import DiskFullError

    real_save = torch.save

    def full_at_last(obj: object, path: object, *args: object, **kwargs: object) -> None:
        if isinstance(obj, dict) and obj.get("iteration") == 8:  # the last checkpoint (epoch 4 of 4)
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(obj, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(train_checkpoint.torch, "save", full_at_last)
    with pytest.raises(DiskFullError, match=r"training checkpoint iter_0000008.*--workdir"):
        _tiny_run(tiny_mito, tmp_path / "full-disk", epochs=4)
    monkeypatch.undo()
    left = sorted(p.name for p in (tmp_path / "full-disk" / "checkpoints").iterdir())
    assert left == ["iter_0000004", "iter_0000006"], "complete checkpoints only, no .tmp- folder"
    assert not (tmp_path / "full-disk" / "model.safetensors").exists()
    resumed = _tiny_run(tiny_mito, tmp_path / "full-disk", epochs=4)
    full = _tiny_run(tiny_mito, tmp_path / "uninterrupted", epochs=4)
    a, b = read_weights(full.weights)[0], read_weights(resumed.weights)[0]  # type: ignore[attr-defined]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_evaluate_save_load(evaluate_recorded: Callable[..., tuple], tiny_mito: BenchmarkDict, tmp_path: Path) -> None:
    # Every protocol that trains: paired, zero-shot (source MITO) and blind-synthetic (pairs synthesised from
    # the training HR images by the protocol itself).
    for protocol in (blind_synthetic(), paired("NUC"), zero_shot("NUC", source="MITO")):
        method = Care(MethodOptions(budget="tiny", workdir=tmp_path / "work", progress=False))
        result, seen, test_ids = evaluate_recorded(method, protocol)
        assert seen and not set(seen) & test_ids
        record = result.records[0]
        assert record["method"]["name"] == "care"
        assert record["method"]["parameters"]["initial_weights"]["name"] == "scratch"
        # The protocol's training stage in the lineage carries the trainer's iteration count (3 epochs x 2).
        stages = [s for s in record["lineage"] if s["kind"] == "training"]
        assert [s["iterations"] for s in stages] == [6] * len(stages) == [method.fit_iterations] * len(stages)
    path = method.save(tmp_path / "care.safetensors")
    loaded = Care(MethodOptions(budget="tiny", weights=path))
    lr = torch.rand(1, 1, 24, 20)
    assert torch.equal(loaded(lr), method(lr)) and loaded.identity == method.identity
    assert loaded.training["datasets"] == ["MITO"]
    with pytest.raises(InvalidArgumentError, match="care trains on LR/HR pairs"):
        Care(MethodOptions(budget="tiny", workdir=tmp_path)).fit(tiny_mito.hr_images("train"), tiny_mito["validation"])
    with pytest.raises(NotFoundError, match="care has no weights yet"):
        Care()(lr)
    other = tmp_path / "other.safetensors"
    from baselines.realesrgan.weights import save_weights

    save_weights(CareUNet(), other)
    with pytest.raises(DataError, match="is not a care model"):
        Care().load(other)
