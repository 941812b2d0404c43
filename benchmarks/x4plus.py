"""Cost of ``realesrgan-x4plus`` per 256x256 frame, against the x2 RRDBNet of the same width in the same run.

Run: ``python benchmarks/x4plus.py [--tile 0|128] [--threads N] [--repeats 1] [--device cuda --batch 8]`` (needs the
``pretrained`` extra).

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


def _best(call, repeats: int, device: torch.device) -> float:
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    if device.type == "cuda":
        call()  # warm-up: cuDNN picks its algorithms on the first call of each shape
    best = float("inf")
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        call()
        sync()  # the kernels run after the call returns: time them to the end
        best = min(best, time.perf_counter() - start)
    return best


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tile", type=int, default=0, help="LR tile side (0: whole frame, the official default)")
parser.add_argument("--threads", type=int, default=torch.get_num_threads())
parser.add_argument("--repeats", type=int, default=1)
parser.add_argument("--device", default="cpu")
parser.add_argument("--batch", type=int, default=1, help="frames per call (evaluate passes 8); times are per frame")
args = parser.parse_args()
torch.set_num_threads(args.threads)
device = torch.device(args.device)
frame = torch.rand(args.batch, 1, 256, 256, device=device)
method = RealESRGANx4plus(tile=args.tile or None, device=args.device, batch_size=args.batch)
x2 = RRDBNet.from_config(RRDBNetConfig(num_in_ch=1, num_out_ch=1, scale=2)).eval().to(device)
with torch.no_grad():
    x4_seconds = _best(lambda: method(frame), args.repeats, device) / args.batch
    x2_seconds = _best(lambda: x2(frame), args.repeats, device) / args.batch
print(
    json.dumps(
        {
            "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "threads": args.threads,
            "tile": args.tile,
            "batch": args.batch,
            "x4plus_seconds_per_frame": round(x4_seconds, 4),
            "x2_rrdbnet_seconds_per_frame": round(x2_seconds, 4),
            "ratio_x4plus_to_x2": round(x4_seconds / x2_seconds, 2),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        },
        indent=2,
    )
)
