"""Train a learned baseline with its ``cpu`` budget on the simulated data and save its validation curve.

Run: ``OMP_NUM_THREADS=2 python tools/training_curves.py --method care --dataset MITO [--size small]
[--iterations N]``; ``--iterations`` trains longer (or shorter) than the budget to see where the curve flattens
(CARE: rounded to whole epochs).
Writes ``docs/figures/curve_<method>_<dataset>_<size>.json`` (the validation history: iteration, PSNR, SSIM,
learning rate where known, plus the wall time) and a PNG beside it; with ``--iterations N`` the name ends in
``_<N>it``, so a longer run sits beside the budget's curve instead of replacing it. The run goes to a workdir under
``$MICROSR_BENCH_CACHE`` (resumable); the figures are what docs/baselines.md shows.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from microsr_bench.data import load_benchmark
from microsr_bench.imageio import atomic_write_text
from microsr_bench.protocols.method import MethodOptions, load_method

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=("care", "realesrnet", "resrgan-b", "resrgan-s"), default="care")
    parser.add_argument("--dataset", default="MITO")
    parser.add_argument("--size", default="small")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--iterations", type=int, default=None, help="train this long instead of the budget")
    parser.add_argument("--plot-only", action="store_true", help="redraw the PNG from the committed JSON")
    args = parser.parse_args()
    stem = figure_stem(args.method, args.dataset, args.size, args.iterations)
    if args.plot_only:
        _plot(json.loads((FIGURES / f"{stem}.json").read_text()), FIGURES / f"{stem}.png")
        return
    bench = load_benchmark(args.dataset, source="simulated", size=args.size)
    method = load_method(args.method, MethodOptions(budget="cpu", workdir=args.workdir, progress=True))
    if args.iterations is not None:
        config = method.config  # type: ignore[attr-defined]
        if args.method == "care":
            config = dataclasses.replace(config, epochs=max(1, args.iterations // config.steps_per_epoch))
        else:
            config = dataclasses.replace(config, max_iters=args.iterations)
        method.config = config  # type: ignore[attr-defined]
    began = time.perf_counter()
    method.fit(bench["train"], bench["validation"])  # type: ignore[attr-defined]
    seconds = time.perf_counter() - began
    runs = Path(method.workdir).rglob("result.json")  # type: ignore[attr-defined]
    run = max(runs, key=lambda p: p.stat().st_mtime)  # the run just finished (a workdir may hold others)
    history = json.loads(run.read_text())["history"]
    FIGURES.mkdir(parents=True, exist_ok=True)
    data = {"method": args.method, "dataset": args.dataset, "size": args.size, "budget": "cpu"}
    data["iterations"] = args.iterations  # None: the budget's own length
    data |= {"fit_seconds": round(seconds, 1), "history": history}
    atomic_write_text(FIGURES / f"{stem}.json", json.dumps(data, indent=2))
    _plot(data, FIGURES / f"{stem}.png")
    print(json.dumps({k: v for k, v in data.items() if k != "history"} | {"last": history[-1]}, indent=2))


def figure_stem(method: str, dataset: str, size: str, iterations: int | None) -> str:
    """The figure's file name without suffix: the budget's curve, or ``..._<N>it`` for a run of N iterations."""
    stem = f"curve_{method}_{dataset}_{size}"
    return stem if iterations is None else f"{stem}_{iterations}it"


def _plot(data: dict[str, Any], path: Path) -> None:
    history = data["history"]
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    its = [int(h["iteration"]) for h in history]
    for ax, key in zip(axes, ("psnr", "ssim"), strict=True):
        ax.plot(its, [h[key] for h in history], marker="o")
        ax.set_xlabel("iteration")
        ax.set_ylabel(f"validation {key.upper()} (float recipe)")
    length = "cpu budget" if data.get("iterations") is None else f"cpu budget's settings, {its[-1]} iterations"
    minutes = data["fit_seconds"] / 60
    fig.suptitle(f"{data['method']}, {length}, simulated {data['size']} {data['dataset']} ({minutes:.1f} min)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
