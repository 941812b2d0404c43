"""The ``score`` command: validate and score a prediction folder, print the table, write the record."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from microsr_bench.data.profiles import SizeName

if TYPE_CHECKING:
    from microsr_bench.data.load import SourceName
    from microsr_bench.protocols.protocols import Degradation, Protocol

_PROTOCOLS = "paired, zero-shot, blind-synthetic or burst"


@click.command("score")
@click.argument("pred_dir", type=click.Path(path_type=Path))
@click.option(
    "--protocol",
    "protocol_name",
    default=None,
    help=f"Required: the protocol the predictions followed ({_PROTOCOLS}); the record says it, the leaderboard "
    "ranks by it.",
)
@click.option("--shots", default=None, help="Training pairs used: 200, 400, 800 or full (zero-shot: of --from).")
@click.option(
    "--fields",
    default=None,
    help="Paired only, instead of --shots: the field-level set trained on (2, 4 or 8 whole fields of view).",
)
@click.option("--from", "source_dataset", default=None, help="Zero-shot only: the sub-dataset trained on.")
@click.option("--degradation", type=click.Choice(["realesrgan", "physics"]), default=None, help="Blind-synthetic only.")
@click.option("--k", type=int, default=None, help="Burst only: LR frames per input (one prediction per burst).")
@click.option("--dataset", "datasets", multiple=True, help="Only these sub-datasets (default: all present).")
@click.option("--recipes", default="paper,float,normalized", show_default=True, help="Comma-separated recipes.")
@click.option(
    "--crop-border",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Pixels cut from each side of prediction and target before the full-reference metrics (BasicSR's "
    "option; the record's aggregation says it).",
)
@click.option("--niqe", is_flag=True, help="Also NIQE of every prediction (pristine model).")
@click.option("--niqe-model", type=click.Path(path_type=Path), help="A fitted NIQE model (.npz) instead.")
@click.option(
    "--micro-ssim",
    is_flag=True,
    help="Also MicroSSIM and MicroMS3IM of every image, fitted on each sub-dataset's pairs first (extra passes).",
)
@click.option("--fid", is_flag=True, help="Also FID against the HR test images (needs the Inception weights).")
@click.option(
    "--method", "method_name", default=None, help="Method name for the record (default: from predictions.json)."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Result JSON file, or a folder to write it in (default: PRED_DIR-results.json); the CSV goes beside it.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing result (JSON and CSV) at --out.")
@click.option("--json", "as_json", is_flag=True, help="Print the result set as JSON instead of the table.")
@click.option("--source", type=click.Choice(["auto", "simulated", "folder", "hub"]), default="auto", show_default=True)
@click.option(
    "--size",
    type=click.Choice(["full", "small", "tiny"]),
    default=None,
    help="Data size (default: the size predictions.json records, else full).",
)
@click.option("--cache-dir", type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap intervals.")
@click.option("--n-boot", type=int, default=2000, show_default=True, help="Bootstrap resamples.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes that score fields of view side by side (per torchrun rank); same numbers for any value. Each "
    "worker starts its own Python and torch (seconds), so on two cores one process is usually fastest.",
)
def score_cmd(
    pred_dir: Path,
    protocol_name: str | None,
    shots: str | None,
    fields: str | None,
    source_dataset: str | None,
    degradation: Degradation | None,
    k: int | None,
    datasets: tuple[str, ...],
    recipes: str,
    crop_border: int,
    niqe: bool,
    niqe_model: Path | None,
    micro_ssim: bool,
    fid: bool,
    method_name: str | None,
    out: Path | None,
    overwrite: bool,
    as_json: bool,
    source: SourceName,
    size: SizeName | None,
    cache_dir: Path | None,
    seed: int,
    n_boot: int,
    quiet: bool,
    workers: int,
) -> None:
    """Validate PRED_DIR (every problem at once; exit 1, nothing written) and score it against the test split.

    Writes the result set to --out (JSON) and the per-image scores beside it (CSV), both or neither; an
    existing result is replaced only with --overwrite (docs/scoring.md, "Outputs"). Under `torchrun` the
    fields are shared out over the ranks (Gloo) and rank 0 writes the one record (docs/performance.md).
    """
    from microsr_bench.scoring import MethodInfo, ProtocolInfo, score_predictions
    from microsr_bench.scoring.output import result_paths
    from microsr_bench.scoring.score import datasets_in

    # Everything that can be refused without the data is refused before it is loaded or generated.
    names = datasets_in(pred_dir, list(datasets) or None)
    protocol = _protocol(protocol_name, names, (shots, fields), source_dataset, degradation, k)
    json_path, _ = result_paths(out, pred_dir)
    if json_path.exists() and not overwrite:
        from microsr_bench.errors import OutputError

        raise OutputError(
            f"{json_path} already exists (an earlier result); nothing was scored. Pass --overwrite to replace it "
            "and its CSV, or choose another --out."
        )
    with _process_group() as rank:
        result = score_predictions(
            pred_dir,
            datasets=names,
            recipes=[r.strip() for r in recipes.split(",") if r.strip()],
            niqe=niqe,
            niqe_model=niqe_model,
            fid=fid,
            source=source,
            size=size,
            shots=protocol.shots,
            fields=getattr(protocol, "fields", None),
            cache_dir=cache_dir,
            method=MethodInfo(name=method_name or _method_from_metadata(pred_dir)),
            protocol=ProtocolInfo.of(protocol),
            n_boot=n_boot,
            seed=seed,
            progress=not quiet and rank == 0,
            workers=workers,
            crop_border=crop_border,
            micro_ssim=micro_ssim,
        )
    if rank != 0:
        return  # rank 0 holds the same result and writes it
    json_path, csv_path = result.write(out, overwrite=overwrite)
    if as_json:
        click.echo(json.dumps(result.result_set(), indent=2))
        return
    click.echo(result.table())
    click.echo(f"\nwrote {json_path} and {csv_path}")


@contextlib.contextmanager
def _process_group() -> Iterator[int]:
    """Under torchrun (``WORLD_SIZE`` > 1) join a Gloo group for the duration and yield the rank; else yield 0.

    Scoring runs on CPUs, so Gloo suits it even on GPU nodes; a group the caller already made is used as is.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        yield 0
        return
    import torch.distributed as dist

    if dist.is_initialized():
        yield dist.get_rank()
        return
    dist.init_process_group("gloo", init_method="env://")
    try:
        yield dist.get_rank()
    finally:
        dist.destroy_process_group()


