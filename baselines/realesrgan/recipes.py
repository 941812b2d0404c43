"""The paper's two training recipes (Fig. 2 and 3): RESRGan-B (base, then per-dataset fine-tuning) and RESRGan-S.

RESRGan-B: start from the official ``RealESRGAN_x2plus.pth`` converted to one channel when it is present (and
the config is the paper-size network), else from scratch; fine-tune on the full MITO training split with MITO
validation: the **base** model, cached in the workdir and reused. Every ``fit(train, validation)`` then
fine-tunes the base on the split the protocol hands over (a dataset at 200/400/800/full shots). The zero-shot
rows of the paper are the base applied without further training.

RESRGan-S: the HR images of MITO's training split only, LR synthesised on the fly (Real-ESRGAN's second-order
pipeline, or ``physics``), validated on the real LR validation pairs, tested on real LR.

Runs live in ``<workdir>/<recipe>/<stage>-<key>/``, where the key hashes the training config, the training
and validation frame ids and the initial weights: rerunning with the same settings resumes or reuses.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import datasets

from baselines.realesrgan.data import PairedPatchSampler, SynthesisName, SyntheticPatchSampler, make_synthesis
from baselines.realesrgan.hub import locate_weights
from baselines.realesrgan.rrdbnet import RRDBNetConfig
from baselines.realesrgan.train import DISCRIMINATOR_FILE, InitialWeights, TrainResult, train_realesrgan
from baselines.realesrgan.train_config import TrainConfig
from baselines.realesrgan.train_dist import init_distributed
from baselines.realesrgan.train_validate import ValidationSet
from baselines.realesrgan.weights import (
    load_official_discriminator,
    load_official_generator,
    read_weights,
)
from microsr_bench.data.cache import default_cache_dir
from microsr_bench.data.info import benchmark_info
from microsr_bench.errors import ConfigError, NotFoundError

__all__ = [
    "BASE_DATASET",
    "DISCRIMINATOR_FILE",
    "Initialisation",
    "RecipeRun",
    "default_workdir",
    "initial_weights",
    "split_key",
    "train_base",
    "train_finetune",
    "train_synthetic",
]

Initialisation = Literal["official-weights", "scratch"]

#: The dataset the RESRGan-B base is fine-tuned on (paper, section IV-C).
BASE_DATASET = "MITO"
OFFICIAL_GENERATOR = "RealESRGAN_x2plus.pth"
OFFICIAL_DISCRIMINATOR = "RealESRGAN_x2plus_netD.pth"


@dataclass(frozen=True)
class RecipeRun:
    """A finished recipe stage: its training result and what the weights started from."""

    result: TrainResult
    #: ``official-weights`` or ``scratch``: the very first weights of the chain (the base's, for fine-tuning).
    initialisation: Initialisation
    #: Human-readable origin of the initial weights (file and SHA-256, a base model, or ``scratch``).
    init_label: str
    #: Identity of the training frames (:func:`split_key`).
    train_key: str


def default_workdir() -> Path:
    """Where runs go when no workdir is given: ``<cache>/runs`` (``$MICROSR_BENCH_CACHE`` or ~/.cache)."""
    return default_cache_dir() / "runs"


def split_key(split: datasets.Dataset) -> str:
    """SHA-256 of a split's row ids (frame ids, or HR ids for an HR view) and its provenance."""
    column = "id" if "id" in split.column_names else "hr_id"
    digest = hashlib.sha256()
    info = benchmark_info(split)
    digest.update(json.dumps([info.source, info.size, list(info.datasets)]).encode())
    for name, row_id in zip(split["dataset"], split[column], strict=True):
        digest.update(f"{name}/{row_id}\n".encode())
    return digest.hexdigest()


