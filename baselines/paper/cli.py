"""The ``reproduce`` command: the paper's grid, plugged into ``microsr-bench`` through the
``microsr_bench.commands`` entry points (setup.cfg). Heavy imports happen inside the command."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from microsr_bench.device import device_option_callback

if TYPE_CHECKING:
    from microsr_bench.data.load import SourceName
    from microsr_bench.data.profiles import SizeName
    from microsr_bench.protocols.evaluation import Overwrite
    from microsr_bench.protocols.method import Budget

_OVERWRITE = click.Choice(["never", "scores", "always"])


@click.command("reproduce")
@click.option("--budget", type=click.Choice(["tiny", "cpu", "paper"]), default="tiny", show_default=True)
@click.option("--dataset", "datasets", multiple=True, help="Only these sub-datasets (default: all four).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Tables, plots and records (default: results/reproduce-BUDGET).",
)
@click.option(
    "--runs", "runs_dir", type=click.Path(path_type=Path), help="Per-run results and models (default: OUT/runs)."
)
@click.option("--source", type=click.Choice(["simulated", "folder", "hub"]), default="simulated", show_default=True)
@click.option("--device", default="cpu", show_default=True, callback=device_option_callback, help="cpu, cuda, cuda:N.")
@click.option("--workdir", type=click.Path(path_type=Path))
@click.option("--overwrite", type=_OVERWRITE, default="never", show_default=True)
@click.option("--no-physics", is_flag=True, help="Skip RESRGan-S with the physics pipeline (beyond the paper).")
@click.option(
    "--methods", default=None, help="Comma-separated subset: bicubic,bicubic-fit,frame-average,resrgan-b,resrgan-s."
)
@click.option(
    "--size",
    type=click.Choice(["full", "small", "tiny"]),
    default=None,
    help="Simulated data size (default: the budget's: tiny, small, full).",
)
@click.option(
    "--axis",
    type=click.Choice(["shots", "fields"]),
    default="shots",
    show_default=True,
    help="Few-shot levels: shots (200/400/800 pairs, the paper's) or fields (2/4/8 whole fields of view).",
)
@click.option("--cache-dir", type=click.Path(path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bars.")
def reproduce_cmd(
    budget: Budget,
    datasets: tuple[str, ...],
    out_dir: Path | None,
    runs_dir: Path | None,
    source: SourceName,
    device: str,
    workdir: Path | None,
    overwrite: Overwrite,
    no_physics: bool,
    methods: str | None,
    size: SizeName | None,
    axis: str,
    cache_dir: Path | None,
    quiet: bool,
) -> None:
    """Run the paper's grid with the baselines; write Tables II-VI, a macro table and few-shot plots."""
    from baselines.paper.reproduction import METHODS, reproduce
    from microsr_bench.data.cards import DATASET_NAMES
    from microsr_bench.data.load import resolve_names

    chosen = tuple(m.strip() for m in methods.split(",") if m.strip()) if methods else METHODS
    tables = reproduce(
        budget,
        datasets=resolve_names(list(datasets)) if datasets else DATASET_NAMES,
        source=source,
        out_dir=out_dir or Path("results") / f"reproduce-{budget}",
        runs_dir=runs_dir,
        cache_dir=cache_dir,
        device=device,
        workdir=workdir,
        overwrite=overwrite,
        physics=not no_physics,
        methods=chosen,
        size=size,
        progress=not quiet,
        axis=axis,
    )
    click.echo(f"Wrote {tables} (and the plots and records.json beside it)")
