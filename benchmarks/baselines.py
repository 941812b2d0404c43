"""Speed of the baselines: training iterations per second and inference time per 256x256 frame vs video rate.

Run: ``python benchmarks/baselines.py [--device cpu|cuda] [--skip-full] [--repeats 3] [--json]``.

Training: ``Trainer.step`` (generator step, discriminator step, EMA; USM and all loss terms) on random
patches already in memory, so data loading and validation are excluded. Sizes: the ``tiny`` and ``cpu``
configs as they are, and the ``paper`` config (full RRDBNet, 23 blocks) for a couple of iterations; its
perceptual term uses a randomly initialised VGG19 of the full ImageNet widths (same cost as the ImageNet
weights, which this script does not need). On CPU the paper config runs with ``--paper-batch`` patches
(default 1, the official 12 would take minutes per step), on CUDA with the official 12.

Inference: one LR frame 256x256 -> 512x512 (batch 1, float32, no tiling) for nearest, bicubic, frame averaging
of 4 frames, the ``cpu``-size RRDBNet and the full RRDBNet. Each is timed ``--repeats`` times after a warm-up
call and the fastest run is reported, with its ratio to video rate (20 frames/s = 50 ms per frame): a ratio
below 1 keeps up with the microscope. On a machine shared with other jobs, ``--threads 1`` gives steadier
figures (two threads competing with other processes for two cores can be ten times slower).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

# This script is named like the ``baselines`` package; run as a file, its folder would come first on the import
# path and shadow the package. Drop that folder so that ``import baselines`` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import torch  # noqa: E402

from baselines.classical import FrameAveraging, Interpolate  # noqa: E402
from baselines.realesrgan import RRDBNet  # noqa: E402
from baselines.realesrgan.data import PatchBatch  # noqa: E402
from baselines.realesrgan.train import InitialWeights, Trainer  # noqa: E402
from baselines.realesrgan.train_config import TrainConfig, config_for  # noqa: E402
from baselines.realesrgan.train_dist import DistContext  # noqa: E402

VIDEO_RATE_MS = 50.0
FULL_VGG_WIDTHS = (64, 128, 256, 512, 512)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _fastest(run: Callable[[], object], device: torch.device, repeats: int, warmup: int = 1) -> float:
    """Fastest wall time of ``repeats`` calls after ``warmup`` calls, in seconds."""
    for _ in range(warmup):
        run()
    _sync(device)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        _sync(device)
        best = min(best, time.perf_counter() - start)
    return best


def training_speed(name: str, config: TrainConfig, device: torch.device, iterations: int) -> dict[str, object]:
    """Iterations per second of ``Trainer.step`` on random in-memory patches."""
    ctx = DistContext(1, 0, 0, device)
    trainer = Trainer(config, InitialWeights(), ctx)
    p, b = config.patch_size, config.batch_size
    batch = PatchBatch(lr=torch.rand(b, 1, p // 2, p // 2, device=device), hr=torch.rand(b, 1, p, p, device=device))
    seconds = _fastest(lambda: trainer.step(batch), device, repeats=iterations)
    g = config.generator
    return {
        "what": f"train {name}",
        "generator": f"{g.num_block} blocks x {g.num_feat} features",
        "batch": f"{b} x {p}px",
        "seconds_per_iteration": seconds,
        "iterations_per_second": 1.0 / seconds,
    }


def inference_speed(
    name: str, method: Callable[[torch.Tensor], torch.Tensor], frames: int, device: torch.device, repeats: int
) -> dict[str, object]:
    """Milliseconds per 256x256 LR frame and the ratio to video rate."""
    lr = torch.rand(1, frames, 256, 256, device=device)
    with torch.inference_mode():
        seconds = _fastest(lambda: method(lr), device, repeats=repeats)
    ms = seconds * 1000.0
    return {"what": f"infer {name}", "ms_per_frame": ms, "x_video_rate": ms / VIDEO_RATE_MS}


def _generator(config: TrainConfig, device: torch.device) -> Callable[[torch.Tensor], torch.Tensor]:
    torch.manual_seed(0)
    model = RRDBNet.from_config(config.generator).to(device).eval()
    return lambda x: model(x).clamp(0, 1)


def run(device: torch.device, repeats: int, skip_full: bool, paper_batch: int) -> list[dict[str, object]]:
    rows = [
        training_speed("tiny", config_for("tiny"), device, repeats),
        training_speed("cpu", config_for("cpu"), device, repeats),
    ]
    paper = dataclasses.replace(config_for("paper"), vgg="random-narrow", vgg_widths=FULL_VGG_WIDTHS)
    if device.type == "cpu":
        paper = dataclasses.replace(paper, batch_size=paper_batch)
    if not skip_full:
        rows.append(training_speed("paper", paper, device, iterations=2))
    rows += [
        inference_speed("nearest", Interpolate("nearest"), 1, device, repeats),
        inference_speed("bicubic", Interpolate("bicubic"), 1, device, repeats),
        inference_speed("frame-average k=4", FrameAveraging(4), 4, device, repeats),
        inference_speed("RRDBNet cpu size", _generator(config_for("cpu"), device), 1, device, repeats),
    ]
    if not skip_full:
        rows.append(inference_speed("RRDBNet full (23 blocks)", _generator(paper, device), 1, device, 1))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paper-batch", type=int, default=1, help="Patches per step of the paper config on CPU.")
    parser.add_argument("--skip-full", action="store_true", help="Leave out the full-size RRDBNet (slow on CPU).")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rows = run(device, args.repeats, args.skip_full, args.paper_batch)
    machine = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    if args.json:
        print(json.dumps({"machine": machine, "rows": rows}, indent=2))
        return
    print(f"machine: {machine}")
    for row in rows:
        if "ms_per_frame" in row:
            print(f"{row['what']:<36} {row['ms_per_frame']:>10.3f} ms/frame  {row['x_video_rate']:>8.4f} x video rate")
        else:
            print(
                f"{row['what']:<36} {row['iterations_per_second']:>10.3f} it/s  "
                f"({row['generator']}, batch {row['batch']})"
            )


if __name__ == "__main__":
    main()
