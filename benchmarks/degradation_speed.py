"""Time of the Real-ESRGAN second-order pipeline per 512 x 512 image on this machine (docs/degradations.md, "Speed").

Usage::

    python benchmarks/degradation_speed.py [--seeds 40] [--threads 1 2] [--batch 1 8]

For each torch thread count and batch size: 3 warm-up calls, then one call per seed, each timed with
``time.perf_counter``; printed are the median and the 10th-90th percentiles in ms *per image*, and the 1-minute
load average read before each configuration (a busy machine makes every figure an upper bound). The image is a
smooth random field in [0, 1], one channel, as the pipeline receives microscopy HR images. Different seeds take
different times: the random resize of the first stage makes the working image up to 1.5^2 = 2.25 times larger.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch
import torch.nn.functional as F

from microsr_bench.degradations import SecondOrderDegradation


def _image(batch: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    noise = torch.rand(batch, 1, 128, 128, generator=generator)
    return F.interpolate(noise, size=(512, 512), mode="bicubic", align_corners=False).clamp(0, 1)


def time_config(threads: int, batch: int, seeds: int) -> dict[str, float]:
    """Median and p10/p90 of the per-image time (ms) over ``seeds`` calls, after 3 warm-up calls."""
    torch.set_num_threads(threads)
    degrade = SecondOrderDegradation()
    hr = _image(batch)
    load = os.getloadavg()[0]
    for seed in range(3):
        degrade(hr, generator=10_000 + seed)
    times = []
    for seed in range(seeds):
        start = time.perf_counter()
        degrade(hr, generator=seed)
        times.append((time.perf_counter() - start) * 1e3 / batch)
    p10, median, p90 = np.percentile(times, [10, 50, 90])
    return {"threads": threads, "batch": batch, "median": median, "p10": p10, "p90": p90, "load": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}")
    print("| torch threads | batch | median ms per image (p10-p90) | load average |")
    print("|---|---|---|---|")
    for threads in args.threads:
        for batch in args.batch:
            row = time_config(threads, batch, args.seeds)
            print(
                f"| {threads} | {batch} | {row['median']:.0f} ({row['p10']:.0f}-{row['p90']:.0f}) | {row['load']:.1f} |"
            )


if __name__ == "__main__":
    main()
