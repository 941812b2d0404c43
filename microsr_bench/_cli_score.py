"""The ``score`` command: validate and score a prediction folder, print the table, write the record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from microsr_bench.data.profiles import SizeName

if TYPE_CHECKING:
    from microsr_bench.data.load import SourceName


@click.command("score")
@click.argument("pred_dir", type=click.Path(path_type=Path))
@click.option("--dataset", "datasets", multiple=True, help="Only these sub-datasets (default: all present).")
@click.option("--recipes", default="paper,float,normalized", show_default=True, help="Comma-separated recipes.")
@click.option("--niqe", is_flag=True, help="Also NIQE of every prediction (pristine model).")
@click.option("--niqe-model", type=click.Path(path_type=Path), help="A fitted NIQE model (.npz) instead.")
@click.option("--fid", is_flag=True, help="Also FID against the HR test images (needs the Inception weights).")
@click.option(
    "--method", "method_name", default=None, help="Method name for the record (default: from predictions.json)."
)
@click.option("--protocol", default="unspecified", show_default=True, help="Protocol the predictions followed.")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Result JSON (default: PRED_DIR-results.json); CSV beside."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result set as JSON instead of the table.")
@click.option("--source", type=click.Choice(["auto", "simulated", "folder", "hub"]), default="auto", show_default=True)
@click.option("--size", type=click.Choice(["full", "small", "tiny"]), default="full", show_default=True)
@click.option("--cache-dir", type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap intervals.")
@click.option("--n-boot", type=int, default=2000, show_default=True, help="Bootstrap resamples.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def score_cmd(
    pred_dir: Path,
    datasets: tuple[str, ...],
    recipes: str,
    niqe: bool,
    niqe_model: Path | None,
    fid: bool,
    method_name: str | None,
    protocol: str,
    out: Path | None,
    as_json: bool,
    source: SourceName,
    size: SizeName,
    cache_dir: Path | None,
    seed: int,
    n_boot: int,
    quiet: bool,
) -> None:
    """Validate PRED_DIR (every problem at once; exit 1, nothing written) and score it against the test split."""
    from microsr_bench.scoring import MethodInfo, ProtocolInfo, score_predictions

    result = score_predictions(
        pred_dir,
        datasets=list(datasets) or None,
        recipes=[r.strip() for r in recipes.split(",") if r.strip()],
        niqe=niqe,
        niqe_model=niqe_model,
        fid=fid,
        source=source,
        size=size,
        cache_dir=cache_dir,
        method=MethodInfo(name=method_name or _method_from_metadata(pred_dir)),
        protocol=ProtocolInfo(name=protocol),
        n_boot=n_boot,
        seed=seed,
        progress=not quiet,
    )
    target = out or pred_dir.with_name(f"{pred_dir.name}-results.json")
    json_path, csv_path = result.write(target)
    if as_json:
        click.echo(json.dumps(result.result_set(), indent=2))
        return
    click.echo(result.table())
    click.echo(f"\nwrote {json_path} and {csv_path}")


def _method_from_metadata(pred_dir: Path) -> str:
    try:
        meta = json.loads((pred_dir / "predictions.json").read_text())
        return str(meta.get("method") or "unnamed")
    except (OSError, ValueError):
        return "unnamed"
