"""What a method does to the intensities of one test frame: percentiles, zeros and correlation with the HR image.

Run: ``python tools/inspect_prediction.py --method realesrgan-x4plus --dataset MITO --size small [--index 0]``.
Prints, for the LR frame, the bicubic x2 of it, the method's prediction and the HR image (all in [0, 1] units,
grey level / the card's ``max_value``): mean, 1st / 50th / 99th percentile, maximum, the fraction of pixels at
exactly zero, and the Pearson correlation of each x2 image with the HR image. It explains scores that the
recipes alone do not: a method can keep the structure (high correlation, good ``normalized`` SSIM) while its
intensities are far from the slow scan's (low paper/float SSIM). Untrained methods only (or ones given
``--weights``); the method runs on the CPU.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from microsr_bench.data import load_benchmark
from microsr_bench.protocols.method import MethodOptions, load_method


def _stats(image: np.ndarray) -> str:
    p1, p50, p99 = np.percentile(image, [1, 50, 99])
    zeros = float(np.mean(image <= 0.0))
    head = f"mean {image.mean():.4f}  p1 {p1:.4f}  p50 {p50:.4f}  p99 {p99:.4f}"
    return f"{head}  max {image.max():.4f}  zeros {zeros:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", required=True)
    parser.add_argument("--dataset", default="MITO")
    parser.add_argument("--size", default="small")
    parser.add_argument("--index", type=int, default=0, help="row of the test split")
    parser.add_argument("--weights", type=Path, default=None)
    args = parser.parse_args()
    bench = load_benchmark(args.dataset, source="simulated", size=args.size)
    row = bench["test"].with_format("numpy")[args.index]
    scale = float(bench.benchmark.max_values[args.dataset])
    lr = row["lr"].astype(np.float32) / scale
    hr = row["hr"].astype(np.float32) / scale
    method = load_method(args.method, MethodOptions(weights=args.weights, progress=False))
    with torch.inference_mode():
        lr_t = torch.from_numpy(lr)[None, None]
        prediction = method(lr_t)[0, 0].float().numpy()
        bicubic = F.interpolate(lr_t, scale_factor=2, mode="bicubic", align_corners=False)[0, 0].numpy()
    print(f"{args.dataset} {args.size} test row {args.index} ({row['id']}), units: grey level / {scale:g}")
    for name, image in (("LR frame", lr), ("bicubic x2", bicubic), (args.method, prediction), ("HR", hr)):
        print(f"{name:>20}: {_stats(image)}")
    for name, image in (("bicubic x2", bicubic), (args.method, prediction)):
        print(f"{name:>20}: correlation with HR {np.corrcoef(image.ravel(), hr.ravel())[0, 1]:.3f}")


if __name__ == "__main__":
    main()
