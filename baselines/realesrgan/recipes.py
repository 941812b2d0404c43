"""The paper's two training recipes (Fig. 2 and 3): RESRGan-B (base, then per-dataset fine-tuning) and RESRGan-S.

RESRGan-B: start, as the paper's models do, from the official pre-trained Real-ESRGAN (:func:`initial_weights`:
x4plus loaded by the official x2plus rule when the ``pretrained`` extra is installed, or ``RealESRGAN_x2plus.pth``
when given or found, converted to one channel; scratch for the reduced networks or on request); fine-tune on the
full MITO training split with MITO validation: the **base** model, cached in the workdir and reused. Every
``fit(train, validation)`` then fine-tunes the base on the split the protocol hands over (a dataset at
200/400/800/full shots). The zero-shot rows of the paper are the base applied without further training.

RESRGan-S: the HR images of MITO's training split only, LR synthesised on the fly (Real-ESRGAN's second-order
pipeline, or ``physics``), validated on the real LR validation pairs, tested on real LR.

Runs live in ``<workdir>/<recipe>/<stage>-<key>/``, where the key hashes the training config, the training
and validation frame ids and the initial weights: rerunning with the same settings resumes or reuses.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

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
    "INIT_CHOICES",
    "InitChoice",
    "Initialisation",
    "RecipeRun",
    "default_workdir",
    "initial_weights",
    "split_key",
    "train_base",
    "train_finetune",
    "train_paired",
    "train_synthetic",
]

#: What a run's very first weights were: the official x2plus file, the official x4plus (x2plus loading rule), or
#: a random initialisation.
Initialisation = Literal["official-weights", "x4plus", "scratch"]
#: What a user asks for: ``auto`` (see :func:`initial_weights`), or one of the three explicitly.
InitChoice = Literal["auto", "x4plus", "x2plus", "scratch"]
INIT_CHOICES: tuple[InitChoice, ...] = get_args(InitChoice)

#: The dataset the RESRGan-B base is fine-tuned on (paper, section IV-C).
BASE_DATASET = "MITO"
OFFICIAL_GENERATOR = "RealESRGAN_x2plus.pth"
OFFICIAL_DISCRIMINATOR = "RealESRGAN_x2plus_netD.pth"


@dataclass(frozen=True)
class RecipeRun:
    """A finished recipe stage: its training result and what the weights started from."""

    result: TrainResult
    #: ``official-weights``, ``x4plus`` or ``scratch``: the very first weights of the chain (the base's, for
    #: fine-tuning).
    initialisation: Initialisation
    #: Human-readable origin of the initial weights (file and SHA-256, a base model, or ``scratch``).
    init_label: str
    #: Identity of the training frames (:func:`split_key`).
    train_key: str
    #: The chain's first weights as the record's lineage gives them: ``{"name", "source", "sha256"}``.
    initial_weights: dict[str, str] = field(default_factory=dict)


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


def _x4plus_installed() -> bool:
    from baselines.realesrgan.pretrained import X4PLUS_PACKAGE

    return importlib.util.find_spec(X4PLUS_PACKAGE) is not None


def _scratch(config: TrainConfig) -> InitialWeights:
    from baselines.realesrgan.pretrained import state_sha256
    from baselines.realesrgan.x2_from_x4plus import fresh_generator_state

    digest = state_sha256(fresh_generator_state(config.generator, config.seed))
    source = f"random initialisation (BasicSR's RRDBNet rule, torch.manual_seed({config.seed}))"
    return InitialWeights(label="scratch", record={"name": "scratch", "source": source, "sha256": digest})


def _x4plus(config: TrainConfig) -> InitialWeights:
    """x4plus into the x2 generator by the official x2plus rule (``conv_first.weight`` freshly initialised)."""
    from baselines.realesrgan.pretrained import X4PLUS_PACKAGE, state_sha256, x4plus_weights
    from baselines.realesrgan.x2_from_x4plus import x4plus_into_x2

    path, digest = x4plus_weights()
    generator = x4plus_into_x2(read_weights(path)[0], config.generator, config.seed)
    try:
        version = importlib.metadata.version(X4PLUS_PACKAGE.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:  # importable without metadata (e.g. a source tree on the path)
        version = "(version unknown)"
    record = {
        "name": "RealESRGAN_x4plus",
        "source": f"PyPI {X4PLUS_PACKAGE.replace('_', '-')} {version} (ncnn, fp16), converted; official x2plus "
        f"loading rule (conv_first.weight re-initialised, seed {config.seed}), conv_last averaged to 1 channel",
        "sha256": digest,
    }
    label = f"{path.name} sha256:{digest}; x2plus rule; x2 tensors sha256:{state_sha256(generator)}"
    return InitialWeights(generator=generator, label=label, record=record)


def _x2plus(config: TrainConfig, weights: Path | None, required: bool) -> InitialWeights | None:
    try:
        g_path = locate_weights(OFFICIAL_GENERATOR, path=weights)
    except NotFoundError:
        if required:
            raise
        return None
    generator = load_official_generator(g_path, in_channels=1).state_dict()
    label = _file_label(g_path)
    record = {
        "name": "RealESRGAN_x2plus",
        "source": f"official release file {g_path.name}, converted to 1 channel",
        "sha256": label.rpartition("sha256:")[2],
    }
    discriminator = None
    try:
        d_path = locate_weights(OFFICIAL_DISCRIMINATOR, path=g_path.parent)
        if config.discriminator.num_feat == 64 and config.discriminator.skip_connection:
            discriminator = load_official_discriminator(d_path, in_channels=1).state_dict()
            label += f"; {_file_label(d_path)}"
    except NotFoundError:
        pass  # the generator alone is the usual starting point; the discriminator then starts from scratch
    return InitialWeights(generator=generator, discriminator=discriminator, label=label, record=record)


def initial_weights(
    config: TrainConfig, weights: Path | None = None, init: InitChoice = "auto"
) -> tuple[InitialWeights, Initialisation]:
    """Where a generator starts: the official pre-trained Real-ESRGAN when it fits, else a random initialisation.

    ``init`` chooses:

    * ``x4plus``: ``RealESRGAN_x4plus`` (from the ``pretrained`` extra, :mod:`baselines.realesrgan.pretrained`)
      loaded as the official ``train_realesrnet_x2plus.yml`` loads it (:func:`~baselines.realesrgan.
      x2_from_x4plus.x4plus_into_x2`); the discriminator starts from scratch (no x4plus one ships offline).
    * ``x2plus``: the official ``RealESRGAN_x2plus.pth`` converted to one channel: ``weights`` (a file or the
      folder holding it) or the offline lookup (:func:`~baselines.realesrgan.hub.locate_weights`); its
      discriminator ``RealESRGAN_x2plus_netD.pth`` beside it is used when present.
    * ``scratch``: BasicSR's random initialisation, seeded by ``config.seed``.
    * ``auto`` (default): ``x2plus`` when ``weights`` is given; for a reduced generator ``scratch``; else
      ``x4plus`` when the ``pretrained`` extra is installed, else ``x2plus`` when its file is found, else
      ``scratch``.

    Only the paper-size generator (64 features, 23 blocks, growth 32) can take the official weights.
    """
    if init not in INIT_CHOICES:
        raise ConfigError(f"init must be one of {', '.join(INIT_CHOICES)}, got {init!r}.")
    if init == "scratch" and weights is not None:
        raise ConfigError(f"init 'scratch' contradicts the weights given ({weights}); drop one of them.")
    official = RRDBNetConfig(num_in_ch=1, num_out_ch=1, scale=2)
    if config.generator != official:
        if weights is not None or init in ("x4plus", "x2plus"):
            raise ConfigError(
                f"The official Real-ESRGAN weights ({weights or init}) fit only the paper-size generator (64 "
                f"features, 23 blocks); this config has {config.generator}. Use budget 'paper' or init 'scratch'."
            )
        return _scratch(config), "scratch"
    if init == "x4plus" or (init == "auto" and weights is None and _x4plus_installed()):
        return _x4plus(config), "x4plus"
    if init != "scratch":
        found = _x2plus(config, weights, required=init == "x2plus" or weights is not None)
        if found is not None:
            return found, "official-weights"
    return _scratch(config), "scratch"


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
    init: InitChoice = "auto",
    device: str = "cpu",
    resume: bool = True,
    progress: bool = True,
) -> RecipeRun:
    """RESRGan-B's base: the pre-trained (or scratch) generator fine-tuned on MITO's full training split."""
    start, kind = initial_weights(config, weights, init)
    return train_paired("resrgan-b", "base", config, train, validation, start, kind, workdir, device, resume, progress)


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
    # The lineage names the chain's first weights (the base's), not the base file, which the record gives apart.
    first = base.initial_weights if isinstance(base, RecipeRun) else _record_of(metadata)
    init = InitialWeights(generator=state, discriminator=d_state, label=_file_label(model_file), record=first)
    return train_paired(
        "resrgan-b", "finetune", config, train, validation, init, kind, workdir, device, resume, progress
    )


def _init_of(metadata: dict[str, str]) -> Initialisation:
    value = metadata.get("microsr_bench.initialisation", "scratch")
    return value if value in ("official-weights", "x4plus") else "scratch"  # type: ignore[return-value]


def _record_of(metadata: dict[str, str]) -> dict[str, str]:
    text = metadata.get("microsr_bench.initial_weights")
    return dict(json.loads(text)) if text else {}


def train_paired(
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
    """One paired training stage of ``recipe`` in ``<workdir>/<recipe>/<stage>-<key>`` from ``init``."""
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
    return RecipeRun(
        result=result,
        initialisation=kind,
        init_label=init.label,
        train_key=train_key,
        initial_weights=dict(init.record),
    )


def train_synthetic(
    config: TrainConfig,
    train: datasets.Dataset,
    validation: datasets.Dataset,
    *,
    synthesis: SynthesisName = "realesrgan",
    workdir: Path | None = None,
    weights: Path | None = None,
    init: InitChoice = "auto",
    device: str = "cpu",
    resume: bool = True,
    progress: bool = True,
) -> RecipeRun:
    """RESRGan-S: HR images of ``train`` only, LR synthesised on the fly, validated on real pairs."""
    dataset = benchmark_info(train).datasets[0]
    synth = make_synthesis(synthesis, dataset=dataset, calibration_split=validation)
    start, kind = initial_weights(config, weights, init)
    train_key = split_key(train)
    parts = (train_key, split_key(validation), start.label, f"synthesis={synthesis}")
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
        config, sampler, valid, run_dir, init=start, run_key=key, ctx=ctx, resume=resume, progress=progress
    )
    return RecipeRun(
        result=result,
        initialisation=kind,
        init_label=start.label,
        train_key=train_key,
        initial_weights=dict(start.record),
    )
