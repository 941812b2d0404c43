"""CARE's training loop: MAE on percentile-normalised patches, Adam, plateau schedule, best-epoch weights.

One step (CSBDeep ``CARE.train`` behaviour, our own code): a batch of aligned LR/HR patches, normalised as
CSBDeep's ``create_patches`` does (:class:`~baselines.care.data.CarePatchSampler`: background-filtered positions,
percentiles of the whole images); the LR patch bicubic-x2 up-sampled; the U-Net's output compared with the HR
patch by the mean absolute error; one Adam step. After each epoch (``steps_per_epoch`` steps) the model is
validated on real frames (the prediction path, :class:`~baselines.care.predictor.CarePredictor`), the plateau
schedule halves the learning rate after ``plateau_patience`` epochs without a better score, and the best
epoch's weights are kept; they are the ones shipped (CSBDeep reloads ``weights_best.h5`` at the end).

Checkpoints, resumption and validation reuse the Real-ESRGAN helpers (``train_checkpoint``,
``train_validate``): a run killed at any moment resumes from its last checkpoint to the same weights, bit for
bit, as an uninterrupted run on one device. Training is single-process (CARE is small).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from baselines.care.config import CareConfig
from baselines.care.predictor import CarePredictor, bicubic_x2
from baselines.care.unet import CareUNet
from baselines.realesrgan.data import PatchSampler
from baselines.realesrgan.train import MODEL_FILE, RESULT_FILE, TrainResult
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
from baselines.realesrgan.train_dist import DistContext
from baselines.realesrgan.train_validate import EarlyStopping, ValidationSet
from baselines.realesrgan.weights import save_weights
from microsr_bench.diskspace import disk_full_as_error
from microsr_bench.errors import ConfigError
from microsr_bench.imageio import atomic_write_text

__all__ = ["CareTrainer", "train_care"]


def fresh_unet(config: CareConfig) -> CareUNet:
    """The U-Net's seeded initialisation (Glorot-uniform kernels, zero biases)."""
    torch.manual_seed(config.seed)
    return CareUNet(config.unet)


class CareTrainer:
    """Network, optimiser and schedule; :func:`train_care` drives it with a :class:`CarePatchSampler`."""

    def __init__(self, config: CareConfig, device: torch.device) -> None:
        self.config, self.device = config, device
        self.net = fresh_unet(config).to(device).train()
        self.best = copy.deepcopy(self.net)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=config.lr)
        self.plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.opt, mode="max", factor=config.plateau_factor, patience=config.plateau_patience
        )

    def step(self, lr: torch.Tensor, hr: torch.Tensor) -> float:
        """One Adam step on a batch of normalised patches (the LR patch is up-sampled here)."""
        x, y = bicubic_x2(lr.to(self.device)), hr.to(self.device)
        self.opt.zero_grad(set_to_none=True)
        loss = F.l1_loss(self.net(x), y)
        loss.backward()
        self.opt.step()
        return float(loss.detach())

    def state(self, sampler: PatchSampler, stopper: EarlyStopping, run_key: str) -> dict[str, Any]:
        return {
            "run_key": run_key,
            "optim": self.opt.state_dict(),
            "plateau": self.plateau.state_dict(),
            "rng": capture_rng(),
            "sampler": sampler.state_dict(),
            "early_stopping": stopper.state_dict(),
        }

    def restore(self, folder: Path, sampler: PatchSampler, stopper: EarlyStopping, run_key: str) -> int:
        state = load_checkpoint(folder, {"model": self.net, "best": self.best})
        if state["run_key"] != run_key:
            raise ConfigError(
                f"{folder} belongs to another CARE run (key {state['run_key'][:16]}...; this one {run_key[:16]}...). "
                "Use another workdir, the same settings, or start over (resume=False)."
            )
        self.opt.load_state_dict(state["optim"])
        self.plateau.load_state_dict(state["plateau"])
        sampler.load_state_dict(state["sampler"])
        stopper.load_state_dict(state["early_stopping"])
        restore_rng(state["rng"])
        return int(state["iteration"])


