"""The ``train`` and ``predict`` commands: run a baseline recipe, and write a method's predictions of a test split.

Thin commands over ``baselines`` and ``microsr_bench.scoring``; heavy imports happen inside them. Under
``torchrun --nproc_per_node=N -m microsr_bench.cli train ...`` training runs DistributedDataParallel, one
process per GPU (or CPU with Gloo); only rank 0 prints and writes. ``python -m baselines.cli``
runs the two commands on their own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from microsr_bench.data.profiles import SizeName
from microsr_bench.device import device_option_callback

if TYPE_CHECKING:
    from microsr_bench.data.load import SourceName


_SHOTS = click.Choice(["200", "400", "800", "full"])
_SOURCES = click.Choice(["auto", "simulated", "folder", "hub"])
_SIZES = click.Choice(["full", "small", "tiny"])
_BUDGETS = click.Choice(["tiny", "cpu", "short", "paper"])  # microsr_bench.protocols.method.BUDGETS


def _shots(value: str | None) -> int | None:
    return None if value in (None, "full") else int(value)


def _is_main_rank() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def _load(name: str, shots: str | None, source: SourceName, size: SizeName, cache_dir: Path | None, quiet: bool) -> Any:
    from microsr_bench.data import load_benchmark

    return load_benchmark(
        name, shots=_shots(shots), source=source, size=size, cache_dir=cache_dir, progress=not quiet and _is_main_rank()
    )


def _options(
    budget: str,
    device: str,
    seed: int,
    workdir: Path | None,
    weights: Path | None,
    quiet: bool,
    extra: dict[str, Any] | None = None,
) -> Any:
    from microsr_bench.protocols.method import MethodOptions

    return MethodOptions(
        budget=budget,  # type: ignore[arg-type]
        device=device,
        seed=seed,
        workdir=workdir,
        weights=weights,
        progress=not quiet and _is_main_rank(),
        extra=extra or {},
    )


def _close_process_group() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


@click.command("train")
@click.argument("recipe", type=click.Choice(["resrgan-b", "resrgan-s"]))
@click.option(
    "--dataset", default="MITO", show_default=True, help="Sub-dataset to train on (RESRGan-S: its HR images)."
)
@click.option("--shots", type=_SHOTS, help="Few-shot training subset (default: the full training split).")
@click.option("--budget", type=_BUDGETS, default="cpu", show_default=True, help="Config size: tiny, cpu, short, paper.")
@click.option(
    "--device",
    default="cpu",
    show_default=True,
    callback=device_option_callback,
    help="cpu, cuda or cuda:N (under torchrun: each rank's GPU).",
)
@click.option("--workdir", type=click.Path(path_type=Path), help="Runs and models (default: <cache>/runs).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--weights",
    type=click.Path(path_type=Path),
    help="Official RealESRGAN_x2plus.pth (or its folder), or a RESRGan-B .safetensors to use as the base.",
)
@click.option(
    "--synthesis",
    type=click.Choice(["realesrgan", "physics"]),
    default="realesrgan",
    show_default=True,
    help="RESRGan-S: the LR synthesis pipeline.",
)
@click.option("--source", type=_SOURCES, default="auto", show_default=True)
@click.option("--size", type=_SIZES, default="full", show_default=True, help="Simulated data only.")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Data cache (default: $MICROSR_BENCH_CACHE).")
@click.option("--resume/--no-resume", default=True, show_default=True, help="Continue from the last checkpoint.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Print the trained model's record fields as JSON.")
def train_cmd(
    recipe: str,
    dataset: str,
    shots: str | None,
    budget: str,
    device: str,
    workdir: Path | None,
    seed: int,
    weights: Path | None,
    synthesis: str,
    source: SourceName,
    size: SizeName,
    cache_dir: Path | None,
    resume: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Train a Real-ESRGAN baseline (RECIPE resrgan-b or resrgan-s) and save its weights in the workdir."""
    from baselines.realesrgan.method import export_path
    from baselines.realesrgan.recipes import default_workdir
    from microsr_bench.protocols.method import load_method

    workdir = workdir or default_workdir()
    extra: dict[str, Any] = {"cache_dir": cache_dir, "resume": resume}
    if recipe == "resrgan-s":
        extra["synthesis"] = synthesis
    method: Any = load_method(recipe, _options(budget, device, seed, workdir, weights, quiet, extra))
    bench = _load(dataset, shots, source, size, cache_dir, quiet)
    try:
        method.fit(bench["train"], bench["validation"])
    finally:
        _close_process_group()
    if not _is_main_rank():
        return
    path = export_path(workdir, recipe, budget, bench.benchmark, seed)
    summary = {"name": method.name, "weights": str(path), "identity": method.identity}
    summary |= {"initialisation": method.initialisation, "training": method.training}
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    t = method.training
    data = "+".join(t.get("datasets", []))
    best = f"best {t.get('val_metric')} {t.get('best_score')} at iteration {t.get('best_iteration')}"
    click.echo(f"{recipe}: {t.get('stage')} on {data}, {t.get('iterations')} iterations ({best}).")
    click.echo(f"Initial weights: {method.initialisation}. Weights: {path}")


