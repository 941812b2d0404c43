"""Speed and agreement of microsr_bench's NIQE against BasicSR's ``calculate_niqe`` on 512x512 images.

Usage::

    python benchmarks/niqe_speed.py [--basicsr-root DIR] [--basicsr-python PY] [--repeats 3]

``--basicsr-root`` (or ``MICROSR_BENCH_BASICSR_ROOT``) is a folder holding ``basicsr/metrics/niqe.py``,
e.g. the unpacked sdist of ``basicsr==1.4.2`` (``pip download basicsr==1.4.2 --no-deps --no-binary
:all:``). BasicSR runs in a child process started with ``--basicsr-python`` (or
``MICROSR_BENCH_BASICSR_PYTHON``; default: this interpreter), which needs numpy, scipy, torch and
opencv-python-headless; only ``niqe.py`` and ``matlab_functions.py`` are imported, by path, because the
package's ``__init__`` imports everything. Without BasicSR the script compares with timings and values
recorded once (see ``RECORDED``) and says so.

Both sides score the same six 8-bit images (the generator of ``tests/metrics/test_niqe.py``), one call
per image, best of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from microsr_bench.metrics import niqe

#: Measured once (2026-11-25, AMD EPYC, 2 vCPUs shared with other jobs, Python 3.11, numpy 2.4, scipy 1.17;
#: BasicSR's child with torch 2.13 CPU): BasicSR 1.4.2 calculate_niqe seconds per 512x512 image (best of 5)
#: and its scores on IMAGES. Our side measured 9.2 ms/image in the same run (14.0x).
RECORDED = {
    "basicsr_seconds_per_image": 0.129,
    "values": [
        13.972002241741967,
        13.388864705500097,
        10.991359399446855,
        11.260859937407625,
        24.579969918977437,
        25.82523179734669,
    ],
}
IMAGES = [("cells", 0), ("cells", 1), ("smooth", 0), ("smooth", 1), ("sparse", 0), ("sparse", 1)]

_CHILD = r"""
import importlib.util, json, sys, time, types, warnings
import numpy as np
root, images_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
for name in ("basicsr", "basicsr.metrics", "basicsr.utils"):
    package = types.ModuleType(name); package.__path__ = []; sys.modules[name] = package
util = types.ModuleType("basicsr.metrics.metric_util"); util.reorder_image = util.to_y_channel = None
sys.modules[util.__name__] = util
class Registry:
    def register(self):
        return lambda f: f
registry = types.ModuleType("basicsr.utils.registry"); registry.METRIC_REGISTRY = Registry()
sys.modules[registry.__name__] = registry
load("basicsr.utils.matlab_functions", f"{root}/basicsr/utils/matlab_functions.py")
niqe = load("basicsr.metrics.niqe", f"{root}/basicsr/metrics/niqe.py")
warnings.simplefilter("ignore")
images = np.load(images_path)
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    values = [float(niqe.calculate_niqe(image, 0, input_order="HW")) for image in images]
    best = min(best, time.perf_counter() - start)
print(json.dumps({"values": values, "seconds_per_image": best / len(images)}))
"""


def make_image(kind: str, seed: int, size: int = 512) -> np.ndarray:
    """The test suite's 8-bit images (see tests/metrics/test_niqe.py)."""
    rng = np.random.default_rng(seed)

    def smooth(noise: np.ndarray, sigma: float) -> np.ndarray:
        fy, fx = np.fft.fftfreq(size)[:, None], np.fft.fftfreq(size)[None, :]
        return np.fft.ifft2(np.fft.fft2(noise) * np.exp(-2 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))).real

    if kind == "smooth":
        x = smooth(rng.standard_normal((size, size)), 3.0)
        x = (x - x.min()) / (x.max() - x.min()) + 0.02 * rng.standard_normal((size, size))
    elif kind == "cells":
        x = smooth(rng.standard_normal((size, size)), 6.0)
        x = np.clip((x - x.mean()) / x.std(), 0, None) ** 2
        x = rng.poisson(40 * x / x.max() + 1) / 45.0
    else:
        x = np.zeros((size, size))
        yy, xx = np.mgrid[:size, :size]
        for cy, cx, r in zip(rng.integers(0, size, 12), rng.integers(0, size, 12), rng.uniform(4, 12, 12), strict=True):
            x += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r**2))
        x = x / x.max()
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def time_ours(images: np.ndarray, repeats: int) -> tuple[list[float], float, float]:
    """Scores, best seconds per image one call per image, and best seconds per image as one batch."""
    niqe(images[0])  # warm the caches (shape tables, resize weights)
    single = batch = float("inf")
    values: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        values = [float(niqe(image)) for image in images]
        single = min(single, time.perf_counter() - start)
        start = time.perf_counter()
        niqe(images)
        batch = min(batch, time.perf_counter() - start)
    return values, single / len(images), batch / len(images)


def time_basicsr(images: np.ndarray, root: Path, python: str, repeats: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "images.npy"
        np.save(path, images)
        out = subprocess.run(
            [python, "-c", _CHILD, str(root), str(path), str(repeats)], capture_output=True, text=True, check=False
        )
    if out.returncode:
        raise SystemExit(f"BasicSR child process failed (python {python}, root {root}):\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--basicsr-root", default=os.environ.get("MICROSR_BENCH_BASICSR_ROOT"))
    parser.add_argument("--basicsr-python", default=os.environ.get("MICROSR_BENCH_BASICSR_PYTHON", sys.executable))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    images = np.stack([make_image(kind, seed) for kind, seed in IMAGES])
    print(f"machine: {_cpu_name()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}")
    print(f"images: {len(images)} x 512x512 uint8; best of {args.repeats} runs")
    values, single, batch = time_ours(images, args.repeats)
    print(f"microsr_bench niqe: {single * 1e3:.1f} ms/image (one call per image), {batch * 1e3:.1f} ms/image (batch)")
    root = Path(args.basicsr_root) if args.basicsr_root else None
    if root is not None and (root / "basicsr" / "metrics" / "niqe.py").is_file():
        reference = time_basicsr(images, root, args.basicsr_python, args.repeats)
        label = f"BasicSR at {root} (measured now)"
    else:
        reference = {"values": RECORDED["values"], "seconds_per_image": RECORDED["basicsr_seconds_per_image"]}
        label = "BasicSR 1.4.2, RECORDED once on another run (not measured now: pass --basicsr-root to measure)"
    ref_seconds = float(reference["seconds_per_image"])  # type: ignore[arg-type]
    diff = np.abs(np.array(values) - np.array(reference["values"], dtype=np.float64)).max()
    print(f"{label}: {ref_seconds * 1e3:.1f} ms/image")
    print(f"speed-up: {ref_seconds / single:.1f}x (one call per image), {ref_seconds / batch:.1f}x (batch)")
    print(f"largest score difference: {diff:.2e} (target < 1e-3)")


if __name__ == "__main__":
    main()