def _prepare(run_dir: Path, config: CareConfig, key: str, resume: bool) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    clean_partial(run_dir)
    recorded = run_dir / "config.json"
    if resume and recorded.is_file() and json.loads(recorded.read_text()).get("run_key") != key:
        raise ConfigError(
            f"{run_dir} holds a CARE run of other settings. Use another folder, the same settings, or resume=False."
        )
    if not resume:
        for name in (RESULT_FILE, MODEL_FILE):
            (run_dir / name).unlink(missing_ok=True)
        shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)
    atomic_write_text(recorded, json.dumps({"run_key": key, "config": config.to_dict()}, indent=2))


def train_care(
    config: CareConfig,
    sampler: PatchSampler,
    validation: ValidationSet,
    run_dir: str | Path,
    *,
    run_key: str = "",
    device: str | torch.device = "cpu",
    resume: bool = True,
    progress: bool = True,
) -> TrainResult:
    """Train (or resume, or return the finished result of) one CARE run in ``run_dir``."""
    run_dir = Path(run_dir)
    key = f"{config.fingerprint()}:{run_key}"
    if resume and (run_dir / RESULT_FILE).is_file() and (run_dir / MODEL_FILE).is_file():
        _prepare(run_dir, config, key, resume)  # refuses a finished run of other settings
        return TrainResult.read(run_dir)
    trainer = CareTrainer(config, torch.device(device))
    # Early stopping is off (CSBDeep trains every epoch); the stopper keeps the best epoch and the history.
    stopper = EarlyStopping(patience=config.max_iters + 1)
    _prepare(run_dir, config, key, resume)
    latest = latest_checkpoint(run_dir) if resume else None
    iteration = trainer.restore(latest, sampler, stopper, key) if latest is not None else 0
    ctx = DistContext(1, 0, 0, torch.device(device))
    bar = tqdm(total=config.max_iters, initial=iteration, desc="CARE", disable=not progress)
    while iteration < config.max_iters:
        batch = sampler.next_batch()
        loss = trainer.step(batch.lr, batch.hr)
        iteration += 1
        maybe_fault("kill-after-iteration", iteration)
        if iteration % config.steps_per_epoch == 0:
            _end_of_epoch(trainer, validation, stopper, ctx, iteration)
            epoch = iteration // config.steps_per_epoch
            if (config.checkpoint_every and epoch % config.checkpoint_every == 0) or iteration == config.max_iters:
                state = trainer.state(sampler, stopper, key)
                write_checkpoint(run_dir, iteration, {"model": trainer.net, "best": trainer.best}, state, keep=2)
        bar.update(1)
        bar.set_postfix({"loss": f"{loss:.4f}"}, refresh=False)
    bar.close()
    return _finish(trainer, stopper, run_dir, iteration)


def _end_of_epoch(
    trainer: CareTrainer, validation: ValidationSet, stopper: EarlyStopping, ctx: DistContext, iteration: int
) -> None:
    trainer.net.eval()
    with torch.no_grad():
        scores = validation.evaluate(CarePredictor(trainer.net), ctx, batch_size=trainer.config.val_batch_size)
    trainer.net.train()
    scores["lr"] = trainer.opt.param_groups[0]["lr"]
    if stopper.update(iteration, scores, trainer.config.val_metric):
        trainer.best.load_state_dict(trainer.net.state_dict())
    trainer.plateau.step(scores[trainer.config.val_metric])


def _finish(trainer: CareTrainer, stopper: EarlyStopping, run_dir: Path, iteration: int) -> TrainResult:
    validated = bool(stopper.history)
    result = TrainResult(
        run_dir=run_dir,
        weights=run_dir / MODEL_FILE,
        iterations=iteration,
        best_iteration=stopper.best_iteration if validated else None,
        best_score=stopper.best if validated else None,
        stopped_early=False,
        history=stopper.history,
    )
    shipped = trainer.best if validated else trainer.net
    # result.json last: a run counts as finished only with it, so a full disk before it means a resume.
    with disk_full_as_error("the trained CARE model", run_dir, hint=WORKDIR_HINT):
        save_weights(shipped, result.weights, {"microsr_bench.iterations": str(iteration)})
        atomic_write_text(run_dir / RESULT_FILE, json.dumps(result.to_dict(), indent=2, sort_keys=True))
    return result
