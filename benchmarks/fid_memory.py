"""FID/KID memory: peak resident memory of ``set_metrics`` for 100 and 6,400 predictions, each in a fresh process.

Run ``python benchmarks/fid_memory.py [--counts 100 6400] [--size 512]``. Each count runs in its own
process that streams ``count`` seeded 512x512 float images (made on the fly, never stacked) against 64
reference images through :func:`microsr_bench.metrics.set_metrics`, then prints its peak RSS
(``ru_maxrss``). The memory is bounded when the peak does not grow with the count.

The FID Inception weights are not shipped with the library. With ``--weights PATH`` (or
``MICROSR_BENCH_INCEPTION``) the real network runs; otherwise a stand-in extractor does (average pooling
to 16x16 and a fixed random projection to Inception's 2,048 features), so the running sums and the KID
reservoir have their real sizes while the network's own memory (about 100 MB of weights) is left out.
The script says which one ran.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import torch

FEATURES = 2048


class StandIn(torch.nn.Module):
    """Tiles ``[B, 3, 299, 299]`` -> ``[B, 2048]``: pooled pixels through a fixed random projection."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(3 * 16 * 16, FEATURES)
        torch.nn.init.normal_(self.proj.weight, generator=torch.Generator().manual_seed(0))

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(torch.nn.functional.adaptive_avg_pool2d(x, 16).flatten(1))


def _images(count: int, size: int, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield rng.random((size, size))


def child(count: int, size: int, weights: str | None) -> None:
    from microsr_bench.metrics import set_metrics

    extractor = None if weights else StandIn().eval()
    start = time.perf_counter()
    result = set_metrics(_images(count, size, 1), _images(64, size, 2), feature_extractor=extractor, weights=weights)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(f"{peak_mb:.1f} {elapsed:.1f} {result.fid:.6g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 6400])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--weights", default=os.environ.get("MICROSR_BENCH_INCEPTION"))
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.size, args.weights)
        return
    which = f"the FID Inception ({args.weights})" if args.weights else "a stand-in extractor (no Inception weights)"
    print(f"set_metrics (FID + KID) of N {args.size}x{args.size} images against 64, features from {which}")
    peaks = {}
    for count in args.counts:
        command = [sys.executable, __file__, "--child", str(count), "--size", str(args.size)]
        command += ["--weights", args.weights] if args.weights else []
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        peaks[count] = float(out[0])
        print(f"  N = {count:5d}: peak RSS {out[0]} MB, {out[1]} s")
    low, high = min(args.counts), max(args.counts)
    print(f"  peak at N = {high} / peak at N = {low}: {peaks[high] / peaks[low]:.2f} ({high // low}x the images)")


if __name__ == "__main__":
    main()
