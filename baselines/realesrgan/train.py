"""The Real-ESRGAN training loop: GAN steps, EMA, validation, early stopping, checkpoints, resumption, DDP.

One iteration mirrors ``RealESRGANModel.optimize_parameters`` of xinntao/Real-ESRGAN (behaviour read, code our
own): the targets are USM-sharpened for the L1 and perceptual terms; the generator step freezes the
discriminator and minimises ``L1 + eta * perceptual + lambda * GAN``; the discriminator step minimises the
vanilla GAN loss on the (unsharpened) real patch and the detached output; then the EMA of the generator moves.
The official code runs the discriminator twice in its step (real, then fake) with two backward passes; we run
it once on both halves of a concatenated batch with one backward pass, which gives the same gradient and
keeps DistributedDataParallel to one reduction per step (the spectral norm's power iteration then runs once
instead of twice per step). Learning rates follow a cosine from ``lr`` to ``eta_min`` over ``max_iters``.

With a GAN weight of 0 (``LossConfig.gan_weight``) the run is Real-ESRNet's first stage
(``RealESRNetModel``: the generator loss alone, no discriminator): no discriminator is built, stepped, saved or
checkpointed, and the perceptual term runs only if its weight is above 0.

The run is a pure function of the config, the data, the initial weights and the seed: on one device, a run
killed at any moment and resumed from its last checkpoint ends with the same weights, bit for bit, as an
uninterrupted one (tested on CPU).
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm

from baselines.realesrgan.data import PatchBatch, PatchSampler
from baselines.realesrgan.discriminator import UNetDiscriminatorSN
from baselines.realesrgan.ema import ModelEMA
from baselines.realesrgan.losses import (
    VGG19_LAYER_NAMES,
    GANLoss,
    GeneratorLoss,
    GeneratorLossTerms,
    VGGFeatureExtractor,
    load_vgg19_features,
    vgg19_features,
)
from baselines.realesrgan.rrdbnet import RRDBNet
from baselines.realesrgan.train_checkpoint import (
    WORKDIR_HINT,
    capture_rng,
    clean_partial,
    latest_checkpoint,
    load_checkpoint,
    maybe_fault,
    restore_rng,
    write_checkpoint,
)
from baselines.realesrgan.train_config import TrainConfig
from baselines.realesrgan.train_dist import DistContext, barrier, check_replicas_agree, init_distributed
from baselines.realesrgan.train_validate import EarlyStopping, ValidationSet
from baselines.realesrgan.usm import USMSharp
from baselines.realesrgan.weights import save_weights
from microsr_bench.diskspace import disk_full_as_error
from microsr_bench.errors import ConfigError
from microsr_bench.imageio import atomic_write_text

__all__ = ["DISCRIMINATOR_FILE", "MODEL_FILE", "InitialWeights", "TrainResult", "Trainer", "train_realesrgan"]

MODEL_FILE = "model.safetensors"
DISCRIMINATOR_FILE = "discriminator.safetensors"
RESULT_FILE = "result.json"


@dataclass(frozen=True)
class InitialWeights:
    """Where a run starts: state dicts for the generator and discriminator (None = random init) and a label."""

    #: Generator state (1 channel), or None for BasicSR's random initialisation.
    generator: Mapping[str, torch.Tensor] | None = None
    #: Discriminator state (1 channel), or None for PyTorch's default initialisation.
    discriminator: Mapping[str, torch.Tensor] | None = None
    #: What the weights are, for records and run identity (e.g. a file name and its SHA-256, or ``scratch``).
    label: str = "scratch"
    #: The record's lineage entry: ``{"name", "source", "sha256"}`` of the first weights (empty: not known).
    record: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainResult:
    """The outcome of a finished run; also written to ``result.json`` in the run folder."""

    run_dir: Path
    #: The shipped generator: EMA weights at the best validation (or at the last step without validation).
    weights: Path
    iterations: int
    best_iteration: int | None
    best_score: float | None
    stopped_early: bool
    history: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["run_dir"], data["weights"] = str(self.run_dir), str(self.weights)
        return data

    @classmethod
    def read(cls, run_dir: Path) -> TrainResult:
        data = json.loads((run_dir / RESULT_FILE).read_text())
        fields = {k: data[k] for k in ("iterations", "best_iteration", "best_score", "stopped_early", "history")}
        return cls(run_dir=run_dir, weights=run_dir / MODEL_FILE, **fields)


def _extractor(config: TrainConfig) -> VGGFeatureExtractor | None:
    if config.loss.perceptual_weight == 0:
        return None
    layers = list(config.loss.layer_weights)
    last = max(layers, key=VGG19_LAYER_NAMES.index)
    if config.vgg == "imagenet":
        return VGGFeatureExtractor(load_vgg19_features(), layers)
    return VGGFeatureExtractor(vgg19_features(config.vgg_widths, last=last), layers)


def _cosine(config: TrainConfig, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.max_iters, eta_min=config.eta_min)


def _named(terms: GeneratorLossTerms) -> dict[str, torch.Tensor]:
    return {"l_g_pix": terms.pixel, "l_g_percep": terms.perceptual, "l_g_gan": terms.gan, "l_g_total": terms.total}


class _Discriminator:
    """The discriminator's optimiser, schedule and (under torchrun) DDP wrapper."""

    def __init__(self, d: nn.Module, config: TrainConfig, ctx: DistContext, ids: list[int] | None) -> None:
        self.net = d.to(ctx.device).train()
        self.opt = torch.optim.Adam(d.parameters(), lr=config.lr, betas=config.betas, weight_decay=0.0)
        self.sched = _cosine(config, self.opt)
        self.run: nn.Module = DistributedDataParallel(d, device_ids=ids) if ctx.distributed else d


