"""Train a learned baseline with a budget (``cpu`` or ``short``) on the simulated data and save its validation curve.

Run: ``OMP_NUM_THREADS=2 python tools/training_curves.py --method care --dataset MITO [--size small]
[--budget cpu] [--iterations N]``; ``--iterations`` trains longer (or shorter) than the budget to see where the
curve flattens (CARE: rounded to whole epochs).
Writes ``docs/figures/curve_<method>_<dataset>_<size>.json`` (the validation history: iteration, PSNR, SSIM,
learning rate where known, plus the wall time) and a PNG beside it; with ``--iterations N`` the name ends in
``_<N>it`` and with another budget than ``cpu`` in ``_<budget>``, so such runs sit beside the budget's curve
instead of replacing it. The run goes to a workdir under ``$MICROSR_BENCH_CACHE`` (resumable); the figures are
what docs/baselines.md shows.

``--record RESULT.json --workdir W`` trains nothing: it draws the curve of the run that ``microsr-bench evaluate
... --workdir W --out DIR`` already trained (its history from W, its training time from the record's
``fit_seconds``), so a board entry's own training gives its curve.
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
    parser.add_argument("--budget", choices=("cpu", "short"), default="cpu")
    parser.add_argument("--plot-only", action="store_true", help="redraw the PNG from the committed JSON")
    parser.add_argument("--record", type=Path, default=None, help="evaluate's result JSON: draw its run, train nothing")
    args = parser.parse_args()
    stem = figure_stem(args.method, args.dataset, args.size, args.iterations, args.budget)
    if args.plot_only:
        _plot(json.loads((FIGURES / f"{stem}.json").read_text()), FIGURES / f"{stem}.png")
        return
    if args.record is not None:
        if args.workdir is None or args.iterations is not None:
            parser.error("--record needs the --workdir that evaluate trained in, and takes no --iterations")
        seconds = record_fit_seconds(args.record, args.method, args.dataset, args.budget)
        _write(args, stem, seconds, _newest_run(args.workdir))
        return
    bench = load_benchmark(args.dataset, source="simulated", size=args.size)
    method = load_method(args.method, MethodOptions(budget=args.budget, workdir=args.workdir, progress=True))
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
    _write(args, stem, seconds, _newest_run(Path(method.workdir)))  # type: ignore[attr-defined]


def _newest_run(workdir: Path) -> Path:
    runs = list(workdir.rglob("result.json"))
    if not runs:
        raise SystemExit(f"no finished training run (result.json) under {workdir}")
    return max(runs, key=lambda p: p.stat().st_mtime)  # the run just finished (a workdir may hold others)


def record_fit_seconds(path: Path, method: str, dataset: str, budget: str) -> float:
    """Training seconds from ``evaluate``'s result JSON, after checking that it is the run asked for."""
    data = json.loads(path.read_text())
    record = data["records"][0] if "records" in data else data
    found = (record["method"]["name"], record["dataset"]["name"], record["method"]["parameters"].get("budget"))
    if found != (method, dataset, budget):
        raise SystemExit(f"{path} is {found}, not ({method}, {dataset}, {budget}); pass the matching record")
    seconds = record["method"]["parameters"].get("fit_seconds")
    if not isinstance(seconds, (int, float)):
        raise SystemExit(f"{path} has no fit_seconds: its method did not train in that run")
    return float(seconds)


def _write(args: argparse.Namespace, stem: str, seconds: float, run: Path) -> None:
    finished = json.loads(run.read_text())
    history = finished["history"]
    FIGURES.mkdir(parents=True, exist_ok=True)
    data = {"method": args.method, "dataset": args.dataset, "size": args.size, "budget": args.budget}
    data["iterations"] = args.iterations  # None: the budget's own length
    data |= {"fit_seconds": round(seconds, 1), "history": history}
    # CARE's run result has neither; the Real-ESRGAN trainer's says whether early stopping ended the run.
    data |= {k: finished[k] for k in ("stopped_early", "best_iteration") if k in finished}
    atomic_write_text(FIGURES / f"{stem}.json", json.dumps(data, indent=2))
    _plot(data, FIGURES / f"{stem}.png")
    print(json.dumps({k: v for k, v in data.items() if k != "history"} | {"last": history[-1]}, indent=2))


def figure_stem(method: str, dataset: str, size: str, iterations: int | None, budget: str = "cpu") -> str:
    """The figure's file name without suffix: the ``cpu`` budget's curve, ``..._<budget>`` for another budget,
    then ``..._<N>it`` for a run of N iterations."""
    stem = f"curve_{method}_{dataset}_{size}" + ("" if budget == "cpu" else f"_{budget}")
    return stem if iterations is None else f"{stem}_{iterations}it"


def _plot(data: dict[str, Any], path: Path) -> None:
    history = data["history"]
    planned = data.get("iterations")
    # A longer run is drawn over the budget's own curve (when committed), so the two schedules compare at a glance.
    name = data.get("budget", "cpu")
    budget_file = FIGURES / f"{figure_stem(data['method'], data['dataset'], data['size'], None, name)}.json"
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
        length = f"{name} budget"
    elif its[-1] < planned:  # early stopping (the budget's patience) ended the run before its schedule did
        best = max(history, key=lambda h: h["ssim"])
        length = f"{name} budget's settings, {planned}-iteration schedule: stopped early at {its[-1]}"
        length += f" (best validation SSIM at {int(best['iteration'])})"
    else:
        length = f"{name} budget's settings, {its[-1]} iterations"
    minutes = data["fit_seconds"] / 60
    fig.suptitle(
        f"{data['method']}, simulated {data['size']} {data['dataset']} ({minutes:.1f} min)\n{length}", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