def _file_label(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"{path.name} sha256:{digest}"


def initial_weights(config: TrainConfig, weights: Path | None = None) -> tuple[InitialWeights, Initialisation]:
    """The official x2plus weights converted to one channel when they fit and are present, else scratch.

    Only the paper-size generator (64 features, 23 blocks, growth 32) can take the official weights; smaller
    configs always start from scratch. ``weights`` is an explicit official ``.pth`` file or a folder holding it;
    without it the file is looked up offline (:func:`~baselines.realesrgan.hub.locate_weights`). The official
    discriminator (``RealESRGAN_x2plus_netD.pth``, looked up beside the generator) is used when present.
    """
    official = RRDBNetConfig(num_in_ch=1, num_out_ch=1, scale=2)
    if config.generator != official:
        if weights is not None:
            raise ConfigError(
                f"The official Real-ESRGAN weights ({weights}) fit only the paper-size generator (64 features, "
                f"23 blocks); this config has {config.generator}. Use budget 'paper' or drop the weights."
            )
        return InitialWeights(label="scratch"), "scratch"
    try:
        g_path = locate_weights(OFFICIAL_GENERATOR, path=weights)
    except NotFoundError:
        if weights is not None:
            raise
        return InitialWeights(label="scratch"), "scratch"
    generator = load_official_generator(g_path, in_channels=1).state_dict()
    label = _file_label(g_path)
    discriminator = None
    try:
        d_path = locate_weights(OFFICIAL_DISCRIMINATOR, path=g_path.parent)
        if config.discriminator.num_feat == 64 and config.discriminator.skip_connection:
            discriminator = load_official_discriminator(d_path, in_channels=1).state_dict()
            label += f"; {_file_label(d_path)}"
    except NotFoundError:
        pass  # the generator alone is the usual starting point; the discriminator then starts from scratch
    return InitialWeights(generator=generator, discriminator=discriminator, label=label), "official-weights"


def _run_dir(workdir: Path | None, recipe: str, stage: str, config: TrainConfig, *parts: str) -> tuple[Path, str]:
    key = hashlib.sha256("\n".join([config.fingerprint(), *parts]).encode()).hexdigest()
    return (workdir or default_workdir()) / recipe / f"{stage}-{key[:16]}", key


def train_base(
    config: TrainConfig,
    train: datasets.Dataset,
    validation: datasets.Dataset,
    *,
    workdir: Path | None = None,
    weights: Path | None = None,
    device: str = "cpu",
    resume: bool = True,
    progress: bool = True,
) -> RecipeRun:
    """RESRGan-B's base: the official (or scratch) generator fine-tuned on MITO's full training split."""
    init, kind = initial_weights(config, weights)
    return _paired_run("resrgan-b", "base", config, train, validation, init, kind, workdir, device, resume, progress)


def train_finetune(
    config: TrainConfig,
    base: RecipeRun | Path,
    train: datasets.Dataset,
    validation: datasets.Dataset,
    *,
    workdir: Path | None = None,
    device: str = "cpu",
    resume: bool = True,
    progress: bool = True,
) -> RecipeRun:
    """RESRGan-B fine-tuned from the base on ``train`` (one dataset at some shots), validated on ``validation``.

    ``base`` is a finished base run or a RESRGan-B safetensors file (then its discriminator, if saved beside it
    as ``discriminator.safetensors``, is used too; otherwise the discriminator starts from scratch).
    """
    model_file = base.result.weights if isinstance(base, RecipeRun) else Path(base)
    state, metadata = read_weights(model_file)
    d_file = model_file.parent / DISCRIMINATOR_FILE
    d_state = read_weights(d_file)[0] if d_file.is_file() else None
    kind: Initialisation = base.initialisation if isinstance(base, RecipeRun) else _init_of(metadata)
    init = InitialWeights(generator=state, discriminator=d_state, label=_file_label(model_file))
    return _paired_run(
        "resrgan-b", "finetune", config, train, validation, init, kind, workdir, device, resume, progress
    )


def _init_of(metadata: dict[str, str]) -> Initialisation:
    value = metadata.get("microsr_bench.initialisation", "scratch")
    return "official-weights" if value == "official-weights" else "scratch"


def _paired_run(
    recipe: str,
    stage: str,
    config: TrainConfig,
    train: datasets.Dataset,
    validation: datasets.Dataset,
    init: InitialWeights,
    kind: Initialisation,
    workdir: Path | None,
    device: str,
    resume: bool,
    progress: bool,
) -> RecipeRun:
    train_key = split_key(train)
    run_dir, key = _run_dir(workdir, recipe, stage, config, train_key, split_key(validation), init.label)
    # Under torchrun the process group is created once and kept for later stages (see train_dist).
    ctx = init_distributed(device)
    sampler = PairedPatchSampler(
        train,
        patch_size=config.patch_size,
        batch_size=config.batch_size,
        seed=config.seed,
        rank=ctx.rank,
        world_size=ctx.world_size,
    )
    valid = ValidationSet(validation, config.val_frames)
    result = train_realesrgan(
        config, sampler, valid, run_dir, init=init, run_key=key, ctx=ctx, resume=resume, progress=progress
    )
    return RecipeRun(result=result, initialisation=kind, init_label=init.label, train_key=train_key)


def train_synthetic(
    config: TrainConfig,
    train: datasets.Dataset,
    validation: datasets.Dataset,
    *,
    synthesis: SynthesisName = "realesrgan",
    workdir: Path | None = None,
    weights: Path | None = None,
    device: str = "cpu",
    resume: bool = True,
    progress: bool = True,
) -> RecipeRun:
    """RESRGan-S: HR images of ``train`` only, LR synthesised on the fly, validated on real pairs."""
    dataset = benchmark_info(train).datasets[0]
    synth = make_synthesis(synthesis, dataset=dataset, calibration_split=validation)
    init, kind = initial_weights(config, weights)
    train_key = split_key(train)
    parts = (train_key, split_key(validation), init.label, f"synthesis={synthesis}")
    run_dir, key = _run_dir(workdir, "resrgan-s", "synthetic", config, *parts)
    ctx = init_distributed(device)
    sampler = SyntheticPatchSampler(
        train,
        synth,
        patch_size=config.patch_size,
        synth_crop=config.synth_crop,
        batch_size=config.batch_size,
        seed=config.seed,
        rank=ctx.rank,
        world_size=ctx.world_size,
    )
    valid = ValidationSet(validation, config.val_frames)
    result = train_realesrgan(
        config, sampler, valid, run_dir, init=init, run_key=key, ctx=ctx, resume=resume, progress=progress
    )
    return RecipeRun(result=result, initialisation=kind, init_label=init.label, train_key=train_key)