def _protocol(
    name: str | None,
    names: list[str],
    training_set: tuple[str | None, str | None],
    source: str | None,
    degradation: Degradation | None,
    k: int | None,
) -> Protocol:
    """The protocol object for every scored sub-dataset (each is checked: zero-shot never scores its source)."""
    from microsr_bench.errors import InvalidArgumentError
    from microsr_bench.protocols import make_protocol
    from microsr_bench.protocols.protocols import check_protocol_options, check_training_set_options

    if name is None:
        raise click.UsageError(
            f"--protocol is required: the protocol the predictions followed, one of {_PROTOCOLS} (docs/protocols.md). "
            "The record carries it, and `leaderboard submit` ranks by it."
        )
    shots, fields = training_set
    given = {"--shots": shots, "--fields": fields, "--from": source, "--degradation": degradation, "--k": k}
    try:
        check_training_set_options(shots, fields)
        check_protocol_options(name, [option for option, value in given.items() if value is not None])
    except InvalidArgumentError as exc:
        raise click.UsageError(str(exc)) from None
    made = [
        make_protocol(
            name,
            n,
            shots=shots,
            fields=fields,
            source=source or "MITO",
            degradation=degradation or "realesrgan",
            k=k or 4,
        )
        for n in names
    ]
    return made[0]


def _method_from_metadata(pred_dir: Path) -> str:
    from microsr_bench.scoring.format import metadata_or_empty

    method = metadata_or_empty(pred_dir).get("method")
    return method if isinstance(method, str) and method else "unnamed"
