"""Cost of ``realesrgan-x4plus`` per 256x256 frame, against the x2 RRDBNet of the same width in the same run.

Run: ``python benchmarks/x4plus.py [--tile 0|128] [--threads N] [--repeats 1]`` (needs the ``pretrained`` extra).

Times one call of the method (gray fold, x4 network, RGB->gray, Lanczos-4 to x2) on one random 256x256 frame,
and one forward pass of the official-size x2 RRDBNet (1 channel, 23 blocks, random weights: the same cost as
trained ones) on the same frame, and prints both with their ratio and the peak RSS. The ratio is what carries
across machines; seconds depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

# benchmarks/baselines.py is named like the ``baselines`` package; run as a file, this folder would come first on
# the import path and shadow the package. Drop it so that ``import baselines`` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import torch  # noqa: E402

from baselines.realesrgan.rrdbnet import RRDBNet, RRDBNetConfig  # noqa: E402
from baselines.realesrgan.x4plus import RealESRGANx4plus  # noqa: E402


def _best(call, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tile", type=int, default=0, help="LR tile side (0: whole frame, the official default)")
parser.add_argument("--threads", type=int, default=torch.get_num_threads())
parser.add_argument("--repeats", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
frame = torch.rand(1, 1, 256, 256)
method = RealESRGANx4plus(tile=args.tile or None)
x2 = RRDBNet.from_config(RRDBNetConfig(num_in_ch=1, num_out_ch=1, scale=2)).eval()
with torch.no_grad():
    x4_seconds = _best(lambda: method(frame), args.repeats)
    x2_seconds = _best(lambda: x2(frame), args.repeats)
print(
    json.dumps(
        {
            "threads": args.threads,
            "tile": args.tile,
            "x4plus_seconds_per_frame": round(x4_seconds, 2),
            "x2_rrdbnet_seconds_per_frame": round(x2_seconds, 2),
            "ratio_x4plus_to_x2": round(x4_seconds / x2_seconds, 2),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        },
        indent=2,
    )
)
