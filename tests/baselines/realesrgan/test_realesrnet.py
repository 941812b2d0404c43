"""Real-ESRNet: RESRGan-B's recipe with the L1 loss alone, no perceptual term, no GAN and no discriminator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from baselines.realesrgan.data import PairedPatchSampler
from baselines.realesrgan.realesrnet import RealESRNet, realesrnet_config
from baselines.realesrgan.train import DISCRIMINATOR_FILE, InitialWeights, Trainer
from baselines.realesrgan.train_config import config_for
from baselines.realesrgan.train_dist import init_distributed
from baselines.realesrgan.usm import USMSharp
from microsr_bench.data import BenchmarkDict
from microsr_bench.protocols import paired, zero_shot
from microsr_bench.protocols.method import MethodOptions

pytestmark = pytest.mark.usefixtures("one_thread")


def test_budgets_differ_from_resrgan_b_by_the_loss_only() -> None:
    for size in ("tiny", "cpu", "paper"):
        ours, gan = realesrnet_config(size, seed=2), config_for(size, seed=2)
        assert (ours.loss.pixel_weight, ours.loss.perceptual_weight, ours.loss.gan_weight) == (1.0, 0.0, 0.0)
        assert ours.loss.l1_gt_usm and not ours.adversarial and gan.adversarial
        assert {k: v for k, v in ours.to_dict().items() if k != "loss"} == {
            k: v for k, v in gan.to_dict().items() if k != "loss"
        }


def test_a_step_is_l1_on_the_sharpened_target_without_discriminator(tiny_mito: BenchmarkDict) -> None:
    config = realesrnet_config("tiny")
    trainer = Trainer(config, InitialWeights(), init_distributed("cpu"))
    assert trainer.d is None and "discriminator" not in trainer.networks() and trainer.g_loss.perceptual is None
    batch = PairedPatchSampler(tiny_mito["train"], patch_size=config.patch_size, batch_size=2, seed=0).next_batch()
    with torch.no_grad():
        # Independent reference: BasicSR's L1Loss (mean absolute error) against the USM-sharpened HR patch.
        expected = F.l1_loss(trainer.g(batch.lr), USMSharp()(batch.hr)).item()
    before = {k: v.clone() for k, v in trainer.g.state_dict().items()}
    losses = trainer.step(batch)
    assert losses["l_g_pix"] == pytest.approx(expected, rel=1e-6)
    assert losses["l_g_gan"] == losses["l_g_percep"] == 0.0 and "l_d_real" not in losses
    assert any(not torch.equal(before[k], v) for k, v in trainer.g.state_dict().items())  # it learned
    assert {"optim_d", "sched_d"}.isdisjoint(trainer.state(_Stub(), _StubStop(), "k"))


class _Stub:
    def state_dict(self) -> dict[str, int]:
        return {}


class _StubStop:
    def state_dict(self) -> dict[str, int]:
        return {}


@pytest.mark.parametrize("protocol", [paired("NUC"), zero_shot("NUC", source="MITO")], ids=["paired", "zero-shot"])
def test_through_evaluate_without_test_data(
    protocol: object, evaluate_recorded: Callable[..., tuple], tmp_path: Path
) -> None:
    method = RealESRNet(MethodOptions(budget="tiny", workdir=tmp_path / "work", progress=False))
    result, seen, test_ids = evaluate_recorded(method, protocol)
    assert seen and not set(seen) & test_ids
    record = result.records[0]
    assert record["method"]["name"] == "realesrnet" and record["method"]["initialisation"] == "scratch"
    parameters = record["method"]["parameters"]
    assert parameters["initial_weights"]["name"] == "scratch" and len(parameters["initial_weights"]["sha256"]) == 64
    assert parameters["training"]["stage"] == "paired"
    run_dirs = list((tmp_path / "work" / "realesrnet").glob("paired-*"))
    assert len(run_dirs) == 1 and not (run_dirs[0] / DISCRIMINATOR_FILE).exists()
