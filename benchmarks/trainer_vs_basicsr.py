"""Real-ESRGAN training step: our ``Trainer.step`` against BasicSR 1.4.2's ``optimize_parameters``, one run.

Both sides train the same networks on the same random patches: the ``cpu`` budget's 1-channel x2 RRDBNet
(32 features, 4 blocks, growth 16) and U-Net discriminator with spectral norm (16 features), batch 8, 64 px
HR patches, L1 on the USM-sharpened target (weight 1), vanilla GAN (weight 0.1), no perceptual term (the
``cpu`` budget's choice), Adam at 5e-4, EMA 0.99. One iteration is a generator step, a discriminator step,
the EMA update and the learning-rate schedulers' step (``update_learning_rate`` on BasicSR's side). The
USM sharpening of the target is inside both timed steps: ours does it in ``step``, BasicSR's ``feed_data``
does it, so the BasicSR side calls its ``usm_sharpener`` before ``optimize_parameters``. The degradation
pipeline (``feed_data``'s second-order synthesis) is left out of both.

Needs BasicSR 1.4.2 and realesrgan 0.3.0 (reference only, never a dependency of the library)::

    pip install --no-deps --no-build-isolation basicsr==1.4.2
    pip install --no-deps realesrgan==0.3.0 addict yapf lmdb opencv-python-headless

Run: ``OMP_NUM_THREADS=2 python benchmarks/trainer_vs_basicsr.py [--steps 5] [--repeats 3] [--threads N]
[--device cpu]``.
Blocks of ``--steps`` iterations alternate between the two sides ``--repeats`` times (so that load from
other processes hits both alike); the fastest block of each counts. ``RealESRGANModel.__init__`` moves a
JPEG simulator and the USM filter to CUDA unconditionally, so on a CPU the model is built with its parent's
constructor (``SRGANModel.__init__``) and given a CPU ``USMSharp``; ``optimize_parameters`` is unchanged.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

# benchmarks/baselines.py is named like the ``baselines`` package; drop this folder from the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from baselines.realesrgan.data import PatchBatch  # noqa: E402
from baselines.realesrgan.train import InitialWeights, Trainer  # noqa: E402
from baselines.realesrgan.train_config import TrainConfig, config_for  # noqa: E402
from baselines.realesrgan.train_dist import DistContext  # noqa: E402
from tools.reference import _shim  # noqa: E402


def basicsr_model(config: TrainConfig, device: torch.device) -> object:
    """BasicSR's ``RealESRGANModel`` with the networks, losses and optimisers of ``config``."""
    _shim.install()
    from basicsr.archs.rrdbnet_arch import RRDBNet  # noqa: F401  (registers the architecture)
    from basicsr.models.srgan_model import SRGANModel
    from basicsr.utils.img_process_util import USMSharp
    from realesrgan.models.realesrgan_model import RealESRGANModel

    g, d, loss = config.generator, config.discriminator, config.loss
    opt = {
        "name": "bench",
        "model_type": "RealESRGANModel",
        "scale": g.scale,
        "num_gpu": 0 if device.type == "cpu" else 1,
        "dist": False,
        "is_train": True,
        "l1_gt_usm": loss.l1_gt_usm,
        "percep_gt_usm": loss.percep_gt_usm,
        "gan_gt_usm": loss.gan_gt_usm,
        "network_g": {
            "type": "RRDBNet",
            "num_in_ch": g.num_in_ch,
            "num_out_ch": g.num_out_ch,
            "scale": g.scale,
            "num_feat": g.num_feat,
            "num_block": g.num_block,
            "num_grow_ch": g.num_grow_ch,
        },
        "network_d": {
            "type": "UNetDiscriminatorSN",
            "num_in_ch": d.num_in_ch,
            "num_feat": d.num_feat,
            "skip_connection": True,
        },
        "path": {},
        "train": {
            "ema_decay": config.ema_decay,
            "optim_g": {"type": "Adam", "lr": config.lr, "weight_decay": 0, "betas": list(config.betas)},
            "optim_d": {"type": "Adam", "lr": config.lr, "weight_decay": 0, "betas": list(config.betas)},
            "scheduler": {"type": "MultiStepLR", "milestones": [400000], "gamma": 0.5},
            "pixel_opt": {"type": "L1Loss", "loss_weight": loss.pixel_weight, "reduction": "mean"},
            "gan_opt": {
                "type": "GANLoss",
                "gan_type": "vanilla",
                "real_label_val": 1.0,
                "fake_label_val": 0.0,
                "loss_weight": loss.gan_weight,
            },
            "net_d_iters": 1,
            "net_d_init_iters": 0,
        },
    }
    if loss.perceptual_weight:
        raise SystemExit("this benchmark compares the cpu budget, whose perceptual weight is 0")
    model = RealESRGANModel.__new__(RealESRGANModel)
    SRGANModel.__init__(model, opt)  # RealESRGANModel.__init__ would call .cuda() on the JPEG simulator
    model.usm_sharpener = USMSharp().to(device)
    return model


