"""The RESRGan-B and RESRGan-S method objects: ``fit(train, validation)``, ``__call__(lr)``, ``save`` / ``load``.

They follow the model contract (``microsr_bench.protocols.method``): a batch of LR frames, float32
``[B, 1, h, w]`` in [0, 1], becomes ``[B, 1, 2h, 2w]`` in [0, 1]. ``fit`` runs the recipe of
:mod:`baselines.realesrgan.recipes` for the training budget in ``MethodOptions.budget`` and keeps the shipped
generator (EMA weights at the best validation score). The result record's method block comes from ``name``,
``description``, ``identity`` (SHA-256 of the training config and the weights), ``initialisation``
(``x4plus``, ``official-weights`` for x2plus, or ``scratch``) and ``parameters``, whose ``initial_weights``
(``{name, source, sha256}`` of the chain's first weights) is the start of the record's lineage.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, ClassVar

import datasets
import torch

from baselines.realesrgan.data import SYNTHESES, SynthesisName
from baselines.realesrgan.inference import super_resolve
from baselines.realesrgan.recipes import (
    BASE_DATASET,
    INIT_CHOICES,
    InitChoice,
    Initialisation,
    RecipeRun,
    default_workdir,
    split_key,
    train_base,
    train_finetune,
    train_synthetic,
)
from baselines.realesrgan.rrdbnet import RRDBNet
from baselines.realesrgan.train_config import TrainConfig, ValMetric, config_for
from baselines.realesrgan.weights import load_weights, read_weights, save_weights
from microsr_bench.data.info import BenchmarkInfo, benchmark_info
from microsr_bench.errors import DataError, InvalidArgumentError, NotFoundError
from microsr_bench.protocols.method import MethodOptions
from microsr_bench.scoring.lineage import initial_weights_entry, stage_from_split

__all__ = ["ResrganB", "ResrganS", "export_path"]

_KEY = "microsr_bench."


def export_path(workdir: Path, method: str, budget: str, info: BenchmarkInfo, seed: int) -> Path:
    """Where a trained method is saved in a workdir, named by method, budget, data and seed.

    ``train`` writes there and ``predict --workdir`` reads there, e.g.
    ``models/resrgan-b_paper_folder-full_NUC_200_seed0.safetensors``.
    """
    shots = "full" if info.shots is None else str(info.shots)
    data = f"{info.source}-{info.size}_{'+'.join(info.datasets)}_{shots}"
    return workdir / "models" / f"{method}_{budget}_{data}_seed{seed}.safetensors"


def _identity(config: TrainConfig, model: RRDBNet) -> str:
    digest = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode())
    for key, value in sorted(model.state_dict().items()):
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return "sha256:" + digest.hexdigest()


def _is_main_process() -> bool:
    dist = torch.distributed
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


class _ResrganMethod:
    """What RESRGan-B and -S share: options, the generator, inference, persistence and record fields."""

    name: ClassVar[str]
    title: ClassVar[str]

    def __init__(
        self,
        options: MethodOptions | None = None,
        *,
        tile: int | None = None,
        overlap: int = 16,
        batch_size: int = 8,
        cache_dir: Path | None = None,
        resume: bool = True,
        init: InitChoice = "auto",
        val_metric: ValMetric | None = None,
    ) -> None:
        if init not in INIT_CHOICES:
            raise InvalidArgumentError(f"init must be one of {', '.join(INIT_CHOICES)}, got {init!r}.")
        self.init: InitChoice = init
        self.initial_weights: dict[str, str] = {}
        self.options = options or MethodOptions()
        self.config = self.budget_config(self.options.budget, self.options.seed)
        if val_metric is not None:  # the model-selection criterion (the paper selects by NIQE/FID)
            self.config = dataclasses.replace(self.config, val_metric=val_metric)
        self.tile, self.overlap, self.batch_size = tile, overlap, batch_size
        self.cache_dir, self.resume = cache_dir, resume
        self.generator: RRDBNet | None = None
        self.initialisation: Initialisation | None = None
        self.training: dict[str, Any] = {}
        self.identity: str | None = None
        self.official_weights: Path | None = None
        #: What reached the weights before the last ``fit``'s data (the record's lineage without the protocol's stage).
        self.lineage: list[dict[str, Any]] = []
        #: The last ``fit``'s own stage(s), saved with the weights so a file carries its whole lineage.
        self._own_stage: list[dict[str, Any]] = []
        if self.options.weights is not None:
            weights = Path(self.options.weights)
            if weights.suffix == ".safetensors":
                self.load(weights)
            else:  # an official .pth (or its folder): where fit() starts from
                self.official_weights = weights

    @classmethod
    def budget_config(cls, budget: str, seed: int) -> TrainConfig:
        """The training config of a budget (``tiny``, ``cpu``, ``paper``) for this method."""
        return config_for(budget, seed=seed)

    @property
    def workdir(self) -> Path:
        return Path(self.options.workdir) if self.options.workdir is not None else default_workdir()

    @property
    def description(self) -> str:
        g = self.config.generator
        net = f"Real-ESRGAN x2 (RRDBNet {g.num_block} blocks, {g.num_feat} features, 1 channel)"
        if self.generator is None:
            return f"{net}, {self.title}; not trained yet"
        stage = self.training.get("stage", "loaded")
        data = "+".join(self.training.get("datasets", [])) or "unknown data"
        shots = self.training.get("shots") or "full"
        return (
            f"{net}, {self.title}; {stage} on {data} ({shots} shots), from {self.initialisation or 'unknown'} weights"
        )

    @property
    def parameters(self) -> dict[str, Any]:
        """Settings worth recording next to the scores (the identity pins everything else)."""
        return {
            "budget": self.options.budget,
            "seed": self.config.seed,
            "config_fingerprint": self.config.fingerprint(),
            "tile": self.tile,
            "overlap": self.overlap,
            "init": self.init,
            "initial_weights": dict(self.initial_weights),
            "training": dict(self.training),
        }

    def __call__(self, lr: torch.Tensor) -> torch.Tensor:
        if self.generator is None:
            raise NotFoundError(
                f"{self.name} has no weights yet: call fit(train, validation), load a trained file with load(path) "
                f"(command line: --weights FILE.safetensors or --workdir), or train it with `microsr-bench train "
                f"{self.name}` / `predict --fit`."
            )
        if lr.ndim != 4 or lr.shape[1] != 1:
            raise InvalidArgumentError(f"{self.name} expects LR frames [B, 1, h, w], got shape {tuple(lr.shape)}.")
        return super_resolve(
            self.generator,
            lr,
            tile=self.tile,
            overlap=self.overlap,
            batch_size=self.batch_size,
            device=self.options.device,
        )

    def save(self, path: str | Path) -> Path:
        """Write the generator and everything the record needs (config, initialisation, training) as safetensors."""
        if self.generator is None or self.identity is None:
            raise NotFoundError(f"{self.name} has no weights to save; call fit(train, validation) first.")
        meta = {
            _KEY + "method": self.name,
            _KEY + "initialisation": self.initialisation or "unknown",
            _KEY + "train_config": json.dumps(self.config.to_dict(), sort_keys=True),
            _KEY + "training": json.dumps(self.training, sort_keys=True),
            _KEY + "identity": self.identity,
            _KEY + "initial_weights": json.dumps(self.initial_weights, sort_keys=True),
            _KEY + "lineage": json.dumps([*self.lineage, *self._own_stage], sort_keys=True),
        }
        return save_weights(self.generator, path, meta)

    def load(self, path: str | Path) -> _ResrganMethod:
        """Load a file written by :meth:`save` (or a bare RRDBNet safetensors file from a training run)."""
        _, meta = read_weights(path)
        method = meta.get(_KEY + "method")
        if method is not None and method != self.name:
            raise DataError(f"{path} holds a {method!r} model, not {self.name!r}; load it with --method {method}.")
        model = load_weights(path)
        if not isinstance(model, RRDBNet) or model.config.num_in_ch != 1:
            raise DataError(f"{path} does not hold a 1-channel RRDBNet generator; it cannot be {self.name}.")
        if _KEY + "train_config" in meta:
            self.config = TrainConfig.from_dict(json.loads(meta[_KEY + "train_config"]))
        init = meta.get(_KEY + "initialisation")
        self.initialisation = init if init in ("official-weights", "x4plus", "scratch") else None  # type: ignore[assignment]
        self.initial_weights = json.loads(meta.get(_KEY + "initial_weights", "{}"))
        self.training = json.loads(meta.get(_KEY + "training", "{}"))
        self.training.setdefault("stage", "loaded")
        self.training["file"] = str(path)
        self.lineage = json.loads(meta[_KEY + "lineage"]) if _KEY + "lineage" in meta else _unknown_lineage(path)
        self._own_stage = []
        self.generator = model.eval()
        self.identity = _identity(self.config, model)
        return self

    @property
    def fit_iterations(self) -> int | None:
        """Iterations of the last ``fit``'s stage (``evaluate`` puts it in the record's lineage)."""
        return self.training.get("iterations") if self._own_stage else None

    def _adopt(
        self,
        run: RecipeRun,
        train: datasets.Dataset,
        extra: dict[str, Any],
        prior: list[dict[str, Any]] | None = None,
    ) -> None:
        info = benchmark_info(train)
        self.lineage = [_initial_entry(run)] if prior is None else prior
        synthetic = f"synthetic:{extra['synthesis']}" if "synthesis" in extra else None
        self._own_stage = stage_from_split(
            train, iterations=run.result.iterations, seed=self.config.seed, by="method", lr=synthetic
        )
        self.generator = load_weights(run.result.weights, RRDBNet.from_config(self.config.generator)).eval()
        self.initialisation = run.initialisation
        self.initial_weights = dict(run.initial_weights)
        result = run.result
        self.training = {
            "source": info.source,
            "size": info.size,
            "datasets": list(info.datasets),
            "shots": info.shots,
            "train_key": run.train_key,
            "init": run.init_label,
            "iterations": result.iterations,
            "best_iteration": result.best_iteration,
            "best_score": result.best_score,
            "val_metric": self.config.val_metric,
            "stopped_early": result.stopped_early,
            **extra,
        }
        self.identity = _identity(self.config, self.generator)
        if self.options.workdir is not None and _is_main_process():
            self.save(export_path(self.workdir, self.name, self.options.budget, info, self.config.seed))


class ResrganB(_ResrganMethod):
    """RESRGan-B: the MITO base (official weights or scratch, fine-tuned on full MITO), fine-tuned per split.

    ``fit(train, validation)`` trains the base if the workdir does not hold it yet (loading MITO from the same
    source as ``train``), then fine-tunes it on ``train``. When ``train`` is MITO's full training split, the base
    itself is the result. A ``.safetensors`` file in ``MethodOptions.weights`` is taken as the base instead.
    """

    name = "resrgan-b"
    title = "RESRGan-B"

    def fit(self, train: datasets.Dataset, validation: datasets.Dataset) -> ResrganB:
        info = benchmark_info(train)
        base: RecipeRun | Path
        device, workdir, progress = self.options.device, self.workdir, self.options.progress
        if self.generator is not None and self.training.get("file"):
            base, prior = Path(self.training["file"]), [*self.lineage, *self._own_stage]
        else:
            base_train, base_val = self._base_data(train, validation, info)
            base = train_base(
                self.config,
                base_train,
                base_val,
                workdir=workdir,
                weights=self.official_weights,
                init=self.init,
                device=device,
                resume=self.resume,
                progress=progress,
            )
            if base.train_key == split_key(train):
                stage = "base" if info.shots is None else "from-initial-weights"
                self._adopt(base, train, {"stage": stage, "base": None})
                return self
            stages = stage_from_split(base_train, iterations=base.result.iterations, seed=self.config.seed, by="method")
            prior = [_initial_entry(base), *stages]
        run = train_finetune(
            self.config, base, train, validation, workdir=workdir, device=device, resume=self.resume, progress=progress
        )
        self._adopt(run, train, {"stage": "fine-tuned", "base": _base_label(base, workdir)}, prior)
        return self

    def _base_data(
        self, train: datasets.Dataset, validation: datasets.Dataset, info: BenchmarkInfo
    ) -> tuple[datasets.Dataset, datasets.Dataset]:
        # A MITO subset trains from the initial weights like the base (the paper's MITO few-shot models): tuning
        # the MITO base on it would have shown the "k pairs" model every MITO training pair (issue 13).
        if info.datasets == (BASE_DATASET,):
            return train, validation
        from microsr_bench.data import load_benchmark

        details = info.source_details.get(info.datasets[0], {}) if info.source == "hub" else {}
        mito = load_benchmark(
            BASE_DATASET,
            source=info.source,  # type: ignore[arg-type]
            size=info.size,  # type: ignore[arg-type]
            cache_dir=self.cache_dir,
            hub_repo=details.get("repo"),
            revision=details.get("revision"),
            progress=self.options.progress,
        )
        return mito["train"], mito["validation"]


class ResrganS(_ResrganMethod):
    """RESRGan-S: trained on HR images only, with LR synthesised on the fly; validated on real LR pairs.

    ``fit(train, validation)`` takes the HR images of ``train`` (an HR view from ``bench.hr_images`` or a paired
    split, whose LR frames are ignored) and ``validation``'s real pairs. ``synthesis`` picks the LR pipeline:
    ``realesrgan`` (the paper's) or ``physics``.
    """

    name = "resrgan-s"
    title = "RESRGan-S"

    def __init__(
        self, options: MethodOptions | None = None, *, synthesis: SynthesisName = "realesrgan", **kwargs: Any
    ) -> None:
        if synthesis not in SYNTHESES:
            raise InvalidArgumentError(f"synthesis must be one of {', '.join(SYNTHESES)}, got {synthesis!r}.")
        self.synthesis: SynthesisName = synthesis
        super().__init__(options, **kwargs)

    @property
    def parameters(self) -> dict[str, Any]:
        return {**super().parameters, "synthesis": self.synthesis}

    def fit(self, train: datasets.Dataset, validation: datasets.Dataset) -> ResrganS:
        run = train_synthetic(
            self.config,
            train,
            validation,
            synthesis=self.synthesis,
            workdir=self.workdir,
            weights=self.official_weights,
            init=self.init,
            device=self.options.device,
            resume=self.resume,
            progress=self.options.progress,
        )
        self._adopt(run, train, {"stage": "synthetic", "synthesis": self.synthesis})
        return self


def _base_label(base: RecipeRun | Path, workdir: Path) -> str:
    """Which base a fine-tuning started from, without this machine's paths (records travel): the weights file,
    relative to the workdir when it lies there, and its sha256."""
    path = base if isinstance(base, Path) else base.result.weights
    try:
        name = path.resolve().relative_to(workdir.resolve()).as_posix()
    except ValueError:
        name = path.name
    return f"{name} sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"


def _initial_entry(run: RecipeRun) -> dict[str, Any]:
    """The lineage's first entry from a run's initial weights: ``{name, source, sha256}`` where the recipe gives
    it (``RecipeRun.initial_weights``), else parsed from its label (``<file> sha256:<hex>[; ...]`` or ``scratch``)."""
    record = getattr(run, "initial_weights", None)
    if isinstance(record, dict) and record.get("name"):
        return initial_weights_entry(str(record["name"]), str(record.get("source", "")), record.get("sha256"))
    first = run.init_label.split(";")[0].strip()
    if first == "scratch" or " sha256:" not in first:
        return initial_weights_entry("scratch", "random initialisation (BasicSR's RRDBNet rule)", None)
    name, _, digest = first.partition(" sha256:")
    return initial_weights_entry(name, "Real-ESRGAN official release (github.com/xinntao/Real-ESRGAN)", digest)


def _unknown_lineage(path: str | Path) -> list[dict[str, Any]]:
    """A weights file saved before lineage was recorded: its own digest stands for everything it learned."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return [initial_weights_entry(f"{Path(path).name} (lineage not recorded)", "a local weights file", digest)]
