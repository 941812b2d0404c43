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
    finished = json.loads(run.read_text())
    history = finished["history"]
    FIGURES.mkdir(parents=True, exist_ok=True)
    data = {"method": args.method, "dataset": args.dataset, "size": args.size, "budget": "cpu"}
    data["iterations"] = args.iterations  # None: the budget's own length
    data |= {"fit_seconds": round(seconds, 1), "history": history}
    # CARE's run result has neither; the Real-ESRGAN trainer's says whether early stopping ended the run.
    data |= {k: finished[k] for k in ("stopped_early", "best_iteration") if k in finished}
    atomic_write_text(FIGURES / f"{stem}.json", json.dumps(data, indent=2))
    _plot(data, FIGURES / f"{stem}.png")
    print(json.dumps({k: v for k, v in data.items() if k != "history"} | {"last": history[-1]}, indent=2))


def figure_stem(method: str, dataset: str, size: str, iterations: int | None) -> str:
    """The figure's file name without suffix: the budget's curve, or ``..._<N>it`` for a run of N iterations."""
    stem = f"curve_{method}_{dataset}_{size}"
    return stem if iterations is None else f"{stem}_{iterations}it"


def _plot(data: dict[str, Any], path: Path) -> None:
    history = data["history"]
    planned = data.get("iterations")
    # A longer run is drawn over the budget's own curve (when committed), so the two schedules compare at a glance.
    budget_file = FIGURES / f"{figure_stem(data['method'], data['dataset'], data['size'], None)}.json"
    budget = json.loads(budget_file.read_text())["history"] if planned is not None and budget_file.is_file() else None
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
    its = [int(h["iteration"]) for h in history]
    for ax, key in zip(axes, ("psnr", "ssim"), strict=True):
        if budget is not None:
            ax.plot(
                [int(h["iteration"]) for h in budget],
                [h[key] for h in budget],
                marker=".",
                color="0.6",
                label="the budget's schedule",
            )
        ax.plot(its, [h[key] for h in history], marker="o", label=f"{planned}-iteration schedule" if planned else None)
        ax.set_xlabel("iteration")
        ax.set_ylabel(f"validation {key.upper()} (float recipe)")
    if budget is not None:
        axes[1].legend(fontsize=8, loc="lower right")
    if planned is None:
        length = "cpu budget"
    elif its[-1] < planned:  # early stopping (the budget's patience) ended the run before its schedule did
        best = max(history, key=lambda h: h["ssim"])
        length = f"cpu budget's settings, {planned}-iteration schedule: stopped early at {its[-1]}"
        length += f" (best validation SSIM at {int(best['iteration'])})"
    else:
        length = f"cpu budget's settings, {its[-1]} iterations"
    minutes = data["fit_seconds"] / 60
    fig.suptitle(
        f"{data['method']}, simulated {data['size']} {data['dataset']} ({minutes:.1f} min)\n{length}", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
