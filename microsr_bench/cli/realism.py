"""The ``microsr-bench realism`` command: the realism report of one sub-dataset, as JSON and a figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from microsr_bench.data.cards import SPLITS


def _line(name: str, stat: Any, unit: str) -> str:
    if not isinstance(stat, dict):
        return f"  {name}: not measured"
    sd = f" +- {stat['sd']:.3g}" if stat.get("sd") is not None else ""
    return f"  {name}: {stat['mean']:.4g}{sd} {unit} (median {stat['median']:.4g}, {stat['n']} field(s))"


@click.command("realism")
@click.argument("dataset")
@click.option("--source", type=click.Choice(["auto", "simulated", "folder", "hub"]), default="auto", show_default=True)
@click.option("--size", type=click.Choice(["full", "small", "tiny"]), default="full", show_default=True)
@click.option("--split", type=click.Choice(list(SPLITS)), default="test", show_default=True)
@click.option("--fields", type=click.IntRange(min=1), help="Measure only the first N fields (hr_id order).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for realism.json/png.")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Root of the real data (folder source).")
@click.option("--hub-repo", help="Hugging Face dataset repository (hub source).")
@click.option("--revision", help="Commit of --hub-repo.")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Default: $MICROSR_BENCH_CACHE or ~/.cache.")
@click.option("--no-figure", is_flag=True, help="Write realism.json only.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def realism_cmd(
    dataset: str,
    source: str,
    size: str,
    split: str,
    fields: int | None,
    out_dir: Path,
    data_dir: Path | None,
    hub_repo: str | None,
    revision: str | None,
    cache_dir: Path | None,
    no_figure: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Measure what a microscopist checks on DATASET's LR bursts and HR images (docs/realism.md)."""
    from microsr_bench.realism.report import write_report
    from microsr_bench.realism.source import realism_report

    report = realism_report(
        dataset,
        source=source,
        size=size,
        split=split,
        fields=fields,
        cache_dir=cache_dir,
        data_dir=data_dir,
        hub_repo=hub_repo,
        revision=revision,
        progress=not quiet,
    )
    path = write_report(report, out_dir, figure=not no_figure)
    summary = report["summary"]
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{report['dataset']} ({report['source']}, {split}, {summary['fields']} field(s)): wrote {path}")
    click.echo(_line("LR gain", summary.get("lr_gain"), "grey/e-"))
    click.echo(_line("LR offset", summary.get("lr_offset"), "grey"))
    click.echo(_line("line shift", summary.get("line_shift"), "LR px"))
    click.echo(_line("drift speed", summary.get("drift_speed"), "LR px/frame"))
    click.echo(_line("HR-LR scale", summary.get("hr_lr_scale"), ""))
    notes = sorted({n for f in report["fields"].values() for n in f.get("notes", [])})
    for note in notes:
        click.echo(f"  note: {note}")
