"""Tests of the patch samplers: alignment, epochs, checkpointable state, sharding, synthesis by name."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from baselines.realesrgan.data import (
    PairedPatchSampler,
    SyntheticPatchSampler,
    make_synthesis,
    unique_hr_rows,
)
from microsr_bench.data import BenchmarkDict
from microsr_bench.errors import InvalidArgumentError


def _find(frame: np.ndarray, patch: np.ndarray) -> list[tuple[int, int]]:
    """Every position where ``patch`` occurs in ``frame`` (exhaustive, independent of the sampler)."""
    windows = np.lib.stride_tricks.sliding_window_view(frame, patch.shape)
    hits = np.all(windows == patch, axis=(2, 3))
    return [(int(y), int(x)) for y, x in zip(*np.nonzero(hits), strict=True)]


def test_paired_patches_are_aligned_crops_of_the_frames(tiny_mito: BenchmarkDict) -> None:
    # Reference: the raw uint16 frames divided by the card's max_value (4095, 12 bits), searched exhaustively.
    split = tiny_mito["train"]
    sampler = PairedPatchSampler(split, patch_size=32, batch_size=3, seed=1)
    batch = sampler.next_batch()
    assert batch.lr.shape == (3, 1, 16, 16) and batch.hr.shape == (3, 1, 32, 32)
    assert batch.lr.dtype == batch.hr.dtype == torch.float32
    rows = split.with_format("numpy")
    for lr, hr in zip(batch.lr[:, 0].numpy(), batch.hr[:, 0].numpy(), strict=True):
        matches = [(i, y, x) for i in range(len(rows)) for (y, x) in _find(rows[i]["lr"].astype(np.float32) / 4095, lr)]
        assert len(matches) == 1
        i, y, x = matches[0]
        assert np.array_equal(rows[i]["hr"][2 * y : 2 * y + 32, 2 * x : 2 * x + 32].astype(np.float32) / 4095, hr)


def test_epochs_visit_every_frame_once(tiny_mito: BenchmarkDict) -> None:
    # 16 training frames (4 fields x 4 frames): each epoch is a permutation of 0..15.
    stream = PairedPatchSampler(tiny_mito["train"], patch_size=32, batch_size=4, seed=0).stream
    order = [int(i) for _ in range(32) for i in stream.take(1)]
    assert stream.epoch == 2
    assert Counter(order[:16]) == Counter(range(16)) and Counter(order[16:]) == Counter(range(16))
    assert order[:16] != order[16:]  # a fresh permutation each epoch


def test_state_round_trip_continues_the_same_stream(tiny_mito: BenchmarkDict) -> None:
    a = PairedPatchSampler(tiny_mito["train"], patch_size=32, batch_size=3, seed=5)
    for _ in range(7):  # cross an epoch boundary (21 > 16 frames)
        a.next_batch()
    state = a.state_dict()
    expected = [a.next_batch() for _ in range(3)]
    b = PairedPatchSampler(tiny_mito["train"], patch_size=32, batch_size=3, seed=99)
    b.load_state_dict(state)
    for want in expected:
        got = b.next_batch()
        assert torch.equal(got.lr, want.lr) and torch.equal(got.hr, want.hr)


def test_state_from_other_data_is_refused(tiny_mito: BenchmarkDict) -> None:
    a = PairedPatchSampler(tiny_mito["train"], patch_size=32, batch_size=2, seed=0)
    b = PairedPatchSampler(tiny_mito["validation"], patch_size=32, batch_size=2, seed=0)
    with pytest.raises(InvalidArgumentError, match="ran over 16 training items, this data has 8"):
        b.load_state_dict(a.state_dict())


def test_shards_of_two_processes_make_the_single_process_batch(tiny_mito: BenchmarkDict) -> None:
    # DistributedSampler-style: rank r of 2 takes items r*b..r*b+b-1 of the global batch of 2b.
    single = PairedPatchSampler(tiny_mito["train"], patch_size=32, batch_size=4, seed=2)
    ranks = [
        PairedPatchSampler(tiny_mito["train"], patch_size=32, batch_size=2, seed=2, rank=r, world_size=2)
        for r in (0, 1)
    ]
    for _ in range(3):
        whole = single.next_batch()
        parts = [s.next_batch() for s in ranks]
        assert torch.equal(torch.cat([p.lr for p in parts]), whole.lr)
        assert torch.equal(torch.cat([p.hr for p in parts]), whole.hr)


def test_paired_sampler_errors(tiny_mito: BenchmarkDict) -> None:
    with pytest.raises(InvalidArgumentError, match="needs columns lr, hr and dataset"):
        PairedPatchSampler(tiny_mito.hr_images("train"), patch_size=32, batch_size=2, seed=0)
    with pytest.raises(InvalidArgumentError, match="smaller than the LR patch of 128"):
        PairedPatchSampler(tiny_mito["train"], patch_size=256, batch_size=2, seed=0)
    with pytest.raises(InvalidArgumentError, match="0 <= rank < world_size"):
        PairedPatchSampler(tiny_mito["train"], patch_size=32, batch_size=2, seed=0, rank=2, world_size=2)
    with pytest.raises(InvalidArgumentError, match="training split is empty"):
        PairedPatchSampler(tiny_mito["train"].select([]), patch_size=32, batch_size=2, seed=0)


def test_unique_hr_rows(tiny_mito: BenchmarkDict) -> None:
    paired = unique_hr_rows(tiny_mito["train"])
    assert paired["hr_id"] == sorted(set(tiny_mito["train"]["hr_id"]))  # one row per field, first frame
    view = tiny_mito.hr_images("train")
    assert unique_hr_rows(view) is view
    with pytest.raises(InvalidArgumentError, match="needs columns hr_id and hr"):
        unique_hr_rows(tiny_mito["train"].remove_columns(["hr"]))


def _identity_synthesis(hr: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """A stand-in LR synthesis: 2x2 mean pooling plus noise from the given generator."""
    noise = torch.from_numpy(rng.normal(0, 0.01, size=(1, 1, hr.shape[-2] // 2, hr.shape[-1] // 2)).astype(np.float32))
    return torch.nn.functional.avg_pool2d(hr, 2) + noise


def test_synthetic_patches_come_from_hr_images_only(tiny_mito: BenchmarkDict) -> None:
    # With 2x2 mean pooling as the synthesis, the LR patch equals the pooled HR patch up to the added noise.
    sampler = SyntheticPatchSampler(
        tiny_mito.hr_images("train"), _identity_synthesis, patch_size=32, synth_crop=64, batch_size=3, seed=0
    )
    batch = sampler.next_batch()
    assert batch.lr.shape == (3, 1, 16, 16) and batch.hr.shape == (3, 1, 32, 32)
    pooled = torch.nn.functional.avg_pool2d(batch.hr, 2)
    assert 0 < float((batch.lr - pooled).abs().max()) < 0.06  # 6 sigma of the 0.01 noise


def test_synthetic_stream_is_deterministic_and_shardable(tiny_mito: BenchmarkDict) -> None:
    view = tiny_mito.hr_images("train")
    kw = {"patch_size": 32, "synth_crop": 64, "seed": 4}
    single = SyntheticPatchSampler(view, _identity_synthesis, batch_size=4, **kw)
    ranks = [SyntheticPatchSampler(view, _identity_synthesis, batch_size=2, rank=r, world_size=2, **kw) for r in (0, 1)]
    again = SyntheticPatchSampler(tiny_mito["train"], _identity_synthesis, batch_size=4, **kw)  # paired split: same HR
    for _ in range(2):
        whole = single.next_batch()
        assert torch.equal(torch.cat([s.next_batch().lr for s in ranks]), whole.lr)
        assert torch.equal(again.next_batch().lr, whole.lr)


def test_synthetic_sampler_errors(tiny_mito: BenchmarkDict) -> None:
    with pytest.raises(InvalidArgumentError, match="smaller than synth_crop=400"):
        SyntheticPatchSampler(
            tiny_mito.hr_images("train"), _identity_synthesis, patch_size=32, synth_crop=400, batch_size=1, seed=0
        )


def test_realesrgan_synthesis_halves_the_size_and_is_seeded() -> None:
    synthesis = make_synthesis("realesrgan")
    hr = torch.rand(1, 1, 80, 80)
    a = synthesis(hr, np.random.default_rng(3))
    b = synthesis(hr, np.random.default_rng(3))
    assert a.shape == (1, 1, 40, 40) and torch.equal(a, b)
    assert not torch.equal(a, synthesis(hr, np.random.default_rng(4)))


def test_physics_synthesis_is_calibrated_on_the_split_it_is_given(tiny_mito) -> None:
    from microsr_bench.degradations import physics

    calls = []
    original = physics.calibrate_from_benchmark

    def spy(table, **kwargs):
        calls.append((list(table["id"]), kwargs))
        return original(table, **kwargs)

    physics.calibrate_from_benchmark = spy
    try:
        assert callable(make_synthesis("physics", dataset="MITO", calibration_split=tiny_mito["validation"]))
    finally:
        physics.calibrate_from_benchmark = original
    assert calls[0][0] == tiny_mito["validation"]["id"] and calls[0][1]["dataset"] == "MITO"
    assert callable(make_synthesis("physics"))  # uncalibrated: the generic defaults
    with pytest.raises(InvalidArgumentError, match="synthesis must be one of realesrgan, physics, bicubic"):
        make_synthesis("nearest")
