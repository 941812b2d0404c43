"""Validation during training (PSNR, SSIM, optionally NIQE or KID of the EMA generator on real LR/HR pairs)
and early stopping.

Scores are the benchmark's ``float`` recipe: prediction clamped to [0, 1], target divided by ``max_value``,
``microsr_bench.metrics.psnr`` / ``ssim`` with data range 1 (SSIM of Wang et al. 2004, no down-sampling).
A fixed subset of ``val_frames`` frames, evenly spread over the split (so over its HR images), keeps each
validation short; under torchrun every process scores its share and the sums are reduced, so every process
takes the same early-stopping decision.

NIQE (``microsr_bench.metrics.niqe``, no reference, the benchmark's pristine model) is the mean over the
predicted frames, computed only when it is the selection metric. KID (``microsr_bench.metrics`` set metrics)
compares the predicted frames with the subset's HR images on FID-Inception features of 299-px tiles; it is a
set statistic, so under torchrun each process computes it on its share and the mean of those values is the
score (every process then still takes the same decision). Both are lower-is-better: early stopping keeps the
lowest (``LOWER_IS_BETTER``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import datasets
import numpy as np
import torch
from torch import nn

from baselines.realesrgan.inference import super_resolve
from baselines.realesrgan.train_config import LOWER_IS_BETTER
from baselines.realesrgan.train_dist import DistContext, all_reduce_sum
from microsr_bench.data.info import benchmark_info
from microsr_bench.errors import InvalidArgumentError
from microsr_bench.metrics import niqe, psnr, ssim

__all__ = ["EarlyStopping", "ValidationSet"]


class ValidationSet:
    """A fixed subset of a paired split held in memory as integers, with its [0, 1] scales."""

    def __init__(self, split: datasets.Dataset, frames: int = 0, *, feature_extractor: Any = None) -> None:
        #: KID's feature network (default: the FID Inception, loaded on first use); tests pass a small one.
        self.feature_extractor = feature_extractor
        for column in ("lr", "hr", "dataset"):
            if column not in split.column_names:
                raise InvalidArgumentError(
                    f"Validation needs real LR/HR pairs (columns lr, hr, dataset); this split has "
                    f"{split.column_names}. Pass the validation split of load_benchmark."
                )
        if len(split) == 0:
            raise InvalidArgumentError("The validation split is empty; pass at least one LR/HR pair.")
        n = len(split) if frames <= 0 else min(frames, len(split))
        self.indices = np.unique(np.linspace(0, len(split) - 1, n).round().astype(np.int64))
        subset = split.select(self.indices.tolist())
        info = benchmark_info(split)
        self.scale = np.array([float(info.max_values[str(d)]) for d in subset["dataset"]], dtype=np.float32)
        rows = subset.select_columns(["lr", "hr"]).with_format("numpy")
        self.lr = [np.asarray(r["lr"]).reshape(np.asarray(r["lr"]).shape[-2:]) for r in rows]
        self.hr = [np.asarray(r["hr"]).reshape(np.asarray(r["hr"]).shape[-2:]) for r in rows]

    def __len__(self) -> int:
        return len(self.lr)

    def evaluate(
        self, model: nn.Module, ctx: DistContext, *, batch_size: int = 8, metric: str = "ssim"
    ) -> dict[str, float]:
        """Mean PSNR and SSIM of ``model`` over the subset (this process's share, then reduced), plus ``niqe``
        or ``kid`` when ``metric`` asks for it."""
        mine = list(range(ctx.rank, len(self), ctx.world_size))
        totals = [0.0, 0.0, 0.0, 0.0]
        predictions: list[np.ndarray] = []
        for start in range(0, len(mine), batch_size):
            chunk = mine[start : start + batch_size]
            lr = torch.from_numpy(np.stack([self.lr[i] / self.scale[i] for i in chunk]).astype(np.float32))[:, None]
            out = super_resolve(model, lr, batch_size=batch_size, device=ctx.device)[:, 0].double().numpy()
            hr = np.stack([self.hr[i] / self.scale[i] for i in chunk]).astype(np.float64)
            totals[0] += float(np.sum(psnr(hr, out, data_range=1.0)))
            totals[1] += float(np.sum(ssim(hr, out, data_range=1.0)))
            totals[2] += len(chunk)
            if metric == "niqe":
                totals[3] += float(np.sum(niqe(np.clip(out, 0.0, 1.0))))
            elif metric == "kid":
                predictions += list(out)
        if metric == "kid":
            totals[3] = self._kid(predictions, mine, ctx)
        psnr_sum, ssim_sum, count, extra = all_reduce_sum(totals, ctx)
        scores = {"psnr": psnr_sum / count, "ssim": ssim_sum / count}
        if metric == "niqe":
            scores["niqe"] = extra / count
        elif metric == "kid":
            scores["kid"] = extra / ctx.world_size
        return scores

    def _kid(self, predictions: list[np.ndarray], mine: list[int], ctx: DistContext) -> float:
        from microsr_bench.metrics import set_metrics

        references = [self.hr[i] / float(self.scale[i]) for i in mine]
        result = set_metrics(
            (np.clip(p, 0.0, 1.0) for p in predictions),
            (r.astype(np.float64) for r in references),
            feature_extractor=self.feature_extractor,
            device=ctx.device,
        )
        return float(result.kid)


@dataclass
class EarlyStopping:
    """Stop when the watched score has not improved for ``patience`` iterations, never before ``warmup``.

    The paper (section IV-C): "an early stopping of 500 iterations for low-to-medium learning rates and
    1000 iterations (as a warm up) for high learning rates". We read it as: patience 500 always, and with a
    high learning rate no stop before iteration 1,000. Higher scores are better for PSNR and SSIM, lower for
    NIQE and KID (``LOWER_IS_BETTER``); ``best`` is the raw score.
    """

    patience: int
    warmup: int = 0
    best: float = -math.inf
    best_iteration: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def update(self, iteration: int, scores: dict[str, float], metric: str) -> bool:
        """Record the scores of ``iteration``; return True when ``metric`` improved on the best so far."""
        self.history.append({"iteration": float(iteration), **scores})
        score = scores[metric]
        lower = metric in LOWER_IS_BETTER
        first = not math.isfinite(self.best)
        if math.isfinite(score) and (first or (score < self.best if lower else score > self.best)):
            self.best, self.best_iteration = score, iteration
            return True
        return False

    def should_stop(self, iteration: int) -> bool:
        """True once past the warm-up and ``patience`` iterations after the best validation."""
        if not self.history or iteration < self.warmup:
            return False
        return iteration - self.best_iteration >= self.patience

    def state_dict(self) -> dict[str, Any]:
        return {
            "patience": self.patience,
            "warmup": self.warmup,
            "best": self.best,
            "best_iteration": self.best_iteration,
            "history": [dict(h) for h in self.history],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.patience, self.warmup = int(state["patience"]), int(state["warmup"])
        self.best, self.best_iteration = float(state["best"]), int(state["best_iteration"])
        self.history = [dict(h) for h in state["history"]]
