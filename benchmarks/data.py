"""Data benchmark: simulator generation time, cold and warm load time, and pairs/s through a DataLoader.

Run ``python benchmarks/data.py [--size small] [--dataset MITO]``. Every speed is printed with a reference
measured in the same run (these machines are noisy): load times against opening the Arrow files alone,
and DataLoader throughput against a plain loop that reads the same LR/HR files with tifffile.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import datasets
import numpy as np
import tifffile
import torch

from microsr_bench.data import PairCollator, benchmark_info, load_benchmark
from microsr_bench.data.cards import get_card
from microsr_bench.data.profiles import get_profile
from microsr_bench.data.simulated import simulated_source_key
from microsr_bench.data.torch_rows import TorchPairs

_LOAD = (
    "import time, sys, warnings; t = time.perf_counter();"
    "from microsr_bench.data import PairCollator, benchmark_info, load_benchmark; t_import = time.perf_counter();"
    "load_benchmark({name!r}, source='simulated', size={size!r}, cache_dir={cache!r}, progress=False);"
    "t_load = time.perf_counter(); print(t_import - t, t_load - t_import)"
)


def _load_in_new_process(name: str, size: str, cache: str) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", _LOAD.format(name=name, size=size, cache=cache)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def _dataloader_rate(split, workers: int, limit: int, fast: bool | str) -> tuple[float, float]:
    """(pairs/s once the first batch has arrived, seconds to the first batch) over ``limit`` pairs.

    The rows are cycled (in order, or shuffled per pass for the training loader) until ``limit`` pairs were
    read, so that a small split still measures the steady rate; starting the workers is reported apart.
    """
    rng = np.random.default_rng(0)
    order = np.arange(len(split))
    if fast == "train":
        order = np.concatenate([rng.permutation(len(split)) for _ in range(-(-limit // len(split)))])
    indices = [int(order[i % len(order)]) for i in range(limit)]
    if fast == "rows":  # TorchPairs: uint16 tensors [1, H, W], whole images, like with_format("torch")
        rows, collate = TorchPairs(split), None
    elif fast == "train":  # TorchPairs as training reads it: float32 in [0, 1], 128-px HR crops, shuffled
        rows, collate = TorchPairs(split, scale=True, patch=128), None
    elif fast:  # NumPy rows batched by PairCollator (float32 in [0, 1])
        rows = split.with_format("numpy", columns=["dataset", "lr", "hr"])
        collate = PairCollator(benchmark_info(split).max_values)
    else:  # datasets' own torch format and the default collate
        rows, collate = split.with_format("torch", columns=["lr", "hr"]), None
    loader = torch.utils.data.DataLoader(rows, batch_size=16, num_workers=workers, sampler=indices, collate_fn=collate)
    start = time.perf_counter()
    batches = iter(loader)
    next(batches)
    first = time.perf_counter()
    n = sum(batch["lr"].shape[0] for batch in batches)
    return n / (time.perf_counter() - first), first - start


def _plain_file_rate(bench, name: str, limit: int) -> float:
    prepared = bench.prepared[name]
    rows = bench["train"].select(range(min(limit, len(bench["train"]))))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, row in enumerate(rows.with_format("numpy")):
            path = Path(tmp) / f"{i}.tif"
            tifffile.imwrite(path, row["lr"])
            paths.append((path, prepared.hr_path(row["hr_id"])))
        start = time.perf_counter()
        for lr_path, hr_path in paths:
            np.asarray(tifffile.imread(lr_path)), np.asarray(tifffile.imread(hr_path))
        return len(paths) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="small", choices=["full", "small", "tiny"])
    parser.add_argument("--dataset", default="MITO")
    parser.add_argument("--pairs", type=int, default=1000, help="pairs read in the throughput tests")
    parser.add_argument(
        "--cache-dir",
        help="reuse the data cached there (the 'generate' line then times a warm load) instead of a new temp folder",
    )
    args = parser.parse_args()
    profile = get_profile(args.size)
    fields = profile.hr_images(args.dataset).total
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache_dir or tmp
        start = time.perf_counter()
        bench = load_benchmark(args.dataset, source="simulated", size=args.size, cache_dir=cache, progress=False)
        generate = time.perf_counter() - start
        frames = fields * profile.frames_per_hr
        print(
            f"generate {args.dataset} ({args.size}): {generate:.1f} s for {fields} fields, {frames} LR frames "
            f"({1000 * generate / frames:.1f} ms per LR frame, including writing the cache)"
        )
        folder = Path(cache) / simulated_source_key(profile) / args.dataset
        start = time.perf_counter()
        for split in ("train", "validation", "test"):
            datasets.Dataset.from_file(str(folder / "pairs" / f"{split}.arrow"))
        floor = time.perf_counter() - start
        _, cold = _load_in_new_process(args.dataset, args.size, cache)
        imp, warm = _load_in_new_process(args.dataset, args.size, cache)
        start = time.perf_counter()
        load_benchmark(args.dataset, source="simulated", size=args.size, cache_dir=cache, progress=False)
        same = time.perf_counter() - start
        print(f"load, new process, first after generation: {cold * 1000:.0f} ms")
        print(f"load, new process, warm: {warm * 1000:.0f} ms (import of microsr_bench.data: {imp * 1000:.0f} ms)")
        print(
            f"load, same process, warm: {same * 1000:.0f} ms = {same / floor:.1f}x opening the three Arrow files "
            f"alone ({floor * 1000:.0f} ms; the rest is the integrity check, manifest and HR column)"
        )
        plain = _plain_file_rate(bench, args.dataset, min(args.pairs, 300))
        print(f"reference: a plain tifffile loop over the same LR/HR files reads {plain:.0f} pairs/s")
        loaders = (
            (False, 'datasets\' with_format("torch")'),
            (True, 'with_format("numpy") + PairCollator'),
            ("rows", "TorchPairs (torch rows, uint16)"),
            ("train", "TorchPairs(scale=True, patch=128), shuffled (training loader)"),
        )
        for fast, label in loaders:
            for workers in (0, 2):
                rate, startup = _dataloader_rate(bench["train"], workers, args.pairs, fast)
                print(
                    f"DataLoader, {label}, batch 16, {workers} workers: {rate:.0f} pairs/s = "
                    f"{rate / plain:.2f}x the plain loop (first batch after {startup:.2f} s)"
                )
    print(f"card: {get_card(args.dataset).name}, LR {profile.lr_shape}, HR {profile.hr_shape}")


if __name__ == "__main__":
    main()
