"""The ``evaluate`` command: a thin call into ``microsr_bench.protocols``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from microsr_bench.device import device_option_callback

if TYPE_CHECKING:
    from microsr_bench.data.load import SourceName
    from microsr_bench.data.profiles import SizeName
    from microsr_bench.protocols.evaluation import Overwrite
    from microsr_bench.protocols.method import Budget
    from microsr_bench.protocols.protocols import Degradation

_OVERWRITE = click.Choice(["never", "scores", "always"])


@click.command("evaluate")
@click.option(
    "--method",
    "method",
    required=True,
    help="A registered method (an unknown name lists them all, e.g. bicubic, care, resrgan-b) or module:attr.",
)
@click.option(
    "--protocol",
    "protocol_name",
    default="paired",
    show_default=True,
    type=click.Choice(["paired", "zero-shot", "blind-synthetic", "burst"]),
)
@click.option("--dataset", required=True, help="Sub-dataset scored (MITO, MPM, MEM, NUC).")
@click.option("--shots", default=None, help="Paired, zero-shot (of the source dataset), burst: 200, 400, 800 or full.")
@click.option(
    "--fields",
    default=None,
    help="Paired only: train on the field-level set (2, 4 or 8 whole fields of view, all their frames) instead of "
    "--shots pairs.",
)
@click.option("--from", "source_dataset", default=None, help="Zero-shot only: the training dataset [default: MITO].")
@click.option(
    "--degradation",
    type=click.Choice(["realesrgan", "physics", "bicubic"]),
    default=None,
    help="Blind-synthetic only [default: realesrgan].",
)
@click.option("--k", type=click.IntRange(min=1), default=None, help="Burst only: LR frames per input [default: 4].")
@click.option(
    "--noise-sigma",
    type=click.FloatRange(0.0, 1.0, max_open=True),
    default=None,
    help="Blind-synthetic bicubic only: Gaussian noise sd in [0, 1] units added after down-sampling [default: 0].",
)
@click.option(
    "--budget",
    type=click.Choice(["tiny", "cpu", "short", "paper"]),
    default="cpu",
    show_default=True,
    help="Training budget: tiny (tests), cpu, short (Real-ESRGAN baselines: paper networks, brief fine-tune), paper.",
)
@click.option("--device", default="cpu", show_default=True, callback=device_option_callback, help="cpu, cuda, cuda:N.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--seeds",
    default=None,
    help="Train and score once per seed (e.g. 0,1,2) and record mean ± sd over seeds; replaces --seed.",
)
@click.option(
    "--workdir", type=click.Path(path_type=Path), help="Checkpoints and trained models (default: OUT/workdir)."
)
@click.option("--weights", type=click.Path(path_type=Path), help="Weights file for the method (e.g. official x2).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("results"), show_default=True)
@click.option(
    "--overwrite",
    type=_OVERWRITE,
    default="never",
    show_default=True,
    help="never: reuse a cached result; scores: re-score kept predictions; always: recompute.",
)
@click.option("--keep-predictions", is_flag=True, help="Keep the prediction folder next to the result.")
@click.option("--source", type=click.Choice(["auto", "simulated", "folder", "hub"]), default="auto", show_default=True)
@click.option("--size", type=click.Choice(["full", "small", "tiny"]), default="full", show_default=True)
@click.option("--cache-dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result set as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes that score the predictions (same numbers for any value; each starts its own Python and torch, "
    "so on two cores one process is usually fastest).",
)
def evaluate_cmd(
    method: str,
    protocol_name: str,
    dataset: str,
    shots: str | None,
    fields: str | None,
    source_dataset: str | None,
    degradation: Degradation | None,
    k: int | None,
    noise_sigma: float | None,
    budget: Budget,
    device: str,
    seed: int,
    seeds: str | None,
    workdir: Path | None,
    weights: Path | None,
    out_dir: Path,
    overwrite: Overwrite,
    keep_predictions: bool,
    source: SourceName,
    size: SizeName,
    cache_dir: Path | None,
    as_json: bool,
    quiet: bool,
    workers: int,
) -> None:
    """Train METHOD if the protocol allows it, predict the test split of DATASET, score it, write the record."""
    from microsr_bench.errors import InvalidArgumentError
    from microsr_bench.protocols import MethodOptions, evaluate, make_protocol
    from microsr_bench.protocols.protocols import check_protocol_options, check_training_set_options

    given = {
        "--shots": shots,
        "--fields": fields,
        "--from": source_dataset,
        "--degradation": degradation,
        "--k": k,
        "--noise-sigma": noise_sigma,
    }
    try:
        check_training_set_options(shots, fields)
        check_protocol_options(protocol_name, [option for option, value in given.items() if value is not None])
    except InvalidArgumentError as exc:
        raise click.UsageError(str(exc)) from None
    protocol = make_protocol(
        protocol_name,
        dataset,
        shots=shots,
        fields=fields,
        source=source_dataset or "MITO",
        degradation=degradation or "realesrgan",
        k=k or 4,
        noise_sigma=noise_sigma or 0.0,
    )
    options = MethodOptions(
        budget=budget,
        device=device,
        seed=seed,
        workdir=workdir or out_dir / "workdir",
        weights=weights,
        progress=not quiet,
    )
    result = evaluate(
        method,
        protocol,
        options=options,
        source=source,
        size=size,
        cache_dir=cache_dir,
        out_dir=out_dir,
        overwrite=overwrite,
        keep_predictions=keep_predictions,
        progress=not quiet,
        report=lambda line: click.echo(line, err=as_json),
        score_workers=workers,
        seeds=seeds,
    )
    if as_json:
        click.echo(json.dumps(result.result_set(), indent=2))
    else:
        click.echo(result.table())
        if seeds is not None:
            click.echo(_spread_lines(result.records[0]["seed_spread"]))


def _spread_lines(spread: dict[str, Any]) -> str:
    """``paper/psnr: 27.41 ± 0.12 (sd over seeds 0, 1, 2)`` per recipe and metric."""
    seeds = ", ".join(map(str, spread["seeds"]))
    lines = []
    for group, metrics in spread["metrics"].items():
        for metric, s in metrics.items():
            sd = "" if s["sd"] is None else f" ± {s['sd']:.4g}"
            mean = "–" if s["mean"] is None else f"{s['mean']:.4g}"
            lines.append(f"{group}/{metric}: {mean}{sd} (mean ± sd over seeds {seeds})")
    return "\n".join(lines)
