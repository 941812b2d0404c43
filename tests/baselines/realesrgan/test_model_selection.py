"""Model selection by NIQE or KID (lower is better), as the paper selects by NIQE/FID; SSIM/PSNR stay the default.

References: the benchmark's own ``niqe`` and ``kid`` applied by hand to the same predictions (the plumbing is
under test here; the metrics have their own closed-form and reference tests in tests/metrics/).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from baselines.realesrgan.data import PairedPatchSampler
from baselines.realesrgan.inference import super_resolve
from baselines.realesrgan.train import train_realesrgan
from baselines.realesrgan.train_config import config_for
from baselines.realesrgan.train_dist import DistContext
from baselines.realesrgan.train_validate import EarlyStopping, ValidationSet
from baselines.registry import resrgan_b
from microsr_bench.data import BenchmarkDict
from microsr_bench.errors import ConfigError
from microsr_bench.metrics import kid, niqe
from microsr_bench.protocols.method import MethodOptions

pytestmark = pytest.mark.usefixtures("one_thread")
CPU = DistContext(world_size=1, rank=0, local_rank=0, device=torch.device("cpu"))


class _Pool(torch.nn.Module):
    """A tiny stand-in for Inception: 4x4 average pooling of the first channel, 16 features per tile."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.adaptive_avg_pool2d(x[:, :1], 4).flatten(1)


def test_lower_is_better_metrics_keep_the_lowest_score() -> None:
    stopper = EarlyStopping(patience=10)
    # NIQE 7 -> 5 (better) -> 6 (worse): the best is 5 at iteration 2, by hand.
    assert stopper.update(1, {"niqe": 7.0}, "niqe") and stopper.update(2, {"niqe": 5.0}, "niqe")
    assert not stopper.update(3, {"niqe": 6.0}, "niqe")
    assert (stopper.best, stopper.best_iteration) == (5.0, 2)
    ssim = EarlyStopping(patience=10)
    assert ssim.update(1, {"ssim": 0.5}, "ssim") and not ssim.update(2, {"ssim": 0.4}, "ssim")


def test_validation_scores_niqe_and_kid_of_the_predictions(tiny_mito: BenchmarkDict) -> None:
    model = torch.nn.Upsample(scale_factor=2, mode="bicubic")  # structured output: NIQE is finite on it
    valid = ValidationSet(tiny_mito["validation"], 4, feature_extractor=_Pool())
    lr = torch.from_numpy(np.stack([v / s for v, s in zip(valid.lr, valid.scale, strict=True)]).astype(np.float32))
    out = super_resolve(model, lr[:, None], batch_size=8, device=torch.device("cpu"))[:, 0].double().numpy()
    scores = valid.evaluate(model, CPU, metric="niqe")
    assert scores["niqe"] == pytest.approx(np.mean([niqe(np.clip(o, 0, 1)) for o in out]))
    assert "niqe" not in valid.evaluate(model, CPU)  # computed only when it selects the model
    hr = np.stack([h / s for h, s in zip(valid.hr, valid.scale, strict=True)])
    with torch.no_grad():  # tiles smaller than 299 px are taken whole, one tile per image
        feats = [
            _Pool()(torch.from_numpy(a.astype(np.float32))[:, None].expand(-1, 3, -1, -1)).numpy() for a in (out, hr)
        ]
    assert valid.evaluate(model, CPU, metric="kid")["kid"] == pytest.approx(kid(*feats), rel=1e-5)


def test_training_selects_by_niqe(tiny_mito: BenchmarkDict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Scripted NIQE per validation (iterations 2, 4, 6): 6.0, 4.0, 5.0 -> the loop must keep iteration 4. (The tiny
    # network's flat outputs give NaN NIQE, which never counts as better, so real scores cannot script this.)
    script = iter([6.0, 4.0, 5.0])
    seen_metric = []

    def scripted(self: ValidationSet, model: torch.nn.Module, ctx: DistContext, **kwargs: object) -> dict[str, float]:
        seen_metric.append(kwargs.get("metric"))
        return {"psnr": 20.0, "ssim": 0.5, "niqe": next(script)}

    monkeypatch.setattr(ValidationSet, "evaluate", scripted)
    config = dataclasses.replace(config_for("tiny"), max_iters=6, val_metric="niqe", patience=100)
    sampler = PairedPatchSampler(tiny_mito["train"], patch_size=config.patch_size, batch_size=config.batch_size, seed=0)
    result = train_realesrgan(config, sampler, ValidationSet(tiny_mito["validation"], 2), tmp_path, progress=False)
    assert seen_metric == ["niqe"] * 3
    assert (result.best_score, result.best_iteration) == (4.0, 4)


def test_val_metric_is_a_method_extra(tmp_path: Path) -> None:
    options = MethodOptions(budget="tiny", workdir=tmp_path, progress=False, extra={"val_metric": "kid"})
    assert resrgan_b(options).config.val_metric == "kid"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"val_metric='lpips' is invalid \(expected one of psnr, ssim, niqe, kid\)"):
        resrgan_b(dataclasses.replace(options, extra={"val_metric": "lpips"}))
