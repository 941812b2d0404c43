"""TorchPairs: the rows of a prepared folder as torch tensors, whole or as aligned random crops.

Expected values are the arrays the test itself wrote to disk (conftest.write_field) before ``prepare``; the
loader must hand back exactly those pixels, however it decodes them.
"""

from __future__ import annotations

import io

import datasets
import numpy as np
import pytest
import tifffile
import torch

from microsr_bench.data import load_benchmark, prepare_folder
from microsr_bench.data.torch_rows import TorchPairs, _TiffDecoder
from microsr_bench.errors import InvalidArgumentError
from tests.data.conftest import write_field


@pytest.fixture(scope="module")
def bench_and_fields(tmp_path_factory):
    # 3 fields of 100 frames (prepare's minimum): one field per split. Prepared once for the module.
    base = tmp_path_factory.mktemp("torch_rows")
    rng = np.random.default_rng(0)
    fields = {f"cell{i:02d}": write_field(base / "real" / "MITO", f"cell{i:02d}", rng) for i in range(3)}
    prepare_folder(base / "real", ["MITO"], cache_dir=base / "cache", allow_noncanonical=True, progress=False)
    return load_benchmark("MITO", source="folder", cache_dir=base / "cache", progress=False), fields


def test_rows_are_the_written_pixels_as_uint16_tensors(bench_and_fields):
    bench, fields = bench_and_fields
    for split in ("train", "validation", "test"):
        rows = TorchPairs(bench[split])
        assert len(rows) == len(bench[split])
        for i in range(0, len(rows), 7):
            item = rows[i]
            hr, frames = fields[item["hr_id"]]
            assert item["lr"].dtype == torch.uint16 and item["lr"].shape == (1, 256, 256)
            assert np.array_equal(item["lr"][0].numpy(), frames[item["frame"]])
            assert np.array_equal(item["hr"][0].numpy(), hr)
            assert item["id"] == f"MITO/{item['hr_id']}/{item['frame']:03d}"


def test_scaled_rows_equal_pair_collator(bench_and_fields):
    # PairCollator (the NumPy-rows path, collate.py) is the reference for the float32 [0, 1] values.
    from microsr_bench.data import PairCollator

    bench, _ = bench_and_fields
    split = bench["train"]
    numpy_rows = split.with_format("numpy", columns=["dataset", "lr", "hr"])
    expected = PairCollator(bench.benchmark.max_values)([numpy_rows[i] for i in range(len(split))])
    batch = torch.utils.data.default_collate(TorchPairs(split, scale=True).__getitems__(list(range(len(split)))))
    assert batch["lr"].dtype == torch.float32
    assert torch.equal(batch["lr"], expected["lr"]) and torch.equal(batch["hr"], expected["hr"])


def test_crops_are_aligned_deterministic_and_change_with_the_epoch(bench_and_fields):
    bench, fields = bench_and_fields
    rows = TorchPairs(bench["train"], patch=16, seed=3)
    item = rows[1]
    hr, frames = fields[item["hr_id"]]
    lr_crop, hr_crop = item["lr"][0].numpy(), item["hr"][0].numpy()
    assert lr_crop.shape == (8, 8) and hr_crop.shape == (16, 16)
    # Find the crop's origin in the full LR frame; the HR crop must sit at twice that offset.
    lr = frames[item["frame"]]
    candidates = zip(*np.nonzero(lr[:-7, :-7] == lr_crop[0, 0]), strict=True)
    hits = [(y, x) for y, x in candidates if np.array_equal(lr[y : y + 8, x : x + 8], lr_crop)]
    assert len(hits) == 1
    y, x = hits[0]
    assert np.array_equal(hr[2 * y : 2 * y + 16, 2 * x : 2 * x + 16], hr_crop)
    assert torch.equal(TorchPairs(bench["train"], patch=16, seed=3)[1]["lr"], item["lr"])  # same seed, same crop
    origins = set()
    for epoch in range(6):
        rows.set_epoch(epoch)
        origins.add(tuple(rows[1]["lr"][0, 0, :3].tolist()))
    assert len(origins) > 1


def test_dataloader_with_workers_batches_like_the_main_process(bench_and_fields):
    bench, _ = bench_and_fields
    rows = TorchPairs(bench["train"], scale=True, patch=16)
    rows = torch.utils.data.Subset(rows, range(12))
    single = list(torch.utils.data.DataLoader(rows, batch_size=3))
    workers = list(torch.utils.data.DataLoader(rows, batch_size=3, num_workers=2))
    assert [b["id"] for b in single] == [b["id"] for b in workers]
    assert all(torch.equal(a["hr"], b["hr"]) for a, b in zip(single, workers, strict=True))
    assert single[0]["lr"].shape == (3, 1, 8, 8)


def test_hr_cache_is_bounded_and_items_do_not_share_it(bench_and_fields):
    bench, fields = bench_and_fields
    every = bench.benchmark.stamp(datasets.concatenate_datasets([bench[s] for s in ("train", "validation", "test")]))
    rows = TorchPairs(every, hr_cache=2)
    rows.__getitems__(list(range(0, len(rows), 10)))
    assert len(rows._hr) == 2  # three fields read, two kept
    item = rows[0]
    original = int(item["hr"][0, 0, 0])
    item["hr"][0, 0, 0] = original + 1  # writing into an item must not reach the cached image
    assert int(rows[0]["hr"][0, 0, 0]) == original == int(fields[item["hr_id"]][0][0, 0])


def test_decoder_reads_any_byte_order_and_falls_back_on_other_layouts():
    # Reference: the arrays themselves, written by tifffile in both byte orders and compressed.
    decode = _TiffDecoder()
    image = (np.arange(35, dtype=np.uint16) * 997).reshape(5, 7)
    for kwargs in ({"byteorder": "<"}, {"byteorder": ">"}, {"compression": "zlib"}, {"byteorder": "<"}):
        buffer = io.BytesIO()
        tifffile.imwrite(buffer, image, **kwargs)
        for _ in range(2):  # the second read takes the cached layout when there is one
            assert np.array_equal(decode(buffer.getvalue()), image)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"patch": 15}, r"patch must be an even HR patch size >= 2 or None, got 15"),
        ({"patch": True}, r"patch must be an even"),
        ({"hr_cache": 0}, r"hr_cache must be at least 1 HR image, got 0"),
        ({"patch": 1024}, r"patch=1024 is larger than the images .*use a patch of at most 512"),
    ],
)
def test_bad_options_are_refused(bench_and_fields, kwargs, message):
    bench, _ = bench_and_fields
    with pytest.raises(InvalidArgumentError, match=message):
        TorchPairs(bench["train"], **kwargs)[0]


def test_a_split_without_the_pair_columns_is_refused(bench_and_fields):
    bench, _ = bench_and_fields
    with pytest.raises(InvalidArgumentError, match=r"lacks lr, hr.*split from load_benchmark"):
        TorchPairs(bench["train"].remove_columns(["lr", "hr"]))