class Trainer:
    """Networks, optimisers, losses and the step; :func:`train_realesrgan` drives it."""

    def __init__(self, config: TrainConfig, init: InitialWeights, ctx: DistContext) -> None:
        self.config, self.ctx = config, ctx
        torch.manual_seed(config.seed)
        self.g = RRDBNet.from_config(config.generator)
        # Built after the generator, so the generator's initialisation is the same with or without it.
        self.d = UNetDiscriminatorSN.from_config(config.discriminator) if config.adversarial else None
        if init.generator is not None:
            self.g.load_state_dict(dict(init.generator), strict=True)
        if init.discriminator is not None and self.d is not None:
            self.d.load_state_dict(dict(init.discriminator), strict=True)
        self.g.to(ctx.device).train()
        self.ema = ModelEMA(self.g, config.ema_decay)
        self.best = copy.deepcopy(self.ema.module)
        self.g_loss = GeneratorLoss(config.loss, extractor=_extractor(config)).to(ctx.device)
        self.d_loss = GANLoss(loss_weight=config.loss.gan_weight)
        self.usm = USMSharp().to(ctx.device)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=config.lr, betas=config.betas, weight_decay=0.0)
        self.sched_g = _cosine(config, self.opt_g)
        ids = [ctx.device.index] if ctx.device.type == "cuda" else None
        self.g_run: nn.Module = DistributedDataParallel(self.g, device_ids=ids) if ctx.distributed else self.g
        self.d_parts: _Discriminator | None = None
        if self.d is not None:
            self.d_parts = _Discriminator(self.d, config, ctx, ids)

    def networks(self) -> dict[str, nn.Module]:
        """The modules a checkpoint holds, by file name."""
        nets: dict[str, nn.Module] = {"generator": self.g, "ema": self.ema.module, "best_ema": self.best}
        return nets if self.d is None else {**nets, "discriminator": self.d}

    def step(self, batch: PatchBatch) -> dict[str, float]:
        """One generator step, one discriminator step (if any), one EMA update; returns the loss terms."""
        lq, gt = batch.lr.to(self.ctx.device), batch.hr.to(self.ctx.device)
        gt_usm = self.usm(gt)
        if self.d_parts is None:
            self.opt_g.zero_grad(set_to_none=True)
            terms = self.g_loss(self.g_run(lq), gt, gt_usm, None)
            terms.total.backward()
            self.opt_g.step()
            self.ema.update(self.g)
            self.sched_g.step()
            return {k: v.detach().item() for k, v in _named(terms).items()}
        d, opt_d, sched_d, d_run = self.d_parts.net, self.d_parts.opt, self.d_parts.sched, self.d_parts.run
        # Generator: the discriminator is frozen and called without its DDP wrapper, so that DDP does not wait
        # for discriminator gradients that this backward pass never produces.
        d.requires_grad_(False)
        self.opt_g.zero_grad(set_to_none=True)
        output = self.g_run(lq)
        terms = self.g_loss(output, gt, gt_usm, d(output))
        terms.total.backward()
        self.opt_g.step()
        # Discriminator: real (sharpened only if gan_gt_usm) against the detached output.
        d.requires_grad_(True)
        opt_d.zero_grad(set_to_none=True)
        real = gt_usm if self.config.loss.gan_gt_usm else gt
        logits = d_run(torch.cat([real, output.detach()]))
        d_real = self.d_loss(logits[: gt.shape[0]], True, is_disc=True)
        d_fake = self.d_loss(logits[gt.shape[0] :], False, is_disc=True)
        (d_real + d_fake).backward()
        opt_d.step()
        self.ema.update(self.g)
        self.sched_g.step()
        sched_d.step()
        losses = {k: v.detach().item() for k, v in _named(terms).items()}
        return {**losses, "l_d_real": d_real.detach().item(), "l_d_fake": d_fake.detach().item()}

    def state(self, sampler: PatchSampler, stopper: EarlyStopping, run_key: str) -> dict[str, Any]:
        state = {
            "run_key": run_key,
            "world_size": self.ctx.world_size,
            "optim_g": self.opt_g.state_dict(),
            "sched_g": self.sched_g.state_dict(),
            "rng": capture_rng(),
            "sampler": sampler.state_dict(),
            "early_stopping": stopper.state_dict(),
        }
        if self.d_parts is not None:
            state |= {"optim_d": self.d_parts.opt.state_dict(), "sched_d": self.d_parts.sched.state_dict()}
        return state

    def restore(self, folder: Path, sampler: PatchSampler, stopper: EarlyStopping, run_key: str) -> int:
        state = load_checkpoint(folder, self.networks())
        if state["run_key"] != run_key or state["world_size"] != self.ctx.world_size:
            raise ConfigError(
                f"{folder} belongs to another run (run key {state['run_key'][:16]}..., {state['world_size']} "
                f"process(es)); this one is {run_key[:16]}... with {self.ctx.world_size}. Use another workdir, the "
                "same settings, or start over (--no-resume)."
            )
        self.opt_g.load_state_dict(state["optim_g"])
        self.sched_g.load_state_dict(state["sched_g"])
        if self.d_parts is not None:
            self.d_parts.opt.load_state_dict(state["optim_d"])
            self.d_parts.sched.load_state_dict(state["sched_d"])
        sampler.load_state_dict(state["sampler"])
        stopper.load_state_dict(state["early_stopping"])
        restore_rng(state["rng"])
        return int(state["iteration"])