def _ready_or_fit(method: Any, spec: str, bench: Any, fit: bool, workdir: Path | None, budget: str, seed: int) -> None:
    """Make a trainable method usable: fit it, or load its trained weights from the workdir, or explain."""
    from baselines.realesrgan.method import export_path

    if fit:
        method.fit(bench["train"], bench["validation"])
        return
    if getattr(method, "identity", None) is not None:  # weights already loaded from --weights
        return
    candidate = (
        export_path(workdir, str(getattr(method, "name", spec)), budget, bench.benchmark, seed) if workdir else None
    )
    if candidate is not None and candidate.is_file() and hasattr(method, "load"):
        method.load(candidate)
        return
    looked = f" (looked for {candidate})" if candidate is not None else ""
    raise click.UsageError(
        f"{spec} is trained on the data before it predicts and no trained weights were given{looked}. Pass --fit to "
        f"train it now, --weights FILE.safetensors, or --workdir holding a model from `microsr-bench train {spec} "
        f"--dataset ... --budget {budget} --seed {seed}`."
    )


@click.command("predict")
@click.option(
    "--method",
    "spec",
    required=True,
    help="A registered method (an unknown name lists them all, e.g. bicubic, care, resrgan-b) or module:attr.",
)
@click.option("--dataset", required=True, help="Sub-dataset whose test split is predicted.")
@click.option("--shots", type=_SHOTS, help="Training subset used by --fit / to find the trained model.")
@click.option("--budget", type=_BUDGETS, default="cpu", show_default=True)
@click.option("--weights", type=click.Path(path_type=Path), help="Trained weights (.safetensors) of the method.")
@click.option("--workdir", type=click.Path(path_type=Path), help="Folder of models written by `train`.")
@click.option("--fit", is_flag=True, help="Train the method on the training split first.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True, callback=device_option_callback, help="cpu, cuda, cuda:N.")
@click.option("--batch-size", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--source", type=_SOURCES, default="auto", show_default=True)
@click.option("--size", type=_SIZES, default="full", show_default=True, help="Simulated data only.")
@click.option("--cache-dir", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Prediction folder to write.")
@click.option("--format", "fmt", type=click.Choice(["tif", "png", "npy"]), default="tif", show_default=True)
@click.option("--dtype", type=click.Choice(["uint16", "uint8", "float32"]), default="uint16", show_default=True)
@click.option(
    "--overwrite", is_flag=True, help="Replace a prediction folder written earlier by predict (never another folder)."
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
def predict_cmd(
    spec: str,
    dataset: str,
    shots: str | None,
    budget: str,
    weights: Path | None,
    workdir: Path | None,
    fit: bool,
    seed: int,
    device: str,
    batch_size: int,
    source: SourceName,
    size: SizeName,
    cache_dir: Path | None,
    out: Path,
    fmt: str,
    dtype: str,
    overwrite: bool,
    quiet: bool,
) -> None:
    """Write a method's predictions of the test split of DATASET as a prediction folder (scored by `score`)."""
    from microsr_bench.data.cache import default_cache_dir
    from microsr_bench.errors import InvalidArgumentError
    from microsr_bench.protocols.method import load_method, method_name
    from microsr_bench.scoring.folders import check_output_folder
    from microsr_bench.scoring.writer import write_model_predictions

    data_dirs = [cache_dir or default_cache_dir()]
    try:  # before the data is loaded or a model trained: a refused --out costs nothing
        check_output_folder(out, overwrite=overwrite, protected=data_dirs)
    except InvalidArgumentError as exc:
        raise click.UsageError(str(exc)) from None
    # The method before the data: an unknown name or a missing extra is refused before any data is generated.
    method: Any = load_method(spec, _options(budget, device, seed, workdir, weights, quiet))
    bench = _load(dataset, shots, source, size, cache_dir, quiet)
    if hasattr(method, "fit"):
        _ready_or_fit(method, spec, bench, fit, workdir, budget, seed)
    name = method_name(method, spec)
    path = write_model_predictions(
        method,
        bench,
        out,
        batch_size=batch_size,
        device=device,
        fmt=fmt,  # type: ignore[arg-type]
        dtype=dtype,  # type: ignore[arg-type]
        method=name,
        overwrite=overwrite,
        progress=not quiet,
        protected=data_dirs,
    )
    click.echo(f"Wrote {len(bench['test'])} predictions of {name} for {dataset} to {path}")


def _standalone() -> click.Group:
    from microsr_bench.cli.group import ErrorReportingGroup

    group = ErrorReportingGroup(name="microsr-bench", help="The train and predict commands on their own.")
    group.add_command(train_cmd)
    group.add_command(predict_cmd)
    return group


if __name__ == "__main__":  # pragma: no cover - exercised by the torchrun test in a subprocess
    _standalone()()