def _parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _block(step: Callable[[], None], steps: int, device: torch.device) -> float:
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()  # on a GPU the kernels run after the call returns: time them to the end
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="iterations per timed block")
    parser.add_argument("--repeats", type=int, default=3, help="blocks per side, alternating")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--breakdown", action="store_true", help="also profile one step per side and print CPU time per operator"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    config = config_for("cpu")
    p = config.patch_size
    torch.manual_seed(0)
    lq = torch.rand(config.batch_size, 1, p // 2, p // 2, device=device)
    gt = torch.rand(config.batch_size, 1, p, p, device=device)

    ours = Trainer(config, InitialWeights(), DistContext(1, 0, 0, device))
    theirs = basicsr_model(config, device)
    state = {"iter": 0}

    def ours_step() -> None:
        ours.step(PatchBatch(lq, gt))

    def basicsr_step() -> None:
        state["iter"] += 1
        theirs.lq, theirs.gt = lq, gt  # type: ignore[attr-defined]
        theirs.gt_usm = theirs.usm_sharpener(gt)  # type: ignore[attr-defined]  # what feed_data does
        theirs.optimize_parameters(state["iter"])  # type: ignore[attr-defined]
        theirs.update_learning_rate(state["iter"])  # type: ignore[attr-defined]

    sides = {"microsr_bench Trainer.step": ours_step, "BasicSR optimize_parameters": basicsr_step}
    for step in sides.values():
        step()  # warm-up: allocator, spectral-norm vectors, optimiser state
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.repeats):
        for name, step in sides.items():
            times[name].append(_block(step, args.steps, device))
    g_ours, d_ours = _parameters(ours.g), _parameters(ours.d) if ours.d is not None else 0
    g_theirs, d_theirs = _parameters(theirs.net_g), _parameters(theirs.net_d)  # type: ignore[attr-defined]
    print(
        f"device {device}, torch threads {torch.get_num_threads()}, load average {os.getloadavg()[0]:.2f} (1 min); "
        f"batch {config.batch_size}, HR patch {p}, generator {g_ours} / {g_theirs} parameters (ours / BasicSR), "
        f"discriminator {d_ours} / {d_theirs}"
    )
    best = {name: min(t) for name, t in times.items()}
    for name, t in times.items():
        runs = ", ".join(f"{1 / s:.2f}" for s in t)
        print(f"  {name:28s} {1 / best[name]:6.2f} it/s  (blocks: {runs})")
    ratio = best["BasicSR optimize_parameters"] / best["microsr_bench Trainer.step"]
    print(f"  ratio (ours / BasicSR, iterations per second): {ratio:.2f}x")
    if args.breakdown:
        for name, step in sides.items():
            breakdown(name, step)
        discriminator_halves(ours, gt, args.repeats)


def discriminator_halves(trainer: Trainer, gt: torch.Tensor, repeats: int) -> None:
    """Our D step's shape (one pass on real and fake concatenated) against BasicSR's (two passes of half size)."""
    d = trainer.d
    if d is None:
        return
    fake = torch.rand_like(gt)

    def concatenated() -> None:
        d(torch.cat([gt, fake])).mean().backward()

    def halves() -> None:
        d(gt).mean().backward()
        d(fake).mean().backward()

    concatenated(), halves()
    times: dict[str, list[float]] = {"concatenated": [], "halves": []}
    for _ in range(max(repeats, 5)):
        for name, fn in (("concatenated", concatenated), ("halves", halves)):
            times[name].append(_block(fn, 1, gt.device))
    runs = {name: ", ".join(f"{t * 1e3:.0f}" for t in ts) for name, ts in times.items()}
    print(
        f"discriminator forward + backward on real and fake (batch {gt.shape[0]} each), ms, best of "
        f"{len(times['halves'])}: concatenated {min(times['concatenated']) * 1e3:.0f} (runs {runs['concatenated']}), "
        f"two halves {min(times['halves']) * 1e3:.0f} (runs {runs['halves']})"
    )


def breakdown(name: str, step: Callable[[], None], top: int = 8) -> None:
    """Self CPU time of one step by operator and input shape, the largest ``top`` entries and the total."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        step()
    rows = sorted(prof.key_averages(group_by_input_shape=True), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in rows) / 1e3
    print(f"{name}: one step, {total:.0f} ms of self CPU time; largest operators (ms, calls, first input shape)")
    for e in rows[:top]:
        shape = e.input_shapes[0] if e.input_shapes else []
        print(f"  {e.key:32s} {e.self_cpu_time_total / 1e3:7.1f}  {e.count:3d}  {shape}")


if __name__ == "__main__":
    main()
