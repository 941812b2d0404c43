"""``reproduce``: the paper's grid with the reference baselines, then its tables and few-shot plots.

The grid (section IV-C, Fig. 2 and 3, Tables II-VI), per sub-dataset D:

- RESRGan-B: the MITO base applied zero-shot to MPM, MEM and NUC; fine-tuned on D with 200, 400, 800 and all
  training pairs (on MITO, the base is the full fine-tune); with ``axis="fields"`` the few-shot levels are the
  field-level sets instead (2, 4, 8 whole fields of view and all training fields; beyond the paper, issue 13);
- RESRGan-S: MITO HR images only, LR synthesised by the second-order pipeline (Table VI); also with the
  calibrated physics pipeline (beyond the paper, as its conclusion asks);
- classical references: bicubic, bicubic with a fitted intensity map (per shots), and frame averaging of
  k = 1, 2, 4, 8, 16 frames (the burst protocol).

Budgets: ``tiny`` (tiny simulated data, tiny networks: seconds; the test suite runs it), ``cpu`` (the
``small`` simulated data, reduced networks: about an hour on 2 cores), ``paper`` (the full data and the
paper's training: a GPU).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from baselines.paper.report import AXIS_LEVELS
from microsr_bench.data.cards import DATASET_NAMES
from microsr_bench.data.load import SourceName
from microsr_bench.data.profiles import SizeName, get_profile
from microsr_bench.device import check_device
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.protocols.evaluation import Overwrite, check_results_folder, evaluate
from microsr_bench.protocols.method import Budget, MethodOptions
from microsr_bench.protocols.protocols import (
    BURST_SIZES,
    Protocol,
    blind_synthetic,
    burst,
    paired,
    zero_shot,
)
from microsr_bench.scoring.folders import remove_stale_temps

SHOTS: tuple[int | None, ...] = AXIS_LEVELS["shots"]
#: The few-shot axes ``reproduce`` can draw its curve on: the paper's pairs, or whole fields of view.
AXES: tuple[str, ...] = tuple(AXIS_LEVELS)
#: The methods of the grid, in the order their jobs run.
METHODS: tuple[str, ...] = ("bicubic", "bicubic-fit", "frame-average", "resrgan-b", "resrgan-s")
#: Data size each budget runs on when the data is simulated.
BUDGET_SIZES: dict[str, SizeName] = {"tiny": "tiny", "cpu": "small", "paper": "full"}


@dataclass(frozen=True)
class Job:
    """One cell of the grid: a method under a protocol."""

    method: str
    protocol: Protocol

    @property
    def label(self) -> str:
        shots = "" if self.protocol.shots is None else f", {self.protocol.shots} shots"
        return f"{self.method} {self.protocol.id} on {self.protocol.test_dataset}{shots}"


def grid(
    datasets: Sequence[str] = DATASET_NAMES,
    *,
    frames_per_hr: int = 100,
    methods: Sequence[str] = METHODS,
    physics: bool = True,
    axis: str = "shots",
) -> list[Job]:
    """The jobs of the paper's grid (see the module docstring), in an order that trains each base once.

    ``axis`` chooses the few-shot levels of the paired jobs: ``shots`` (200, 400, 800 pairs, the paper's) or
    ``fields`` (2, 4, 8 whole fields); both end with the full training split.
    """
    if axis not in AXES:
        raise InvalidArgumentError(f"axis must be one of {', '.join(AXES)}, got {axis!r}; choose one of them.")

    def fewshot(name: str, level: int | None) -> Protocol:
        return paired(name, level) if axis == "shots" else paired(name, fields=level)

    levels = AXIS_LEVELS[axis]
    jobs: list[Job] = []
    bursts = [k for k in BURST_SIZES if k <= frames_per_hr]
    for name in datasets:
        if "bicubic" in methods:
            jobs.append(Job("bicubic", paired(name)))
        if "bicubic-fit" in methods:
            jobs += [Job("bicubic-fit", fewshot(name, s)) for s in levels]
        if "frame-average" in methods:
            jobs += [Job("frame-average", burst(name, k)) for k in bursts]
    if "resrgan-b" in methods:
        jobs.append(Job("resrgan-b", paired("MITO")))  # the base first: every other RESRGan-B job starts from it
        jobs += [Job("resrgan-b", zero_shot(n)) for n in datasets if n != "MITO"]
        jobs += [Job("resrgan-b", fewshot(n, s)) for n in datasets for s in levels if (n, s) != ("MITO", None)]
    if "resrgan-s" in methods and "MITO" in datasets:
        jobs.append(Job("resrgan-s", blind_synthetic("MITO", "realesrgan")))
        if physics:
            jobs.append(Job("resrgan-s", blind_synthetic("MITO", "physics")))
    return jobs


@dataclass(frozen=True)
class ReproduceSettings:
    """Everything ``reproduce`` needs besides the grid."""

    budget: Budget = "tiny"
    source: SourceName = "simulated"
    out_dir: Path = Path("results")
    #: Per-run results and predictions (default: ``out_dir / "runs"``), and trained models (``workdir``).
    runs_dir: Path | None = None
    cache_dir: Path | None = None
    device: str = "cpu"
    workdir: Path | None = None
    seed: int = 0
    overwrite: Overwrite = "never"
    n_boot: int = 2000
    progress: bool = True
    #: Simulated data size; default: the budget's (tiny -> tiny, cpu -> small, paper -> full).
    data_size: SizeName | None = None

    @property
    def size(self) -> SizeName:
        if self.source != "simulated":
            return "full"
        return self.data_size or BUDGET_SIZES[self.budget]


def run_grid(
    jobs: Sequence[Job],
    settings: ReproduceSettings,
    after_job: Callable[[list[dict[str, Any]], int], None] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate every job (reusing cached results) and return all records.

    ``after_job(records so far, jobs finished)`` runs after each job (``reproduce`` rewrites its tables there).
    """
    runs = settings.runs_dir or settings.out_dir / "runs"
    options = MethodOptions(
        budget=settings.budget,
        device=settings.device,
        seed=settings.seed,
        workdir=settings.workdir or runs / "workdir",
        progress=settings.progress,
    )
    remove_stale_temps(runs, recursive=True)  # a killed run's half-written prediction folders
    records: list[dict[str, Any]] = []
    bar = tqdm(jobs, desc=f"reproduce ({settings.budget})", disable=not settings.progress)
    for done, job in enumerate(bar, start=1):
        bar.set_postfix_str(job.label)
        result = evaluate(
            job.method,
            job.protocol,
            options=dataclasses.replace(options, extra={}),
            source=settings.source,
            size=settings.size,
            cache_dir=settings.cache_dir,
            out_dir=runs,
            overwrite=settings.overwrite,
            n_boot=settings.n_boot,
            progress=False,
        )
        records += result.records
        if after_job is not None:
            after_job(records, done)
    return records


class _IncrementalReport:
    """Rewrites tables and records after every job; plots too, unless that would cost over a tenth of the run.

    Tables are cheap; a plot takes about a second, so with many quick jobs (the ``tiny`` budget) plots are
    redrawn only once ten times their drawing time has passed since the last drawing, and always at the end.
    """

    def __init__(self, out_dir: Path, budget: str, total: int) -> None:
        self.out_dir, self.budget, self.total = out_dir, budget, total
        self.plot_seconds = 0.0
        self.last_plot = time.perf_counter()

    def __call__(self, records: list[dict[str, Any]], done: int) -> None:
        from baselines.paper.report import write_report

        now = time.perf_counter()
        plots = done == self.total or now - self.last_plot > 10 * self.plot_seconds
        write_report(records, self.out_dir, budget=self.budget, finished=(done, self.total), plots=plots)
        if plots:
            self.last_plot = time.perf_counter()
            self.plot_seconds = self.last_plot - now


def reproduce(
    budget: Budget = "tiny",
    *,
    datasets: Sequence[str] = DATASET_NAMES,
    source: SourceName = "simulated",
    out_dir: str | Path = "results",
    runs_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    device: str = "cpu",
    workdir: str | Path | None = None,
    overwrite: Overwrite = "never",
    physics: bool = True,
    methods: Sequence[str] = METHODS,
    size: SizeName | None = None,
    progress: bool = True,
    axis: str = "shots",
) -> Path:
    """Run the grid and write tables (Markdown), plots (PNG) and the records into ``out_dir``.

    The tables and records are rewritten after every finished job (marked partial until the last), so a
    long run shows its results as they come and a stopped one keeps them.

    ``methods`` restricts the grid (e.g. the classical baselines only); ``size`` overrides the budget's
    simulated data size (e.g. the classical baselines on the canonical ``full`` data for the leaderboard).
    ``axis`` draws the few-shot curve over pair-level ``shots`` (the paper's) or field-level ``fields`` sets.
    """
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        from microsr_bench.registry import unknown_name

        raise unknown_name("reproduce method", unknown[0], list(METHODS))
    check_device(device)
    for folder, flag in ((Path(out_dir), "--out"), (Path(runs_dir) if runs_dir else None, "--runs")):
        if folder is not None:
            check_results_folder(folder, flag)

    settings = ReproduceSettings(
        budget=budget,
        source=source,
        out_dir=Path(out_dir),
        runs_dir=Path(runs_dir) if runs_dir is not None else None,
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
        device=device,
        workdir=Path(workdir) if workdir is not None else None,
        overwrite=overwrite,
        progress=progress,
        data_size=size,
    )
    frames = get_profile(settings.size).frames_per_hr
    jobs = grid(datasets, frames_per_hr=frames, methods=methods, physics=physics, axis=axis)
    run_grid(jobs, settings, after_job=_IncrementalReport(settings.out_dir, budget, len(jobs)))
    return settings.out_dir / "tables.md"
