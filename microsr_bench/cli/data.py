"""The data commands: ``datasets`` (the cards), ``prepare``, ``push-to-hub`` and ``show``; thin calls into
``microsr_bench.data``, whose heavy imports happen inside the commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from microsr_bench.data.cards import DATASET_NAMES, SPLITS, SplitName, get_card
from microsr_bench.data.profiles import SizeName

if TYPE_CHECKING:
    from microsr_bench.data.cache import VerifyMode
    from microsr_bench.data.load import SourceName

__all__ = ["datasets_cmd", "prepare_cmd", "push_to_hub_cmd", "show_cmd"]


def _card_row(name: str) -> dict[str, Any]:
    card = get_card(name)
    return {
        "name": name,
        "structure": card.structure,
        "acquisition": card.acquisition,
        "train": card.pairs("train"),
        "validation": card.pairs("validation"),
        "test": card.pairs("test"),
        "total": card.total_pairs,
        "hr_images": card.hr_images.total,
        "lr_shape": list(card.lr_shape),
        "hr_shape": list(card.hr_shape),
        "bit_depth": card.bit_depth,
    }


@click.group("datasets", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def datasets_cmd(ctx: click.Context, as_json: bool) -> None:
    """The four sub-datasets (Table I of the paper); `datasets info NAME` shows one card."""
    if ctx.invoked_subcommand is not None:
        return
    rows = [_card_row(n) for n in DATASET_NAMES]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    header = f"{'name':<6}{'structure':<14}{'acquisition':<13}{'train':>7}{'valid.':>8}{'test':>7}{'total':>7}{'HR':>5}"
    click.echo(header + "  LR -> HR")
    for r in rows:
        click.echo(
            f"{r['name']:<6}{r['structure']:<14}{r['acquisition']:<13}{r['train']:>7}{r['validation']:>8}"
            f"{r['test']:>7}{r['total']:>7}{r['hr_images']:>5}  256x256 -> 512x512"
        )
    click.echo("Pairs per split; 100 LR frames per HR image; splits by HR image. Shots: 200, 400, 800, full.")


@datasets_cmd.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def datasets_info(name: str, as_json: bool) -> None:
    """One dataset card."""
    card = get_card(name)
    data = _card_row(name) | {
        "description": card.description,
        "scale": card.scale,
        "frames_per_hr": card.frames_per_hr,
        "max_value": card.max_value,
        "lr_scan": f"{card.lr_scan}, {card.lr_frame_rate_hz} frames/s",
        "hr_scan": f"{card.hr_scan}, {card.hr_frame_rate_hz} frames/s",
        "instrument": card.instrument,
        "hr_images_per_split": {s: card.hr_images[s] for s in SPLITS},
        "citations": list(card.citations),
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if key == "citations":
            click.echo("citations:")
            for citation in value:
                click.echo("  " + citation.replace("\n", "\n  "))
        else:
            click.echo(f"{key}: {value}")


@click.command("prepare")
@click.argument("root", required=False, type=click.Path(path_type=Path))
@click.option("--simulated", is_flag=True, help="Generate the simulated default data instead of ingesting ROOT.")
@click.option("--size", type=click.Choice(["full", "small", "tiny"]), default="full", show_default=True)
@click.option("--index", "index_csv", type=click.Path(path_type=Path), help="CSV of lr_path,hr_path[,dataset].")
@click.option("--dataset", "names", multiple=True, help="Only these sub-datasets (repeatable).")
@click.option("--bit-depth", type=int, help="Bit depth of 16-bit files (default: the card's 12).")
@click.option("--allow-noncanonical", is_flag=True, help="Accept counts other than Table I (not ranked).")
@click.option("--verify", type=click.Choice(["quick", "full"]), default="quick", show_default=True)
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Default: $MICROSR_BENCH_CACHE or ~/.cache.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def prepare_cmd(
    root: Path | None,
    simulated: bool,
    size: SizeName,
    index_csv: Path | None,
    names: tuple[str, ...],
    bit_depth: int | None,
    allow_noncanonical: bool,
    verify: VerifyMode,
    cache_dir: Path | None,
    quiet: bool,
) -> None:
    """Validate and ingest the real data in ROOT (or --index CSV) once, or generate the simulated data."""
    from microsr_bench.data import load_benchmark, prepare_folder

    if simulated:
        if root is not None or index_csv is not None:
            raise click.UsageError("--simulated takes no ROOT or --index.")
        bench = load_benchmark(
            list(names) or "all",
            source="simulated",
            size=size,
            cache_dir=cache_dir,
            verify=verify,
            progress=not quiet,
        )
        for name in bench.benchmark.datasets:
            click.echo(f"{name}: simulated ({size}), test fingerprint {bench.benchmark.fingerprint(name)}")
        return
    if root is None and index_csv is None:
        raise click.UsageError("Give the data ROOT, --index CSV, or --simulated.")
    prepared = prepare_folder(
        root,
        list(names) or None,
        index_csv=index_csv,
        dataset=names[0] if len(names) == 1 else None,
        cache_dir=cache_dir,
        bit_depth=bit_depth,
        allow_noncanonical=allow_noncanonical,
        progress=not quiet,
    )
    for name, data in prepared.items():
        flag = "" if data.manifest.canonical else " (non-canonical counts: not ranked)"
        click.echo(f"{name}: prepared at {data.root}, test fingerprint {data.manifest.fingerprint('test')}{flag}")


@click.command("push-to-hub")
@click.argument("repo")
@click.option("--dataset", "names", multiple=True, help="Only these sub-datasets (repeatable).")
@click.option("--source", type=click.Choice(["folder", "simulated"]), default="folder", show_default=True)
@click.option("--size", type=click.Choice(["full", "small", "tiny"]), default="full", show_default=True)
@click.option("--local-dir", type=click.Path(path_type=Path), help="Write the hub layout here; do not upload.")
@click.option("--overwrite", is_flag=True, help="Replace a layout an earlier --local-dir run wrote.")
@click.option("--public", is_flag=True, help="Create the repository public (default private).")
@click.option("--cache-dir", type=click.Path(path_type=Path))
def push_to_hub_cmd(
    repo: str,
    names: tuple[str, ...],
    source: Literal["folder", "simulated"],
    size: SizeName,
    local_dir: Path | None,
    overwrite: bool,
    public: bool,
    cache_dir: Path | None,
) -> None:
    """Publish prepared data as parquet with a dataset card to the Hugging Face dataset REPO."""
    from microsr_bench.data import load_benchmark
    from microsr_bench.data.hub import push_to_hub, write_hub_layout
    from microsr_bench.data.hub_local import check_local_dir

    if overwrite and local_dir is None:
        raise click.UsageError("--overwrite replaces a --local-dir layout; without --local-dir it has no use.")
    if local_dir is not None:
        check_local_dir(local_dir, overwrite=overwrite)  # before the data is loaded or generated
    bench = load_benchmark(list(names) or "all", source=source, size=size, cache_dir=cache_dir)
    prepared = bench.prepared
    if local_dir is not None:
        write_hub_layout(prepared, local_dir, overwrite=overwrite)
        click.echo(f"Wrote the hub layout for {', '.join(prepared)} to {local_dir} (not uploaded).")
        return
    sha = push_to_hub(prepared, repo, private=not public)
    click.echo(f"Uploaded to {repo} at commit {sha}; load with hub_repo={repo!r}, revision={sha!r}.")


@click.command("show")
@click.argument("name")
@click.option("--split", type=click.Choice(list(SPLITS)), default="test", show_default=True)
@click.option("--index", type=int, default=0, show_default=True, help="Field of view within the split.")
@click.option(
    "--out",
    help="Image file (.png, .jpg, .jpeg, .pdf, .svg) or a folder to write NAME_SPLIT_INDEX.png into "
    "(default: NAME_SPLIT_INDEX.png here).",
)
@click.option("--source", type=click.Choice(["auto", "simulated", "folder", "hub"]), default="auto")
@click.option(
    "--size",
    type=click.Choice(["full", "small", "tiny"]),
    default="full",
    show_default=True,
    help="Simulated data size; use the size you prepared (full is generated on first use, ~0.7-1 GB per dataset).",
)
@click.option("--cache-dir", type=click.Path(path_type=Path))
def show_cmd(
    name: str,
    split: SplitName,
    index: int,
    out: str | None,
    source: SourceName,
    size: SizeName,
    cache_dir: Path | None,
) -> None:
    """Write an image panel of one field: LR frame, bicubic, HR, mean of the LR frames (like the paper's Fig. 1)."""
    from microsr_bench.data import load_benchmark
    from microsr_bench.data.show import panel_path, render_panel

    get_card(name)
    target = panel_path(out, name, split, index)  # refuse a bad --out before loading (or generating) any data
    bench = load_benchmark(name, source=source, size=size, cache_dir=cache_dir)
    path = render_panel(bench, target, split=split, index=index)
    click.echo(f"Wrote {path}")