def _validate(trainer: Trainer, validation: ValidationSet | None, stopper: EarlyStopping, iteration: int) -> None:
    if validation is None:
        return
    config = trainer.config
    scores = validation.evaluate(
        trainer.ema.module, trainer.ctx, batch_size=config.val_batch_size, metric=config.val_metric
    )
    if stopper.update(iteration, scores, trainer.config.val_metric):
        trainer.best.load_state_dict(trainer.ema.module.state_dict())


def _finish(trainer: Trainer, run_dir: Path, iteration: int, stopper: EarlyStopping, early: bool) -> TrainResult:
    validated = bool(stopper.history)
    result = TrainResult(
        run_dir=run_dir,
        weights=run_dir / MODEL_FILE,
        iterations=iteration,
        best_iteration=stopper.best_iteration if validated else None,
        best_score=stopper.best if validated else None,
        stopped_early=early,
        history=stopper.history,
    )
    if trainer.ctx.is_main:
        # result.json last: a run counts as finished only with it, so a full disk before it means a resume.
        with disk_full_as_error("the trained model", run_dir, hint=WORKDIR_HINT):
            shipped = trainer.best if validated else trainer.ema.module
            save_weights(shipped, result.weights, {"microsr_bench.iterations": str(iteration)})
            # The last discriminator travels with the model: fine-tuning from it starts the GAN where it stopped.
            if trainer.d is not None:
                save_weights(trainer.d, run_dir / DISCRIMINATOR_FILE)
            atomic_write_text(run_dir / RESULT_FILE, json.dumps(result.to_dict(), indent=2, sort_keys=True))
    barrier(trainer.ctx)
    return result


def train_realesrgan(
    config: TrainConfig,
    sampler: PatchSampler,
    validation: ValidationSet | None,
    run_dir: str | Path,
    *,
    init: InitialWeights | None = None,
    run_key: str = "",
    ctx: DistContext | None = None,
    resume: bool = True,
    progress: bool = True,
) -> TrainResult:
    """Train (or resume, or return the finished result of) one run in ``run_dir``.

    Args:
        config: the training configuration.
        sampler: this process's stream of patches (built with this process's rank).
        validation: real LR/HR pairs for validation and early stopping, or None (then the last EMA is shipped).
        run_dir: the run's folder: checkpoints, ``model.safetensors`` and ``result.json``.
        init: initial weights (default: random, seeded by ``config.seed``).
        run_key: identity of the data and initial weights; a checkpoint with another key is refused.
        ctx: the distributed context (default: from torchrun's environment, else one process on CPU).
        resume: continue from the newest checkpoint (and return a finished run as it is); False starts over.
        progress: show a progress bar (rank 0 only).
    """
    ctx = ctx or init_distributed("cpu")
    run_dir = Path(run_dir)
    key = f"{config.fingerprint()}:{run_key}"
    if resume and (run_dir / RESULT_FILE).is_file() and (run_dir / MODEL_FILE).is_file():
        _check_run_key(run_dir, key)
        return TrainResult.read(run_dir)
    trainer = Trainer(config, init or InitialWeights(), ctx)
    stopper = EarlyStopping(config.patience, config.effective_warmup)
    if ctx.is_main:
        _prepare_dir(run_dir, config, key, resume)
    barrier(ctx)
    latest = latest_checkpoint(run_dir) if resume else None
    iteration = trainer.restore(latest, sampler, stopper, key) if latest is not None else 0
    return _loop(trainer, sampler, validation, stopper, run_dir, iteration, key, progress)


def _check_run_key(run_dir: Path, key: str) -> None:
    recorded = json.loads((run_dir / "config.json").read_text()).get("run_key", "")
    if recorded != key:
        raise ConfigError(
            f"{run_dir} holds a finished run of other settings (run key {recorded[:16]}..., this one {key[:16]}...). "
            "Use another folder, the same settings, or start over (--no-resume)."
        )


def _prepare_dir(run_dir: Path, config: TrainConfig, key: str, resume: bool) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    clean_partial(run_dir)
    if not resume:
        for name in ("checkpoints", RESULT_FILE, MODEL_FILE):
            target = run_dir / name
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    atomic_write_text(run_dir / "config.json", json.dumps({"run_key": key, "config": config.to_dict()}, indent=2))


def _loop(
    trainer: Trainer,
    sampler: PatchSampler,
    validation: ValidationSet | None,
    stopper: EarlyStopping,
    run_dir: Path,
    iteration: int,
    key: str,
    progress: bool,
) -> TrainResult:
    config, ctx = trainer.config, trainer.ctx
    bar = tqdm(total=config.max_iters, initial=iteration, desc="training", disable=not (progress and ctx.is_main))
    early = validation is not None and stopper.should_stop(iteration)  # a resumed run that had already stopped
    while iteration < config.max_iters and not early:
        losses = trainer.step(sampler.next_batch())
        iteration += 1
        maybe_fault("kill-after-iteration", iteration)
        if iteration % config.val_every == 0 or iteration == config.max_iters:
            _validate(trainer, validation, stopper, iteration)
        early = validation is not None and stopper.should_stop(iteration)
        if ctx.is_main and (iteration % config.checkpoint_every == 0 or iteration == config.max_iters or early):
            state = trainer.state(sampler, stopper, key)
            write_checkpoint(run_dir, iteration, trainer.networks(), state, keep=config.keep_checkpoints)
        bar.update(1)
        bar.set_postfix(_postfix(losses, stopper), refresh=False)
    bar.close()
    check_replicas_agree(trainer.g, ctx)
    return _finish(trainer, run_dir, iteration, stopper, early)


def _postfix(losses: dict[str, float], stopper: EarlyStopping) -> dict[str, str]:
    shown = {"loss": f"{losses['l_g_total']:.4f}"}
    if stopper.history:
        last = stopper.history[-1]
        shown |= {"val_psnr": f"{last['psnr']:.2f}", "val_ssim": f"{last['ssim']:.4f}"}
    return shown
